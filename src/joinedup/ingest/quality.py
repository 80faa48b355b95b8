"""Data quality of an agency's deliveries, worst problems first. Counts and codes only: the
report never reads a name or any other delivered value (example messages are redacted).

``agency_quality(connection, agency_id, now=None)`` -> one dict:

- ``agency``, ``agency_name``, ``feed_format``, ``generated_at``, ``deliveries`` (count),
  ``person_records`` (current), ``rows_delivered`` (all deliveries' rows).
- ``worst_problems``: up to 5, worst first: ``kind`` (completeness | duplicates | quarantine
  | warnings | timeliness), ``code``, ``field``, ``percent``, ``weight``, ``score`` (weight x
  affected share) and ``sentence`` ("31% of person records have no NHS number").
- ``completeness``: one entry per identifying field: ``field``, ``label``, ``expected`` (does
  this feed carry it), ``present``, ``missing`` (no value in the store), ``invalid`` (of the
  missing, delivered but invalid and dropped), ``completeness_percent``, ``invalid_percent``,
  ``validity_percent`` (valid share of the values delivered).
- ``duplicates``: ``same_nhs_number``, ``same_upn``, ``same_name_and_dob``, each ``groups``,
  ``records`` (in those groups) and ``percent`` of person records.
- ``timeliness``: ``newest_delivery_id``, ``newest_extracted_at``, ``newest_received_at``,
  ``newest_age_days`` (now - newest extract), ``mean_lag_hours`` and ``max_lag_hours``
  (received - extracted).
- ``quarantine``: ``rows_delivered``, ``quarantined_at_ingest``, ``quarantined_percent``,
  ``open``, ``resolved``, ``open_by_code``. ``warnings``: ``rows_with_warnings``, ``percent``.
- ``trend``: per delivery, oldest first: ``delivery_id``, ``extracted_at``, ``received_at``,
  ``lag_hours``, ``rows``, ``accepted``, ``warnings``, ``quarantined``,
  ``quarantined_percent``, ``warning_percent``, ``open_quarantined``, ``invalid`` (code ->
  findings), ``records_current`` (person records whose current version that delivery
  brought) and ``completeness`` (field -> percent over those records).
- ``findings``: per code and severity, worst first: ``findings``, ``rows``, ``percent`` (of
  rows delivered), ``weight``, ``score``, ``example`` (redacted message).

``all_agencies_quality(connection, now=None)`` -> ``generated_at`` and ``agencies``: one
summary row per agency (``quality_rules.summary_row``: ``agency``, ``agency_name``,
``deliveries``, ``person_records``, ``rows_delivered``, ``quarantined_percent``,
``open_quarantined``, ``warning_percent``, ``completeness`` (field -> percent, None when the
feed does not carry it), ``same_name_and_dob_percent``, ``same_nhs_number_percent``,
``newest_age_days``, ``worst_problem``).

Percentages have one decimal from 1%, two significant figures below (a small non-zero share
is never 0), and are None when there is nothing to divide by. All figures are SQL aggregates
(SQLAlchemy Core): nothing is loaded row by row, so it runs on millions of rows on SQLite and
PostgreSQL alike. ``now`` fixes the clock for timeliness (tests).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from joinedup.config import settings
from joinedup.domain.agencies import AGENCIES, agency
from joinedup.ingest.quality_rules import (
    EXPECTED,
    FIELDS,
    IDENTITY_FILES,
    VALIDITY_CODES,
    aware,
    field_of_finding,
    hours,
    percent,
    redact,
    summary_row,
    timeliness,
    worst_problems,
)
from joinedup.ingest.quarantine import reason_codes_table
from joinedup.store import tables as t

SEVERITY_WEIGHT = {"error": 3, "warning": 1}


def agency_quality(
    connection: Connection, agency_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """The whole quality report of one agency (keys in the module docstring)."""
    info = agency(agency_id)
    fmt = info.feed_format.value
    now = aware(now or datetime.now(UTC))
    deliveries = _deliveries(connection, agency_id)
    rows_delivered = sum(d["rows"] for d in deliveries)
    total, present = _completeness_counts(connection, agency_id)
    invalid = _invalid_counts(connection, agency_id, fmt)
    completeness = [
        _field_entry(name, fmt, total, present.get(name, 0), invalid.get(name, 0))
        for name in FIELDS
    ]
    duplicates = _duplicates(connection, agency_id, total)
    quarantine = _quarantine(connection, agency_id, rows_delivered, deliveries)
    warned = sum(d["warnings"] for d in deliveries)
    warnings = {"rows_with_warnings": warned, "percent": percent(warned, rows_delivered)}
    findings, per_delivery = _findings(connection, agency_id, rows_delivered)
    report = {
        "agency": agency_id,
        "agency_name": info.name,
        "feed_format": fmt,
        "generated_at": now.isoformat(),
        "deliveries": len(deliveries),
        "person_records": total,
        "rows_delivered": rows_delivered,
        "completeness": completeness,
        "duplicates": duplicates,
        "timeliness": timeliness(
            deliveries, now, settings().ingest.delivery_schedule.get(agency_id)
        ),
        "quarantine": quarantine,
        "warnings": warnings,
        "trend": _trend(connection, agency_id, fmt, deliveries, per_delivery),
        "findings": findings,
    }
    report["worst_problems"] = worst_problems(report)
    return report


def all_agencies_quality(connection: Connection, now: datetime | None = None) -> dict[str, Any]:
    """One summary row per agency of the partnership, side by side."""
    now = aware(now or datetime.now(UTC))
    rows = [summary_row(agency_quality(connection, a.value, now)) for a in AGENCIES]
    return {"generated_at": now.isoformat(), "agencies": rows}


# --- the queries ------------------------------------------------------------------------


def _deliveries(connection: Connection, agency_id: str) -> list[dict[str, Any]]:
    d = t.delivery
    query = (
        select(
            d.c.id,
            d.c.extracted_at,
            d.c.received_at,
            d.c.rows,
            d.c.accepted,
            d.c.warnings,
            d.c.quarantined,
        )
        .where(d.c.agency_id == agency_id)
        .order_by(d.c.extracted_at, d.c.id)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def _present_columns() -> list[Any]:
    pr = t.person_record
    columns = []
    for name in FIELDS:
        column = pr.c[name]
        known: ColumnElement[bool]
        if name == "sex":
            known = column.in_(("M", "F"))
        elif name == "date_of_birth":
            known = column.is_not(None)
        else:
            known = and_(column.is_not(None), func.trim(column) != "")
        columns.append(func.coalesce(func.sum(case((known, 1), else_=0)), 0).label(name))
    return columns


def _completeness_counts(connection: Connection, agency_id: str) -> tuple[int, dict[str, int]]:
    pr = t.person_record
    row = connection.execute(
        select(func.count().label("total"), *_present_columns()).where(pr.c.agency_id == agency_id)
    ).one()
    return int(row.total), {name: int(getattr(row, name)) for name in FIELDS}


def _invalid_counts(connection: Connection, agency_id: str, fmt: str) -> Counter[str]:
    """Current records whose delivered identifying value was invalid (dropped at ingest).

    A record's current content has the findings of the delivery that last changed it, at its
    row of the identity file (``IDENTITY_FILES``). No index joins (delivery, file, row) to a
    record, so rather than a join (a nested loop on SQLite) the records and the findings are
    put in one list and partitioned by (delivery, file, row): one sort, on both backends.
    """
    sr, f = t.source_record, t.row_finding
    files = IDENTITY_FILES[fmt]
    no_text = cast(null(), String)
    records = select(
        sr.c.last_changed_delivery_id.label("delivery_id"),
        case(*[(sr.c.source_table == s, path) for s, path in files.items()]).label("file"),
        sr.c.row_number,
        no_text.label("code"),
        no_text.label("field"),
        literal(1).label("current"),
    ).where(sr.c.agency_id == agency_id, sr.c.source_table.in_(list(files)))
    agency_deliveries = select(t.delivery.c.id).where(t.delivery.c.agency_id == agency_id)
    findings = select(
        f.c.delivery_id, f.c.file, f.c.row_number, f.c.code, f.c.field, literal(0)
    ).where(
        f.c.delivery_id.in_(agency_deliveries),
        f.c.file.in_(list(files.values())),
        f.c.code.in_(VALIDITY_CODES),
    )
    both = union_all(records, findings).subquery()
    row = (both.c.delivery_id, both.c.file, both.c.row_number)
    marked = select(
        both.c.code,
        both.c.field,
        func.max(both.c.current).over(partition_by=row).label("is_current"),
    ).subquery()
    query = (
        select(marked.c.code, marked.c.field, func.count())
        .where(marked.c.code.is_not(None), marked.c.is_current == 1)
        .group_by(marked.c.code, marked.c.field)
    )
    counts: Counter[str] = Counter()
    for code, field_name, n in connection.execute(query):
        name = field_of_finding(code, field_name)
        if name:
            counts[name] += int(n)
    return counts


def _field_entry(name: str, fmt: str, total: int, present: int, invalid: int) -> dict[str, Any]:
    missing = total - present
    invalid = min(invalid, missing)
    return {
        "field": name,
        "label": FIELDS[name],
        "expected": name in EXPECTED[fmt],
        "present": present,
        "missing": missing,
        "invalid": invalid,
        "completeness_percent": percent(present, total),
        "invalid_percent": percent(invalid, total),
        "validity_percent": percent(present, present + invalid),
    }


def _duplicates(connection: Connection, agency_id: str, total: int) -> dict[str, Any]:
    pr = t.person_record
    name_key = (
        func.lower(func.trim(pr.c.forenames)),
        func.lower(func.trim(pr.c.surname)),
        pr.c.date_of_birth,
    )
    keys = {
        "same_nhs_number": ((pr.c.nhs_number,), (pr.c.nhs_number,)),
        "same_upn": ((pr.c.upn,), (pr.c.upn,)),
        "same_name_and_dob": (name_key, (pr.c.forenames, pr.c.surname, pr.c.date_of_birth)),
    }
    result = {}
    for name, (group_by, required) in keys.items():
        groups = (
            select(func.count().label("n"))
            .where(pr.c.agency_id == agency_id, *[c.is_not(None) for c in required])
            .group_by(*group_by)
            .having(func.count() > 1)
            .subquery()
        )
        count, records = connection.execute(
            select(func.count(), func.coalesce(func.sum(groups.c.n), 0))
        ).one()
        result[name] = {
            "groups": int(count),
            "records": int(records),
            "percent": percent(int(records), total),
        }
    return result


def _quarantine(
    connection: Connection, agency_id: str, rows: int, deliveries: list[dict[str, Any]]
) -> dict[str, Any]:
    q = t.quarantined_row
    status: dict[str, int] = dict(
        connection.execute(
            select(q.c.status, func.count()).where(q.c.agency_id == agency_id).group_by(q.c.status)
        ).all()
    )
    codes = reason_codes_table(connection)
    by_code = connection.execute(
        select(codes.c.value, func.count())
        .select_from(q.join(codes, true()))
        .where(q.c.agency_id == agency_id, q.c.status == "open")
        .group_by(codes.c.value)
        .order_by(func.count().desc(), codes.c.value)
    ).all()
    at_ingest = sum(d["quarantined"] for d in deliveries)
    return {
        "rows_delivered": rows,
        "quarantined_at_ingest": at_ingest,
        "quarantined_percent": percent(at_ingest, rows),
        "open": int(status.get("open", 0)),
        "resolved": int(status.get("resolved", 0)),
        "open_by_code": {str(c): int(n) for c, n in by_code},
    }


def _findings(
    connection: Connection, agency_id: str, rows_delivered: int
) -> tuple[list[dict[str, Any]], dict[int, Counter[str]]]:
    """Findings by code and severity (worst first), and each delivery's findings by code."""
    f = t.row_finding
    query = (
        select(
            f.c.delivery_id,
            f.c.file,
            f.c.code,
            f.c.severity,
            func.count().label("findings"),
            func.count(distinct(f.c.row_number)).label("rows"),
            func.min(f.c.message).label("example"),
        )
        .join(t.delivery, t.delivery.c.id == f.c.delivery_id)
        .where(t.delivery.c.agency_id == agency_id)
        .group_by(f.c.delivery_id, f.c.file, f.c.code, f.c.severity)
    )
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    per_delivery: dict[int, Counter[str]] = defaultdict(Counter)
    for r in connection.execute(query):
        entry = totals.setdefault(
            (r.code, r.severity), {"findings": 0, "rows": 0, "example": r.example}
        )
        entry["findings"] += int(r.findings)
        entry["rows"] += int(r.rows)  # a row belongs to one file: these sums stay distinct
        entry["example"] = min(entry["example"], r.example)
        per_delivery[int(r.delivery_id)][r.code] += int(r.findings)
    findings = []
    for (code, severity), entry in totals.items():
        share = entry["rows"] / rows_delivered if rows_delivered else 0.0
        weight = SEVERITY_WEIGHT.get(severity, 1)
        findings.append(
            {
                "code": code,
                "severity": severity,
                "findings": entry["findings"],
                "rows": entry["rows"],
                "percent": percent(entry["rows"], rows_delivered),
                "weight": weight,
                "score": round(weight * share, 4),
                "example": redact(entry["example"]),
            }
        )
    findings.sort(key=lambda x: (-x["score"], -x["rows"], x["code"]))
    return findings, per_delivery


def _trend(
    connection: Connection,
    agency_id: str,
    fmt: str,
    deliveries: list[dict[str, Any]],
    per_delivery: dict[int, Counter[str]],
) -> list[dict[str, Any]]:
    pr, sr, q = t.person_record, t.source_record, t.quarantined_row
    current = {
        int(r.delivery_id): r
        for r in connection.execute(
            select(
                sr.c.last_changed_delivery_id.label("delivery_id"),
                func.count().label("total"),
                *_present_columns(),
            )
            .select_from(pr.join(sr, sr.c.id == pr.c.source_record_id))
            .where(pr.c.agency_id == agency_id)
            .group_by(sr.c.last_changed_delivery_id)
        )
    }
    still_open: dict[int, int] = dict(
        connection.execute(
            select(q.c.delivery_id, func.count())
            .where(q.c.agency_id == agency_id, q.c.status == "open")
            .group_by(q.c.delivery_id)
        ).all()
    )
    trend = []
    for d in deliveries:
        row = current.get(int(d["id"]))
        records = int(row.total) if row is not None else 0
        trend.append(
            {
                "delivery_id": d["id"],
                "extracted_at": aware(d["extracted_at"]).isoformat(),
                "received_at": aware(d["received_at"]).isoformat(),
                "lag_hours": round(hours(aware(d["received_at"]) - aware(d["extracted_at"])), 1),
                "rows": d["rows"],
                "accepted": d["accepted"],
                "warnings": d["warnings"],
                "quarantined": d["quarantined"],
                "quarantined_percent": percent(d["quarantined"], d["rows"]),
                "warning_percent": percent(d["warnings"], d["rows"]),
                "open_quarantined": int(still_open.get(d["id"], 0)),
                "invalid": {
                    code: n
                    for code, n in sorted(per_delivery.get(int(d["id"]), Counter()).items())
                    if code in VALIDITY_CODES
                },
                "records_current": records,
                "completeness": {
                    name: percent(int(getattr(row, name)), records) if row is not None else None
                    for name in FIELDS
                    if name in EXPECTED[fmt]
                },
            }
        )
    return trend
