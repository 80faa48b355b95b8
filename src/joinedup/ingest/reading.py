"""Streaming readers for CSV and NDJSON deliveries: one row at a time, bounded memory.

Every physical record becomes exactly one ``RawRow``: either its values or the reason it
could not be read (bad quoting, wrong number of fields, bad encoding, bad JSON). Counting
uses the same loop, so the manifest's row count and the ingest's row accounting agree.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Python's csv module refuses fields over 128 KiB by default; a hostile 10 MB field must be
# read (and quarantined with a reason), not crash the ingest.
MAX_FIELD_BYTES = 64 * 1024 * 1024
csv.field_size_limit(MAX_FIELD_BYTES)


@dataclass(slots=True)
class RawRow:
    row_number: int  # 1-based data row (the header is not a row)
    line_number: int  # physical line where the row ends, for people reading the file
    values: dict[str, Any] | None
    raw: str
    error_code: str | None = None
    error: str | None = None


class HeaderError(ValueError):
    """The file's header row is unusable; the delivery is rejected."""


def _open_text(path: Path) -> Any:
    # utf-8-sig drops a BOM; surrogateescape keeps undecodable bytes so the row can be
    # quarantined with a reason instead of aborting the whole file.
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def _has_bad_bytes(values: list[str]) -> bool:
    return any(any("\udc80" <= ch <= "\udcff" for ch in v) for v in values)


def _printable(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=True)[:2_000_000]


def read_csv(path: Path) -> tuple[list[str], Iterator[RawRow]]:
    """The header and an iterator of rows; raises HeaderError for an unusable header."""
    handle = _open_text(path)
    reader = csv.reader(handle, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise HeaderError("file is empty (no header row)") from None
    except csv.Error as error:
        handle.close()
        raise HeaderError(f"header row is malformed ({error})") from None
    header = [h.strip() for h in header]
    if _has_bad_bytes(header):
        handle.close()
        raise HeaderError("header row is not UTF-8")
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        handle.close()
        raise HeaderError(f"header repeats column(s) {', '.join(duplicates)}")

    def rows() -> Iterator[RawRow]:
        number = 0
        try:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    number += 1
                    yield RawRow(
                        number,
                        reader.line_num,
                        None,
                        "",
                        "MALFORMED_CSV",
                        f"cannot be read as CSV: {error}",
                    )
                    continue
                number += 1
                raw = _printable(values)
                if _has_bad_bytes(values):
                    yield RawRow(
                        number,
                        reader.line_num,
                        None,
                        raw,
                        "INVALID_ENCODING",
                        "contains bytes that are not UTF-8",
                    )
                elif len(values) != len(header):
                    yield RawRow(
                        number,
                        reader.line_num,
                        None,
                        raw,
                        "WRONG_FIELD_COUNT",
                        f"has {len(values)} fields, the header has {len(header)}",
                    )
                else:
                    yield RawRow(
                        number, reader.line_num, dict(zip(header, values, strict=True)), raw
                    )
        finally:
            handle.close()

    return header, rows()


def read_ndjson(path: Path) -> Iterator[RawRow]:
    """One JSON object per line; blank lines are not rows."""
    with path.open("rb") as handle:
        number = 0
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            number += 1
            try:
                text = line.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield RawRow(
                    number,
                    line_number,
                    None,
                    repr(line[:2_000_000]),
                    "INVALID_ENCODING",
                    "contains bytes that are not UTF-8",
                )
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield RawRow(
                    number,
                    line_number,
                    None,
                    text,
                    "INVALID_JSON",
                    f"is not valid JSON ({error.msg} at column {error.colno})",
                )
                continue
            if not isinstance(value, dict):
                yield RawRow(
                    number, line_number, None, text, "INVALID_JSON", "is JSON but not an object"
                )
                continue
            yield RawRow(number, line_number, value, text)


def count_data_rows(path: Path) -> int:
    """Data rows as the manifest counts them: CSV records after the header, NDJSON lines.

    Uses the same record boundaries as ``read_csv`` (an unreadable record still counts once).
    """
    if path.suffix == ".ndjson":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    records = 0
    with _open_text(path) as handle:
        reader = csv.reader(handle, strict=True)
        while True:
            try:
                next(reader)
            except StopIteration:
                break
            except csv.Error:
                pass
            records += 1
    return max(records - 1, 0)  # the header is not a data row
