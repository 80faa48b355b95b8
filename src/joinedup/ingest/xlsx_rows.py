"""Excel workbooks (Ofsted's Annex A as authorities keep it) read as rows: every non-blank row
below a sheet's heading row is one row, with the sheet's title under ``SHEET``.

Cells become text as a CSV would hold them: dates ``YYYY-MM-DD``, whole numbers without a
decimal point, empty cells empty. Formulas are read as the values Excel last computed (a
formula is never evaluated here). A workbook that cannot be opened (not a workbook, too
large, a damaged archive) is refused whole: ``HeaderError`` with a one-line reason.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from joinedup.ingest.reading import MAX_RAW_CHARS, HeaderError, RawRow

SHEET = "sheet"
# Larger than any authority's Annex A; also bounds what the archive may unpack to.
MAX_XLSX_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _open(path: Path) -> Any:
    from openpyxl import load_workbook  # only deliveries that hold a workbook need it

    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise HeaderError(f"is {size:,} bytes; a workbook may be at most {MAX_XLSX_BYTES:,}")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise HeaderError("is not an Excel workbook (.xlsx)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise HeaderError(f"unpacks to {unpacked:,} bytes, more than a workbook of lists needs")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise HeaderError(f"cannot be read as an Excel workbook ({reason})") from None


def _sheets(path: Path) -> Iterator[tuple[str, list[str], int, tuple[Any, ...]]]:
    """(sheet title, heading, row index, cells) for every non-blank data row."""
    book = _open(path)
    try:
        for sheet in book.worksheets:
            heading: list[str] | None = None
            for index, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not any(_text(c) for c in cells):
                    continue
                if heading is None:
                    heading = [_text(c) for c in cells]
                    continue
                yield sheet.title, heading, index, cells
    finally:
        book.close()


def count_rows(path: Path) -> int:
    """Data rows in the workbook, as the manifest counts them."""
    return sum(1 for _ in _sheets(path))


def read_xlsx(path: Path) -> Iterator[RawRow]:
    """Every data row of every sheet; ``HeaderError`` (at once) when the workbook is refused."""
    _open(path).close()

    def rows() -> Iterator[RawRow]:
        for number, (title, heading, index, cells) in enumerate(_sheets(path), start=1):
            values = {SHEET: title}
            for name, cell in zip(heading, cells, strict=False):
                if name:
                    values[name] = _text(cell)
            text = json.dumps(values, ensure_ascii=False)[:MAX_RAW_CHARS]
            yield RawRow(number, index, values, text, size=len(text))

    return rows()
