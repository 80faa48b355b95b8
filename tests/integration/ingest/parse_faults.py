"""Parse sides that fail on purpose, run in the parsing process by the tests of
``test_parse_process`` (``parse_process.ENTRY`` names one of them)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

from joinedup.ingest.base import FileSpec
from joinedup.ingest.manifest import Manifest
from joinedup.ingest.parse_side import Item, parse_delivery
from joinedup.ingest.parsed_batch import FileDone

MESSAGE = "the parser broke on purpose after"


def fail_after_first_file(manifest: Manifest, plan: list[FileSpec]) -> Iterator[Item]:
    for item in parse_delivery(manifest, plan):
        yield item
        if isinstance(item, FileDone):
            raise RuntimeError(f"{MESSAGE} {item.file}")


def die_after_first_file(manifest: Manifest, plan: list[FileSpec]) -> Iterator[Item]:
    for item in parse_delivery(manifest, plan):
        yield item
        if isinstance(item, FileDone):
            time.sleep(1.0)  # the first file reaches the writer before the process dies
            os.kill(os.getpid(), signal.SIGKILL)
