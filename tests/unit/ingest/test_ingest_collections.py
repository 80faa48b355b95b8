"""An ingest raises the garbage collector's threshold only while it runs."""

from __future__ import annotations

import gc
import threading

import pytest

from joinedup.ingest.parse_side import INGEST_GC_THRESHOLD, fewer_collections


def test_threshold_is_raised_during_an_ingest_and_restored_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= INGEST_GC_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_threshold_is_restored_when_the_ingest_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("rejected")
    assert gc.get_threshold() == before


def test_overlapping_ingests_restore_the_threshold_of_before_the_first() -> None:
    before = gc.get_threshold()
    first_in, second_done = threading.Event(), threading.Event()

    def second() -> None:
        first_in.wait()
        with fewer_collections():
            pass
        second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    with fewer_collections():
        first_in.set()
        second_done.wait()
        # the second ingest ended first: the first one still runs with the higher threshold
        assert gc.get_threshold()[0] >= INGEST_GC_THRESHOLD
    worker.join()
    assert gc.get_threshold() == before
