"""The judgement in a data-quality report: which fields each feed should carry, how bad each
kind of problem is, and how to say it in plain language.

``worst_problems(report)`` takes an ``agency_quality`` report (without ``worst_problems``)
and returns up to ``TOP`` problems, ranked by ``score`` = weight x affected share. Weights:
3 for what makes a child hard to find or leaves facts out of the picture (a missing NHS
number, UPN or date of birth; a quarantined row), 2 for names, postcodes, duplicates and
stale deliveries, 1 for sex, warnings and slow delivery.

Also here: ``summary_row`` (an agency report in one line, for ``--all``), ``timeliness``
(from the delivery rows), ``percent`` and ``share_text`` (how figures are rounded and
said), ``redact`` (a finding's message without the delivered values it quotes), ``plural``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

TOP = 5

# person_record column -> label
FIELDS = {
    "nhs_number": "NHS number",
    "upn": "UPN",
    "date_of_birth": "date of birth",
    "postcode": "postcode",
    "forenames": "forename",
    "surname": "surname",
    "sex": "sex (M/F)",
}
FIELD_WEIGHT = {
    "nhs_number": 3,
    "upn": 3,
    "date_of_birth": 3,
    "postcode": 2,
    "forenames": 2,
    "surname": 2,
    "sex": 1,
}
_PEOPLE = {"forenames", "surname", "date_of_birth", "sex"}
# The identifying fields each feed format carries on its person records (feeds/README.md).
# Social care keeps postcodes in ssd_address, not on the person: not counted here.
EXPECTED = {
    "pole-csv/1": _PEOPLE | {"postcode"},
    "agency-events-csv/1": _PEOPLE | {"postcode", "nhs_number"},
    "fhir-r4-bulk/1": _PEOPLE | {"postcode", "nhs_number"},
    "school-census-csv/1": _PEOPLE | {"postcode", "upn"},
    "ssd-csv/1": _PEOPLE | {"nhs_number", "upn"},
}
# source table -> delivered file, for the rows that carry each format's identifying fields.
IDENTITY_FILES = {
    "pole-csv/1": {"persons": "persons.csv"},
    "agency-events-csv/1": {"persons": "persons.csv"},
    "fhir-r4-bulk/1": {"Patient": "Patient.ndjson"},
    "school-census-csv/1": {"pupils": "pupils.csv"},
    "ssd-csv/1": {
        "ssd_person": "ssd_person.csv",
        "ssd_linked_identifiers": "ssd_linked_identifiers.csv",
    },
}
# Finding codes that mean "a value was delivered but was invalid, and was dropped".
VALIDITY_CODES = (
    "INVALID_NHS_NUMBER",
    "INVALID_UPN",
    "INVALID_POSTCODE",
    "INVALID_DATE",
    "IMPLAUSIBLE_DATE",
    "INVALID_NAME",
    "INVALID_CODE",
)
_FINDING_FIELDS = {
    "date_of_birth": {"date_of_birth", "birthDate", "pers_dob"},
    "forenames": {"forenames", "legal_forename", "pers_forename"},
    "surname": {"surname", "legal_surname", "pers_surname"},
    "sex": {"gender", "sex", "pers_sex"},
    "postcode": {"postcode", "postalCode"},
    "upn": {"upn", "link_identifier_value"},
}

CODE_TEXT = {
    "UNKNOWN_REFERENCE": "a reference to a record the platform does not hold",
    "FUTURE_DATE": "a date after the extract date",
    "MISSING_REQUIRED": "a required field left empty",
    "INVALID_CODE": "a value outside the feed's code list",
    "DUPLICATE_KEY": "a key repeated within one file",
    "FORMULA_INJECTION": "a cell that spreadsheets would run as a formula",
    "FORMULA_PREFIX": "free text starting with a formula character",
    "MALFORMED_CSV": "a row that cannot be read as CSV",
    "WRONG_FIELD_COUNT": "a row with the wrong number of fields",
    "INVALID_ENCODING": "bytes that are not UTF-8",
    "INVALID_JSON": "a line or field that is not the JSON expected",
    "BEFORE_BIRTH": "an event dated before the person's birth",
    "INCONSISTENT": "values that contradict each other",
    "FIELD_TOO_LONG": "a field over the length limit",
    "CONTROL_CHARACTERS": "control characters in a field",
    "INVALID_DATE": "a date that is not a date",
    "INVALID_NUMBER": "a number that is not a whole number",
    "MISSING_OFFSET": "a date-time without a UTC offset",
    "INVALID_EMAIL": "an email address that is not one",
    "MISSING_CONTACT": "no safeguarding lead recorded",
    "INVALID_FLAG": "a true/false field that is neither",
    "UNUSED_FILE": "a file this feed does not define",
    "WRONG_RESOURCE_TYPE": "a FHIR resource of the wrong type",
    "IMPLAUSIBLE_DATE": "a date of birth before 1900",
    "INVALID_NAME": "a name with no letters",
    "INVALID_NHS_NUMBER": "an NHS number that fails its check",
    "INVALID_UPN": "a UPN that fails its check",
    "INVALID_POSTCODE": "a postcode that is not a UK postcode",
}
# Warning codes already counted by the completeness of a field (avoid saying it twice).
_COVERED_BY_FIELDS = frozenset(
    {"INVALID_NHS_NUMBER", "INVALID_UPN", "INVALID_NAME", "IMPLAUSIBLE_DATE"}
)
STALE_AFTER_DAYS = 7  # partners deliver at least weekly
SLOW_AFTER_HOURS = 48


def summary_row(report: dict[str, Any]) -> dict[str, Any]:
    """The one-line summary of an agency report used by ``all_agencies_quality``."""
    worst = report["worst_problems"]
    return {
        "agency": report["agency"],
        "agency_name": report["agency_name"],
        "deliveries": report["deliveries"],
        "person_records": report["person_records"],
        "rows_delivered": report["rows_delivered"],
        "quarantined_percent": report["quarantine"]["quarantined_percent"],
        "open_quarantined": report["quarantine"]["open"],
        "warning_percent": report["warnings"]["percent"],
        "completeness": {
            f["field"]: f["completeness_percent"] if f["expected"] else None
            for f in report["completeness"]
        },
        "same_name_and_dob_percent": report["duplicates"]["same_name_and_dob"]["percent"],
        "same_nhs_number_percent": report["duplicates"]["same_nhs_number"]["percent"],
        "newest_age_days": report["timeliness"]["newest_age_days"],
        "late": report["timeliness"]["late"],
        "worst_problem": worst[0]["sentence"] if worst else None,
    }


def percent(part: int | float, whole: int | float) -> float | None:
    """``part`` as a percentage of ``whole``: one decimal from 1%, two significant figures
    below (never 0 for a non-zero part); None when there is no whole."""
    if not whole:
        return None
    value = 100.0 * part / whole
    return round(value, 1) if value >= 1 or value == 0 else float(f"{value:.2g}")


def timeliness(
    deliveries: list[dict[str, Any]], now: datetime, expected_every_hours: float | None = None
) -> dict[str, Any]:
    """Age of the newest extract and hours from extract to receipt, from delivery rows; and,
    when the agency's schedule says how often it delivers, whether it is late (nothing
    received for longer than that)."""
    schedule = {
        "expected_every_hours": expected_every_hours,
        "hours_since_received": None,
        "late": None,
    }
    if not deliveries:
        return {
            "newest_delivery_id": None,
            "newest_extracted_at": None,
            "newest_received_at": None,
            "newest_age_days": None,
            "mean_lag_hours": None,
            "max_lag_hours": None,
            **schedule,
            "late": expected_every_hours is not None or None,
        }
    lags = [hours(aware(d["received_at"]) - aware(d["extracted_at"])) for d in deliveries]
    newest = max(deliveries, key=lambda d: (aware(d["extracted_at"]), d["id"]))
    extracted = aware(newest["extracted_at"])
    since = round(hours(now - max(aware(d["received_at"]) for d in deliveries)), 1)
    if expected_every_hours is not None:
        schedule |= {"hours_since_received": since, "late": since > expected_every_hours}
    return {
        "newest_delivery_id": newest["id"],
        "newest_extracted_at": extracted.isoformat(),
        "newest_received_at": aware(newest["received_at"]).isoformat(),
        "newest_age_days": round(hours(now - extracted) / 24, 1),
        "mean_lag_hours": round(sum(lags) / len(lags), 1),
        "max_lag_hours": round(max(lags), 1),
        **schedule,
    }


def aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; the store writes UTC only.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def hours(delta: Any) -> float:
    return float(delta.total_seconds()) / 3600.0


def field_of_finding(code: str, field_name: str | None) -> str | None:
    """The identifying field an invalid-value finding is about, or None if it is not one."""
    if code == "INVALID_NHS_NUMBER":
        return "nhs_number"
    wanted = {
        "INVALID_UPN": ("upn",),
        "INVALID_POSTCODE": ("postcode",),
        "INVALID_DATE": ("date_of_birth",),
        "IMPLAUSIBLE_DATE": ("date_of_birth",),
        "INVALID_NAME": ("forenames", "surname"),
        "INVALID_CODE": ("sex",),
    }.get(code, ())
    return next((name for name in wanted if field_name in _FINDING_FIELDS[name]), None)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 group', '3 groups'; ``many`` for irregular plurals."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def share_text(share: float) -> str:
    """31% / 4.5% / 0.046%: whole percent from 10%, one decimal from 1%, two figures below
    (a small share is never shown as 0%)."""
    value = 100.0 * share
    if value >= 10 or value == 0:
        return f"{math.floor(value + 0.5)}%"  # half up, as people round (12.5% -> 13%)
    return f"{value:.1f}%" if value >= 1 else f"{value:.2g}%"


def worst_problems(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's problems, ranked by weight x affected share, worst first (up to TOP)."""
    problems: list[dict[str, Any]] = []

    def add(
        kind: str, code: str | None, field: str | None, share: float, weight: int, sentence: str
    ) -> None:
        if share > 0:
            problems.append(
                {
                    "kind": kind,
                    "code": code,
                    "field": field,
                    "percent": round(100.0 * share, 1),
                    "weight": weight,
                    "score": round(weight * share, 4),
                    "sentence": sentence,
                }
            )

    people = report["person_records"]
    rows = report["rows_delivered"]
    for entry in report["completeness"]:
        if not entry["expected"] or not people:
            continue
        share = entry["missing"] / people
        sentence = f"{share_text(share)} of person records have no {entry['label']}"
        if entry["invalid"]:
            sentence += (
                f" ({share_text(entry['invalid'] / people)} were delivered with an invalid "
                "one, which was dropped)"
            )
        add("completeness", None, entry["field"], share, FIELD_WEIGHT[entry["field"]], sentence)
    duplicate_text = {
        "same_name_and_dob": "a name and date of birth",
        "same_nhs_number": "an NHS number",
        "same_upn": "a UPN",
    }
    for key, what in duplicate_text.items():
        found = report["duplicates"][key]
        if people and found["records"]:
            share = found["records"] / people
            groups = plural(found["groups"], "group")
            sentence = (
                f"{share_text(share)} of person records share {what} with another record "
                f"of this agency ({groups}): possible duplicates"
            )
            add("duplicates", key, None, share, 2, sentence)
    for code, n in report["quarantine"]["open_by_code"].items():
        if rows:
            share = n / rows
            sentence = (
                f"{share_text(share)} of delivered rows are quarantined for "
                f"{CODE_TEXT.get(code, code.lower())} ({code}, {plural(n, 'row')} still open)"
            )
            add("quarantine", code, None, share, 3, sentence)
    for finding in report["findings"]:
        code = finding["code"]
        if finding["severity"] == "warning" and code not in _COVERED_BY_FIELDS and rows:
            share = finding["rows"] / rows
            what = CODE_TEXT.get(code, code.lower())
            sentence = f"{share_text(share)} of delivered rows have a warning: {what} ({code})"
            add("warnings", code, None, share, 1, sentence)
    timeliness = report["timeliness"]
    age = timeliness["newest_age_days"]
    if age is not None and age > STALE_AFTER_DAYS:
        sentence = f"the newest delivery was extracted {age:.0f} days ago"
        add("timeliness", "STALE", None, min(age / 28, 1.0), 2, sentence)
    lag = timeliness["mean_lag_hours"]
    if lag is not None and lag > SLOW_AFTER_HOURS:
        sentence = f"deliveries arrive {lag:.0f} hours after extraction on average"
        add("timeliness", "SLOW", None, min(lag / (24 * 7), 1.0), 1, sentence)
    order = ("quarantine", "completeness", "duplicates", "timeliness", "warnings")
    problems.sort(key=lambda p: (-p["score"], order.index(p["kind"]), p["code"] or p["field"]))
    return problems[:TOP]


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DIGITS = re.compile(r"\d{5,}")


def redact(message: str) -> str:
    """A finding's message without the values it quotes: quoted text, dates, long numbers."""
    return _DIGITS.sub("<number>", _DATE.sub("<date>", _QUOTED.sub("'…'", message)))
