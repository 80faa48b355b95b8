"""The School Census each school sends the DfE, written from the generated education delivery.

In: a generated partnership's ``education/`` (schools, pupils, attendance, exclusions). Out:
one ``school-census-xml/1`` delivery per school, ``education_school_census_<URN>/``, holding
``school_census.xml`` in the CBDS layout ``ingest/school_census_xml.py`` reads: the school's
information and every pupil on roll on the extract date (a pupil who has left is in their
new school's census), with the same recording errors as the CSV delivery, their attendance
by term and their exclusions.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

from joinedup.ingest.feed_writer import Delivery
from joinedup.synth.returns_common import iso_date, rows

FOLDER = "education_school_census_{urn}"
PHASE_CODES = {"PRIMARY": "PS", "SECONDARY": "SS", "SPECIAL": "SP", "PRU": "PR"}


ROOT, PUPILS = "Message", "Pupils"


def _wrap(name: str, inner: str) -> str:
    """An element around elements already written (and escaped) by ``_el``."""
    return f"<{name}>{inner}</{name}>"


def _el(name: str, value: str | None) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else ""


def _attendance(records: list[dict[str, str]]) -> str:
    terms = []
    for r in records:
        year, season = r["term"].split("-")
        terms.append(
            _wrap(
                "TermlyAttendance",
                _el("Term", season)
                + _el("Year", year)
                + _el("SessionsPossible", r["sessions_possible"])
                + _el("SessionsAuthorised", r["sessions_authorised_absence"])
                + _el("SessionsUnauthorised", r["sessions_unauthorised_absence"]),
            )
        )
    return _wrap("Attendance", "".join(terms)) if terms else ""


def _exclusions(records: list[dict[str, str]]) -> str:
    found = [
        _wrap(
            "Exclusion",
            _el("Category", r["category"])
            + _el("Reason", r["reason"])
            + _el("StartDate", iso_date(r["start_date"]))
            + _el("Sessions", r.get("sessions")),
        )
        for r in records
    ]
    return _wrap("Exclusions", "".join(found)) if found else ""


def _pupil(
    p: dict[str, str], attendance: list[dict[str, str]], exclusions: list[dict[str, str]]
) -> str:
    fsm = (
        _wrap("FSMList", _wrap("FSM", _el("FSMstartDate", p["entry_date"])))
        if p.get("fsm_eligible") == "true" and p.get("entry_date")
        else ""
    )
    address = (
        _wrap("Address", _wrap("BS7666Address", _el("PostCode", p["postcode"])))
        if p.get("postcode")
        else ""
    )
    return _wrap(
        "PupilOnRoll",
        _el("UPN", p["upn"])
        + _el("FormerUPN", p.get("former_upn"))
        + _el("Surname", p["legal_surname"])
        + _el("Forename", p["legal_forename"])
        + _el("PreferredSurname", p.get("preferred_surname"))
        + _el("PreferredForename", p.get("preferred_forename"))
        # a date of birth the CSV carries mistyped is carried the same way
        + _el("DOB", p["date_of_birth"])
        + _el("Sex", p["sex"])
        + _el("Ethnicity", p.get("ethnicity"))
        + _el("EntryDate", p.get("entry_date"))
        + _el("SENprovision", p.get("sen_provision"))
        + fsm
        + address
        + _attendance(attendance)
        + _exclusions(exclusions),
    )


def write_school_census(out: Path, partnership: str, extracted_at: str) -> dict[str, int]:
    """One census delivery per school of ``out/education``; their row counts."""
    education = out / "education"
    pupils: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in rows(education, "pupils"):
        if p["urn"] and not p.get("leaving_date"):
            pupils[p["urn"]].append(p)
    attendance: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows(education, "attendance"):
        attendance[(r["upn"], r["urn"])].append(r)
    exclusions: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows(education, "exclusions"):
        exclusions[(r["upn"], r["urn"])].append(r)
    counts: dict[str, int] = {}
    for school in rows(education, "schools"):
        urn = school["urn"]
        delivery = Delivery(
            out,
            "education",
            "school-census-xml/1",
            partnership,
            extracted_at,
            folder=FOLDER.format(urn=urn),
        )
        census = delivery.text_file("school_census.xml")
        on_roll = pupils.get(urn, [])
        header = _wrap(
            "Header",
            _wrap(
                "CollectionDetails",
                _el("Collection", "School Census") + _el("ReferenceDate", extracted_at[:10]),
            ),
        )
        school_information = _wrap(
            "SchoolInformation",
            _el("URN", urn)
            + _el("SchoolName", school["name"])
            + _el("Phase", PHASE_CODES.get(school["phase"])),
        )
        census.fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{ROOT}>{header}\n')
        census.fh.write(f"{school_information}\n<{PUPILS}>\n")
        for p in on_roll:
            key = (p["upn"], urn)
            census.fh.write(_pupil(p, attendance.get(key, []), exclusions.get(key, [])) + "\n")
        census.fh.write(f"</{PUPILS}></{ROOT}>\n")
        census.rows = 1 + len(on_roll)
        counts.update(delivery.close())
    return counts
