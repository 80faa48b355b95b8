"""Streaming readers for CSV and NDJSON deliveries: one row at a time, bounded memory.

Every physical record becomes exactly one ``RawRow``: either its values or the reason it
could not be read (bad quoting, wrong number of fields, bad encoding, bad JSON). Counting
uses the same loop, so the manifest's row count and the ingest's row accounting agree.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import orjson

from joinedup.domain.nesting import MAX_NESTING

# Python's csv module refuses fields over 128 KiB by default; a hostile 10 MB field must be
# read (and quarantined with a reason), not crash the ingest.
MAX_FIELD_BYTES = 64 * 1024 * 1024
csv.field_size_limit(MAX_FIELD_BYTES)
# Raw text kept with a quarantined row is cut to this many characters.
MAX_RAW_CHARS = 2_000_000
# FHIR resources nest a handful of levels; anything deeper is hostile (and would overflow the
# JSON encoder's recursion when the row is stored).
MAX_JSON_DEPTH = MAX_NESTING  # (domain.nesting: every reader of untrusted documents)


@dataclass(slots=True)
class RawRow:
    row_number: int  # 1-based data row (the header is not a row)
    line_number: int  # physical line where the row ends, for people reading the file
    values: dict[str, Any] | None
    raw: str
    error_code: str | None = None
    error: str | None = None
    size: int = 0  # characters delivered, so that batches can be bounded in memory too
    # A CSV row's values as delivered; ``raw`` is made from them only when it is needed
    # (a quarantined row), since almost every row is accepted.
    cells: list[str] | None = None
    # The values hold only text, whole numbers within 64 bits, true/false/null, lists and
    # objects: orjson writes them exactly as the json module does (it writes floats
    # differently, and refuses longer integers), so the canonical JSON may be made by orjson.
    plain: bool = False

    def delivered(self) -> str:
        """The row as delivered, as text to keep with it (``raw``, made on demand)."""
        if not self.raw and self.cells is not None:
            self.raw = _printable(self.cells)
        return self.raw


class HeaderError(ValueError):
    """The file's header row is unusable; the delivery is rejected."""


def _open_text(path: Path) -> Any:
    # utf-8-sig drops a BOM; surrogateescape keeps undecodable bytes so the row can be
    # quarantined with a reason instead of aborting the whole file.
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


# surrogateescape maps each undecodable byte to one of these code points
_BAD_BYTE = re.compile("[\udc80-\udcff]")


def _has_bad_bytes(values: list[str]) -> bool:
    # a regex, not a loop over characters: this runs over every character of every file
    return any(_BAD_BYTE.search(v) for v in values)


def _printable(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=True)[:MAX_RAW_CHARS]


def _storable(text: str) -> str:
    """Text as the store can keep it: undecodable bytes and NUL written as escapes."""
    delivered = text[:MAX_RAW_CHARS].encode("utf-8", "surrogateescape")
    return delivered.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


class _Lines:
    """The file's lines for ``csv.reader``, keeping those of the record being read, so that
    a record that cannot be parsed is still kept as the text it was delivered as."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line: str = next(self.handle)
        self.taken.append(line)
        return line

    def record(self) -> str:
        text = "".join(self.taken)
        self.taken.clear()
        return text


def _csv_records(handle: Any) -> Iterator[tuple[list[str] | None, str | None, str, int]]:
    """(values, None, "", line) or (None, error, delivered text, line) per CSV record.

    Blank lines are not records (as in NDJSON), so neither the manifest count nor the ingest
    sees them.
    """
    lines = _Lines(handle)
    reader = csv.reader(lines, strict=True)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield None, str(error), _storable(lines.record()), reader.line_num
            continue
        lines.taken.clear()
        if values:
            yield values, None, "", reader.line_num


def read_csv(path: Path) -> tuple[list[str], Iterator[RawRow]]:
    """The header and an iterator of rows; raises HeaderError for an unusable header."""
    handle = _open_text(path)
    records = _csv_records(handle)
    try:
        header, error, _, _ = next(records)
    except StopIteration:
        handle.close()
        raise HeaderError("file is empty (no header row)") from None
    if header is None:
        handle.close()
        raise HeaderError(f"header row is malformed ({error})")
    header = [h.strip() for h in header]
    if _has_bad_bytes(header):
        handle.close()
        raise HeaderError("header row is not UTF-8")
    if any("\x00" in h for h in header):
        handle.close()
        raise HeaderError("header row contains NUL bytes (is the file UTF-16?)")
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        handle.close()
        raise HeaderError(f"header repeats column(s) {', '.join(duplicates)}")

    def rows() -> Iterator[RawRow]:
        number = 0
        columns = len(header)
        try:
            for values, error, text, line_number in records:
                number += 1
                size = len(text) if values is None else sum(map(len, values))
                if values is None:
                    yield RawRow(
                        number,
                        line_number,
                        None,
                        text,
                        "MALFORMED_CSV",
                        f"cannot be read as CSV: {error}",
                        size,
                    )
                    continue
                # one search over the joined values, not one per value: this runs over
                # every character of every file
                joined = "".join(values)
                if _BAD_BYTE.search(joined):
                    yield RawRow(
                        number,
                        line_number,
                        None,
                        _printable(values),
                        "INVALID_ENCODING",
                        "contains bytes that are not UTF-8",
                        size,
                    )
                elif "\x00" in joined:
                    yield RawRow(
                        number,
                        line_number,
                        None,
                        _printable(values),
                        "INVALID_ENCODING",
                        "contains a NUL byte, which is not text",
                        size,
                    )
                elif len(values) != columns:
                    yield RawRow(
                        number,
                        line_number,
                        None,
                        _printable(values),
                        "WRONG_FIELD_COUNT",
                        f"has {len(values)} fields, the header has {columns}",
                        size,
                    )
                else:
                    values_by_name = dict(zip(header, values, strict=True))
                    yield RawRow(
                        number, line_number, values_by_name, "", size=size, cells=values, plain=True
                    )
        finally:
            handle.close()

    return header, rows()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# One decoder for every line: ``json.loads`` with an option builds a new decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _decode(text: str) -> Any:
    """``json.loads(text, parse_constant=_refuse_constant)``, with the decoder built once."""
    if text.startswith("\ufeff"):  # as json.loads refuses it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def _decode_plain(text: str, floats: msgpack.Packer) -> Any:
    """The line's value as orjson reads it (in half the time of the json module), or None
    when the line must be read by ``_decode``.

    orjson reads a document without floats exactly as the json module does, except that it
    reads integers beyond 64 bits as floats, and it writes such a document again exactly as
    the json module does (it writes floats differently). So a value with no float at all is
    taken, and marked ``plain``. Whether there is one is asked of msgpack, which writes
    every float as the byte 0xCB (the byte may occur otherwise too: that line is only read
    the slower way). Whatever orjson refuses (invalid JSON, a lone surrogate, nesting past
    1,024) is read by the json module, which gives the reason, as it always has.
    """
    if text.startswith("\ufeff"):
        return None
    try:
        value = orjson.loads(text)
        return value if b"\xcb" not in floats.pack(value) else None
    except (orjson.JSONDecodeError, ValueError, OverflowError):  # msgpack: nested too deep
        return None


def _plainly_storable(text: str) -> bool:
    """True when the line cannot hold what ``_unstorable`` looks for: a NUL or a lone
    surrogate can only arrive through a ``\\u`` escape (json.loads refuses raw control
    characters, and the text is valid UTF-8), and nesting cannot be deeper than the number of
    brackets. Almost every delivered line takes this fast path."""
    return "\\u" not in text and text.count("{") + text.count("[") <= MAX_JSON_DEPTH


def _unstorable(value: Any) -> str | None:
    """Why a parsed JSON value cannot be kept (too deep, NUL, unpaired surrogate), or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_JSON_DEPTH:
                return f"is nested deeper than {MAX_JSON_DEPTH} levels"
            stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > MAX_JSON_DEPTH:
                return f"is nested deeper than {MAX_JSON_DEPTH} levels"
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "contains a NUL character (\\u0000), which is not text"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "contains an unpaired UTF-16 surrogate escape, which is not text"
    return None


def read_ndjson(path: Path) -> Iterator[RawRow]:
    """One JSON object per line; blank lines are not rows."""
    floats = msgpack.Packer()
    for number, line_number, line in ndjson_lines(path):
        yield ndjson_row(number, line_number, line, floats)


def ndjson_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(row number, line number, line) per line that is not blank, as ``read_ndjson``
    numbers them."""
    with path.open("rb") as handle:
        number = 0
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            number += 1
            yield number, line_number, line


def ndjson_row(number: int, line_number: int, line: bytes, floats: msgpack.Packer) -> RawRow:
    """One NDJSON line as a ``RawRow``: its object, or why it cannot be read."""
    try:
        text = line.decode("utf-8-sig" if line_number == 1 else "utf-8")
    except UnicodeDecodeError:
        return RawRow(
            number,
            line_number,
            None,
            repr(line[:2_000_000]),
            "INVALID_ENCODING",
            "contains bytes that are not UTF-8",
            len(line),
        )
    value = _decode_plain(text, floats)
    plain = value is not None
    try:
        if not plain:
            value = _decode(text)
    except json.JSONDecodeError as error:
        return RawRow(
            number,
            line_number,
            None,
            _storable(text),
            "INVALID_JSON",
            f"is not valid JSON ({error.msg} at column {error.colno})",
            len(line),
        )
    except (ValueError, RecursionError) as error:
        # NaN/Infinity, an integer too long to convert, nesting past the recursion
        # limit: said as a nesting the parser could read is (``_unstorable``), since
        # the recursion limit differs between processes and the outcome must not
        reason = (
            f"is not valid JSON ({str(error)[:200]})"
            if isinstance(error, ValueError)
            else f"is nested deeper than {MAX_JSON_DEPTH} levels"
        )
        return RawRow(number, line_number, None, _storable(text), "INVALID_JSON", reason, len(line))
    if not isinstance(value, dict):
        return RawRow(
            number,
            line_number,
            None,
            _storable(text),
            "INVALID_JSON",
            "is JSON but not an object",
            len(line),
        )
    problem = None if _plainly_storable(text) else _unstorable(value)
    if problem is not None:
        code = "INVALID_JSON" if problem.startswith("is nested") else "INVALID_ENCODING"
        return RawRow(number, line_number, None, _storable(text), code, problem, len(line))
    return RawRow(number, line_number, value, text, size=len(line), plain=plain)


def count_data_rows(path: Path) -> int:
    """Data rows as the manifest counts them: CSV records after the header, NDJSON lines
    (XML returns are counted by ``xml_rows.count_rows``).

    Uses the same record boundaries as ``read_csv`` (an unreadable record still counts once;
    blank lines are not records).
    """
    if path.suffix == ".ndjson":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    with _open_text(path) as handle:
        records = sum(1 for _ in _csv_records(handle))
    return max(records - 1, 0)  # the header is not a data row
