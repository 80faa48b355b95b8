"""A line nested too deeply is one finding, the same whatever the process's recursion limit:
past the limit the parser raised RecursionError and the row said "is not valid JSON (nested
too deeply)"; within it, the same line was parsed and said "is nested deeper than 64 levels".
The golden outcomes test saw either, by which tests ran before it in the worker."""

from __future__ import annotations

from pathlib import Path

from joinedup.ingest.reading import read_ndjson
from tests.support.recursion import under_both_limits


def _messages(path: Path) -> list[tuple[str | None, str | None]]:
    return [(row.error_code, row.error) for row in read_ndjson(path)]


def test_deep_nesting_is_said_one_way_whatever_the_recursion_limit(tmp_path: Path) -> None:
    path = tmp_path / "Patient.ndjson"
    lines = [
        '{"a": ' + "[" * 100 + "]" * 100 + "}",
        '{"a": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    low, high = under_both_limits(lambda: _messages(path))
    expected = [("INVALID_JSON", "is nested deeper than 64 levels")] * 2
    assert low == expected
    assert high == expected
