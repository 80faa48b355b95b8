"""``joinedup link`` says what it did in words (issue 19 finding 10: the demo and the link
command printed Python's dict notation, ``changes {'new': 4}``, and Splink's warnings)."""

from __future__ import annotations

import logging
import warnings

from joinedup.cli.linkage import _linked_in_words
from joinedup.services.demo import quietly


def test_the_link_report_reads_as_sentences() -> None:
    report = {
        "records": 12_345,
        "persons": 6_789,
        "comparisons": 40_000,
        "backend": "duckdb",
        "changes": {"NEW": 6_789, "MERGED": 0, "SPLIT": 2},
        "review": {"opened": 14, "stale": 0},
    }
    text = _linked_in_words(report, None)
    assert text == (
        "Linked 12,345 records into 6,789 people (40,000 pairs scored, backend duckdb). "
        "Changes to people: 6,789 new, 2 split. Clerical review queue: 14 opened."
    )
    assert "{" not in text and "'" not in text


def test_nothing_changed_is_said_so_and_kept_notes_are_counted() -> None:
    report = {
        "records": 1, "persons": 1, "comparisons": 0, "backend": "duckdb",
        "changes": {"NEW": 0}, "review": {"opened": 0},
    }  # fmt: skip
    with quietly() as quieted:
        logging.getLogger("splink").warning("a training note nobody can act on")
        warnings.warn("a library's warning", stacklevel=1)
    text = _linked_in_words(report, quieted.summary())
    assert "Changes to people: none. Clerical review queue: unchanged." in text
    assert text.endswith("kept off the screen (in a synthetic partnership some kinds of "
                         "difference between records never occur, so the linkage model keeps "
                         "its default weight for them).")  # fmt: skip
    assert "2 notes" in text
