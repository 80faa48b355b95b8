"""A small Markdown-to-PDF writer for the generated documents (fpdf2, pure Python: no
network, no system binaries, no fonts to install).

In: the Markdown the templates produce (headings, paragraphs, ``- `` lists, pipe tables,
``**bold**`` and ``*emphasis*``). Out: PDF bytes. It is not a general Markdown renderer, and
does not need to be: it renders what ``documents`` writes.
"""

from __future__ import annotations

import re

from fpdf import FPDF
from fpdf.fonts import FontFace

# The core PDF fonts speak Latin-1; typographic characters become their plain forms.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
    }
)
_EMPHASIS = re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])")


def _text(value: str) -> str:
    plain = value.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")
    # fpdf2's inline markup: **bold**, __italic__.
    return _EMPHASIS.sub(r"__\1__", plain)


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = _text(title)
        self.set_title(self.doc_title)
        self.set_creator("joinedup")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, f"{self.doc_title}  -  page {self.page_no()}/{{nb}}", align="C")


def _table(pdf: FPDF, rows: list[list[str]]) -> None:
    header, body = rows[0], rows[2:] if len(rows) > 1 else []
    has_header = any(cell.strip() for cell in header)
    data = ([header] if has_header else []) + body
    if not data:
        return
    pdf.set_font("Helvetica", size=7.5)
    columns = max(len(r) for r in data)
    with pdf.table(
        first_row_as_headings=has_header,
        markdown=True,
        text_align="LEFT",
        line_height=3.6,
        padding=1,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
    ) as table:
        for cells in data:
            row = table.row()
            for cell in cells + [""] * (columns - len(cells)):
                row.cell(_text(cell.strip()))
    pdf.ln(2)


def _split_row(line: str) -> list[str]:
    return line.strip().strip("|").split("|")


def markdown_to_pdf(markdown: str, title: str) -> bytes:
    """Render the documents' Markdown as an A4 PDF."""
    pdf = _Document(title)
    pdf.alias_nb_pages()
    pdf.add_page()
    lines = markdown.splitlines()
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            pdf.set_font("Helvetica", size=9.5)
            pdf.multi_cell(0, 4.6, _text(" ".join(paragraph)), markdown=True)
            pdf.ln(1.5)
            paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        heading = re.match(r"^(#{1,3}) (.*)$", line)
        if heading:
            flush()
            size = {1: 15, 2: 12.5, 3: 10.5}[len(heading.group(1))]
            pdf.ln(2)
            pdf.set_font("Helvetica", style="B", size=size)
            pdf.multi_cell(0, size * 0.5, _text(heading.group(2)))
            pdf.ln(1)
        elif line.startswith("|"):
            flush()
            rows = []
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(_split_row(lines[index]))
                index += 1
            _table(pdf, rows)
            continue
        elif line.startswith("- "):
            flush()
            item = [line[2:].strip()]
            while index + 1 < len(lines) and lines[index + 1].startswith("  "):
                index += 1
                item.append(lines[index].strip())
            pdf.set_font("Helvetica", size=9.5)
            pdf.set_x(pdf.l_margin + 3)
            pdf.multi_cell(0, 4.6, _text("- " + " ".join(item)), markdown=True)
            pdf.ln(0.5)
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.strip())
        index += 1
    flush()
    return bytes(pdf.output())
