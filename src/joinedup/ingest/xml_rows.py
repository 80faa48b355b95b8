"""XML returns read as rows: one row per record element (the CIN census's ``<Child>``; the
School Census's ``<SchoolInformation>`` and each ``<PupilOnRoll>``).

The file is parsed safely (no DTD, no entities, no network) and validated against the
return's own XSD. A file that is not well-formed XML, is too large, or breaks the schema
outside a record (the wrong root, a bad header) or carries an XML namespace (the DfE's
returns use none: the CIN census XSD has no target namespace, and CBDS files have none) is
refused whole: ``HeaderError`` with a one-line message naming the element and line. A
record that breaks the schema is one quarantined row (``SCHEMA_INVALID``, naming the element
and line), and every other record is read: each record element is exactly one row, as the
manifest counts them.

A record becomes a plain dict: leaf elements as text, elements that may repeat (``REPEATED``)
as lists, others as nested dicts, so that it can be stored and parsed again like a CSV row.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from joinedup.ingest.reading import MAX_RAW_CHARS, HeaderError, RawRow

# The element that is one row of an XML return.
ROW_ELEMENTS = frozenset({"Child", "SchoolInformation", "PupilOnRoll"})
# A row of a file read by its root (no XSD) names its record element here: such a file may
# hold more than one kind of record.
ELEMENT = "#element"
# Elements that may occur more than once in their parent (maxOccurs > 1 in the schemas).
REPEATED = frozenset(
    {
        "CINdetails",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ChildProtectionPlans",
        "Disability",
        "AssessmentFactors",
        "CPPreviewDate",
        "TermlyAttendance",
        "Exclusion",
        "FSM",
    }
)
# A return larger than this is refused before it is parsed (a CIN census of a large
# authority is tens of megabytes).
MAX_XML_BYTES = 512 * 1024 * 1024
DATA = Path(__file__).resolve().parent / "data"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@cache
def schema(name: str) -> etree.XMLSchema:
    """The vendored XSD ``ingest/data/<name>``."""
    return etree.XMLSchema(etree.parse(str(DATA / name), _parser()))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def load(path: Path) -> Any:
    """The parsed document; ``HeaderError`` when it is too large or not well-formed XML."""
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        raise HeaderError(
            f"is {size:,} bytes; an XML return may be at most {MAX_XML_BYTES:,} bytes"
        )
    try:
        # from bytes, so that a bad encoding is a syntax error with its line like any other
        tree = etree.fromstring(path.read_bytes(), _parser()).getroottree()
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else 0)
        raise HeaderError(
            f"is not well-formed XML: line {line}: {_one_line(str(error.msg))}"
        ) from None
    if tree.docinfo.doctype:
        raise HeaderError("declares a DOCTYPE; XML returns may not carry DTDs or entities")
    root = tree.getroot()
    name = etree.QName(root)
    if name.namespace:
        raise HeaderError(
            f"has root element <{name.localname}> in namespace {name.namespace!r} at line "
            f"{root.sourceline}; expected <{name.localname}> with no namespace (the DfE's "
            "returns use none)"
        )
    return tree


def records_in(root: Any) -> list[Any]:
    """The record elements under ``root``; ``HeaderError`` for one in a namespace (the DfE's
    returns use none: counted by its plain name it would go missing from the count)."""
    records = list(root.iter(*(f"{{*}}{n}" for n in ROW_ELEMENTS)))
    stray = next((r for r in records if etree.QName(r).namespace), None)
    if stray is not None:
        name = etree.QName(stray)
        raise HeaderError(
            f"holds a <{name.localname}> record in namespace {name.namespace!r} at line "
            f"{stray.sourceline}; the DfE's returns use no namespace"
        )
    return records


def count_rows(path: Path) -> int:
    """Record elements in the file, as the manifest counts them."""
    return len(records_in(load(path).getroot()))


def as_dict(element: Any) -> dict[str, Any]:
    """A record element as plain data (module docstring)."""
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value: Any = as_dict(child) if len(child) else (child.text or "").strip()
        if name in REPEATED:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def read_xml(
    path: Path, schema_name: str, root: str = "", records_of: tuple[str, ...] = ()
) -> Iterator[RawRow]:
    """Validate ``path`` against its XSD (or, without one, check its root element is
    ``root`` and its records are only ``records_of``) and return its rows; raises
    ``HeaderError`` (before any row) when the file is refused whole."""
    tree = load(path)
    if schema_name:
        xsd = schema(schema_name)
        valid = xsd.validate(tree)
    else:
        found = etree.QName(tree.getroot()).localname
        if root and found != root:
            raise HeaderError(
                f"has root element <{found}> at line {tree.getroot().sourceline}; expected <{root}>"
            )
        valid = True
    records = records_in(tree.getroot())
    stray = next((r for r in records if records_of and r.tag not in records_of), None)
    if stray is not None:
        raise HeaderError(
            f"holds a <{etree.QName(stray).localname}> record at line {stray.sourceline}; "
            f"this format's records are {', '.join(f'<{n}>' for n in records_of)}"
        )
    starts = [r.sourceline or 0 for r in records]
    ends = [max((e.sourceline or 0) for e in r.iter()) for r in records]
    problems: dict[int, list[str]] = {}
    for error in [] if valid else list(xsd.error_log):  # valid without an XSD
        index = bisect_right(starts, error.line) - 1
        message = f"line {error.line}: {_one_line(error.message)}"
        if index < 0 or error.line > ends[index] + 1:
            raise HeaderError(f"does not match the schema ({schema_name}): {message}")
        problems.setdefault(index, []).append(message)

    def rows() -> Iterator[RawRow]:
        for number, record in enumerate(records, start=1):
            line = record.sourceline or 0
            if number - 1 in problems:
                text = etree.tostring(record, encoding="unicode")[:MAX_RAW_CHARS]
                reasons = problems[number - 1]
                yield RawRow(
                    number,
                    line,
                    None,
                    text,
                    "SCHEMA_INVALID",
                    f"does not match the schema: {'; '.join(reasons[:5])}"[:2000],
                    len(text),
                )
                continue
            values = as_dict(record)
            if root:
                values[ELEMENT] = etree.QName(record).localname
            text = json.dumps(values, ensure_ascii=False)
            yield RawRow(number, line, values, text, size=len(text))

    return rows()
