"""The hostile corpus for the returns social care makes (``tests/data/hostile/social_care``):
each file either refused whole with a one-line message naming the file, the element or
problem and the line (and nothing stored), or ingested with exactly the expected rows
quarantined, each with its reason, and every row accounted for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery
from joinedup.store import tables as t
from tests.support.hostile import corpus, write_files
from tests.support.returns import cin_delivery

HEADER_OK = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nL1,1,01/05/2014,WBRI,,,\n"


@dataclass(frozen=True)
class Refused:
    problem: str  # a regular expression the one-line message matches


@dataclass(frozen=True)
class Taken:
    counts: dict[str, tuple[int, int, int]]  # file -> (rows, accepted, quarantined)
    quarantined: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # file -> warning codes


def _cin(name: str) -> tuple[str, dict[str, bytes]]:
    return "cin-census-xml/1", {"cin_census.xml": corpus(f"social_care/{name}")}


CIN_REFUSED = {
    "cin_census_malformed.xml": r"is not well-formed XML: line 30: Opening and ending tag "
    r"mismatch: ChildIdentifiers line 26 and ChildIdentifier",
    "cin_census_truncated.xml": r"is not well-formed XML: line 17: Premature end of data in "
    r"tag Assessments",
    "cin_census_empty.xml": r"is not well-formed XML: line 1: Document is empty",
    "cin_census_latin1_undeclared.xml": r"is not well-formed XML: line 7: Invalid bytes in "
    r"character encoding",
    "cin_census_wrong_namespace.xml": r"has root element <Message> in namespace "
    r"'http://www.example.org/not-the-dfe' at line 2; expected <Message> with no namespace",
    "cin_census_header_invalid.xml": r"does not match the schema \(CIN_schema_2024.xsd\): "
    r"line 3: Element 'Year': 'twenty' is not a valid value",
    "cin_census_no_children.xml": r"does not match the schema \(CIN_schema_2024.xsd\): "
    r"line 4: Element 'Children': Missing child element",
    "cin_census_billion_laughs.xml": r"declares a DOCTYPE",
    "cin_census_external_entity.xml": r"declares a DOCTYPE",
}
CIN = "cin_census.xml"
H903, E903, L1 = "header.csv", "episodes.csv", "list_1.csv"

CASES: list[tuple[str, str, dict[str, bytes], Refused | Taken]] = [
    (name.removesuffix(".xml"), *_cin(name), Refused(f"{CIN}: {problem}"))
    for name, problem in CIN_REFUSED.items()
]
CASES += [
    (
        "cin_census_utf16",
        *_cin("cin_census_utf16.xml"),
        Taken({CIN: (1, 1, 0)}),
    ),
    (
        "cin_census_schema_violations",
        *_cin("cin_census_schema_violations.xml"),
        Taken(
            {CIN: (8, 1, 7)},
            {
                (CIN, 2): ["SCHEMA_INVALID"],  # 2026-02-30
                (CIN, 3): ["SCHEMA_INVALID"],  # a referral source not in the DfE's list
                (CIN, 4): ["SCHEMA_INVALID"],  # no GenderCurrent
                (CIN, 5): ["FUTURE_DATE"],  # valid to the schema, after the extract
                (CIN, 6): ["SCHEMA_INVALID"],  # 31/12/2015: not a schema date
                (CIN, 7): ["SCHEMA_INVALID"],  # an element the schema does not know
                (CIN, 8): ["DUPLICATE_KEY"],  # H1 again
            },
        ),
    ),
    (
        "ssda903_header_hostile",
        "ssda903-csv/1",
        {H903: corpus("social_care/ssda903_header_hostile.csv")},
        Taken(
            {H903: (7, 3, 4)},
            {
                (H903, 2): ["DUPLICATE_KEY"],
                (H903, 4): ["FORMULA_INJECTION"],
                (H903, 5): ["WRONG_FIELD_COUNT"],
                (H903, 6): ["INVALID_ENCODING"],
            },
            {H903: ["FUTURE_DATE", "INVALID_CODE", "INVALID_DATE", "INVALID_UPN"]},
        ),
    ),
    (
        "ssda903_episodes_hostile",
        "ssda903-csv/1",
        {H903: HEADER_OK, E903: corpus("social_care/ssda903_episodes_hostile.csv")},
        Taken(
            {H903: (1, 1, 0), E903: (7, 2, 5)},
            {
                (E903, 2): ["INVALID_DATE"],  # 31/02/2025
                (E903, 3): ["UNKNOWN_REFERENCE"],  # a child not in header.csv
                (E903, 4): ["FUTURE_DATE"],
                (E903, 5): ["INVALID_DATE"],  # yesterday
                (E903, 6): ["DUPLICATE_KEY"],  # the same child and start again
            },
            {E903: ["INCONSISTENT"]},  # ceased before it began
        ),
    ),
    (
        "annex_a_list_1_hostile",
        "annex-a-csv/1",
        {L1: corpus("social_care/annex_a_list_1_hostile.csv")},
        Taken(
            {L1: (7, 3, 4)},
            {
                (L1, 3): ["MISSING_REQUIRED"],
                (L1, 5): ["FORMULA_INJECTION"],
                (L1, 6): ["INVALID_DATE"],
                (L1, 7): ["MALFORMED_CSV"],
            },
            {L1: ["BEFORE_BIRTH"]},
        ),
    ),
]


def _deliver(folder: Path, feed_format: str, files: dict[str, bytes]) -> Path:
    if feed_format == "cin-census-xml/1":
        return cin_delivery(folder, files[CIN])
    return write_files(folder, "social_care", files, feed_format=feed_format)


@pytest.mark.parametrize(
    ("feed_format", "files", "expect"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_hostile_return(
    engine: Engine,
    tmp_path: Path,
    feed_format: str,
    files: dict[str, bytes],
    expect: Refused | Taken,
) -> None:
    folder = _deliver(tmp_path / "d", feed_format, files)
    if isinstance(expect, Refused):
        with pytest.raises(DeliveryRejected) as caught:
            ingest_delivery(engine, folder)
        message = str(caught.value)
        assert "\n" not in message and "Traceback" not in message
        assert re.search(expect.problem, message), message
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(t.source_record))
            assert stored.scalar_one() == 0
        return
    report = ingest_delivery(engine, folder)
    counts = {f.path: (f.rows, f.accepted, f.quarantined) for f in report.files}
    assert counts == expect.counts
    for rows, accepted, quarantined in counts.values():
        assert rows == accepted + quarantined
    with engine.connect() as connection:
        kept = connection.execute(
            select(
                t.quarantined_row.c.file,
                t.quarantined_row.c.row_number,
                t.quarantined_row.c.reason_codes,
                t.quarantined_row.c.raw,
            )
        ).all()
    assert {(r.file, r.row_number): r.reason_codes for r in kept} == expect.quarantined
    assert all(r.raw for r in kept)  # every quarantined row is kept as delivered
    for path, codes in expect.warnings.items():
        found = next(f for f in report.files if f.path == path).findings
        assert sorted(c for c in found if c in codes) == codes, (path, found)
