"""A chronology as a file: CSV (for a spreadsheet) and PDF (to print or attach to a case
record), audited as a share. Both are written from the ``Chronology`` the page shows
(``chronology.chronology``), row for row, so a file never holds more than the page did.

CSV: UTF-8 with a byte-order mark (so Excel reads "Woźniak" right), UK dates (06/12/2026),
and any cell a spreadsheet would run as a formula (=, +, -, @ first) prefixed with an
apostrophe (OWASP: CSV injection); the recorded words are free text.
PDF: A4 landscape through fpdf2, marked OFFICIAL-SENSITIVE, in DejaVu Sans (matplotlib's
copy: every accented name printed as written), the table repeating its headings on each page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import Engine

from joinedup.errors import BadInput, Forbidden
from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.governance.reader import Reader
from joinedup.governance.wording import role_title, uk_date, uk_date_short, uk_datetime
from joinedup.services.chronology import Chronology, ChronologyEntry, Filters, chronology

COLUMNS = ("Date", "Ended", "Agency", "Kind", "What happened", "Detail", "Source")
MARKING = "OFFICIAL-SENSITIVE"
EXPORT_FORMATS = ("csv", "pdf")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    text = value or ""
    return f"'{text}" if text.startswith(_FORMULA) else text


def _row(entry: ChronologyEntry) -> list[str]:
    return [
        uk_date_short(entry.on),
        uk_date_short(entry.ended_on, missing=""),
        entry.agency_name,
        entry.kind_title,
        entry.summary,
        entry.detail or "",
        entry.source,
    ]


def as_csv(answer: Chronology) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in answer.entries:
        writer.writerow([_cell(v) for v in _row(entry)])
    return buffer.getvalue().encode("utf-8-sig")


def _font_folder() -> Path | None:
    try:
        import matplotlib

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    return folder if (folder / "DejaVuSans.ttf").exists() else None


class _Document(FPDF):
    def __init__(self, title: str, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_title(title)
        self.set_creator("joinedup")
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(12, 12, 12)
        folder = _font_folder()
        self.family = "Helvetica"
        if folder is not None:
            self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            self.family = "DejaVu"

    def text_of(self, value: str) -> str:
        """Core fonts speak Latin-1 only: without DejaVu, other letters are replaced."""
        if self.family == "DejaVu":
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.set_font(self.family, "B", 8)
        self.cell(0, 4, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.family, "", 7)
        self.cell(0, 4, self.text_of(f"{self.footer_text} - page {self.page_no()}/{{nb}}"),
                  align="C")  # fmt: skip


def _filters_sentence(answer: Chronology) -> str:
    f = answer.filters
    parts = []
    if f.agencies:
        names = {o.value: o.title for o in answer.agencies}
        parts.append("agencies: " + ", ".join(names.get(a, a) for a in f.agencies))
    if f.kinds:
        kinds = {o.value: o.title for o in answer.kinds}
        parts.append("kinds: " + ", ".join(kinds.get(k, k) for k in f.kinds))
    if f.since or f.until:
        parts.append(
            f"from {uk_date(f.since, missing='the first entry')} "
            f"to {uk_date(f.until, missing='the latest entry')}"
        )
    shown = f"{len(answer.entries)} of {answer.total} entries you may see"
    return f"{shown}, filtered by " + "; ".join(parts) if parts else f"All {answer.total} entries"


def as_pdf(answer: Chronology, reader: Reader, now: datetime) -> bytes:
    """The chronology as an A4 landscape PDF (bytes)."""
    who = answer.name or "a child"
    pdf = _Document(f"Multi-agency chronology: {who}", f"Chronology of {who}")
    pdf.alias_nb_pages()
    pdf.add_page()
    t = pdf.text_of
    pdf.set_font(pdf.family, "B", 15)
    pdf.multi_cell(0, 7, t(f"Multi-agency chronology: {who}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 9)
    born = f"Born {uk_date(answer.date_of_birth)}. " if answer.date_of_birth else ""
    prepared = (
        f"{born}Prepared for {reader.display_name or reader.user_id} "
        f"({role_title(reader.role.value)}) on {uk_datetime(now)}, for "
        f"{answer.purpose_title.lower()}. {_filters_sentence(answer)}."
    )
    pdf.multi_cell(0, 4.5, t(prepared), new_x="LMARGIN", new_y="NEXT")
    for withheld in answer.withheld:
        pdf.multi_cell(0, 4.5, t(f"Not shown: {withheld.agency_name} {withheld.note}."),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(2)
    pdf.set_font(pdf.family, "", 7.5)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(20, 20, 30, 35, 70, 50, 48),
        text_align="LEFT",
        line_height=3.6,
        padding=1,
        headings_style=heading,
        repeat_headings=1,
    ) as table:
        top = table.row()
        for name in COLUMNS:
            top.cell(name)
        for entry in answer.entries:
            row = table.row()
            for value in _row(entry):
                row.cell(t(value))
    if not answer.entries:
        pdf.multi_cell(0, 5, "No entries match these filters.")
    return bytes(pdf.output())


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes
    media_type: str
    filename: str
    audit_seq: int


def export_chronology(
    engine: Engine,
    reader: Reader,
    person_id: str,
    filters: Filters | None = None,
    *,
    file_format: str = "csv",
    now: datetime | None = None,
) -> Export:
    """The chronology as the page shows it, as a CSV or PDF file: a copy leaving the
    platform, so it is recorded in the audit log as a share (who, which child, which
    fields, how many entries, under which purpose) before it is handed over."""
    uses.CHRONOLOGY_EXPORT.check(reader)
    if file_format not in EXPORT_FORMATS:
        raise BadInput(f"a chronology is exported as {' or '.join(EXPORT_FORMATS)}")
    now = now or datetime.now(UTC)
    answer = chronology(engine, reader, person_id, filters, now=now)
    if not answer.allowed:
        raise Forbidden(
            f"you may not see this child's record for {reader.purpose_title}, so there is "
            "no chronology to export"
        )
    if file_format == "csv":
        content, media_type = as_csv(answer), "text/csv; charset=utf-8"
    else:
        content, media_type = as_pdf(answer, reader, now), "application/pdf"
    with engine.begin() as connection:
        entry = append(
            connection,
            kind="SHARE",
            actor=reader.user_id,
            actor_role=reader.role.value,
            purpose=reader.purpose.value,
            subject=person_id,
            details={
                "what": "CHRONOLOGY_EXPORT",
                "format": file_format,
                "agency": reader.agency.value,
                "from_agency": "partnership",
                "to_agency": reader.agency.value,
                "recipient": reader.user_id,
                "fields": sorted({e.kind for e in answer.entries}),
                "entries": len(answer.entries),
                "filters": answer.filters.as_dict(),
            },
            recorded_at=now,
        )
    name = re.sub(r"[^A-Za-z0-9_-]", "", person_id)[:60] or "child"
    stamp = now.date().isoformat()
    return Export(content, media_type, f"chronology-{name}-{stamp}.{file_format}", entry.seq)
