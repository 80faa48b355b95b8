"""Quarantine: list and show the rows an ingest refused (``reprocess`` re-validates them).

``list_quarantined(connection, agency_id=None, status="open", code=None, limit=50)`` -> dict:
``total`` (rows matching), ``by_code`` (reason code -> rows, most first), ``shown``, ``limit``
and ``rows`` (``id``, ``agency``, ``delivery_id``, ``file``, ``row_number``, ``reason_codes``,
``message``, ``status``, ``resolved_by_delivery_id``), newest delivery first.

``show_quarantined(connection, row_id)`` -> dict: the row as delivered (``raw``, and
``values`` column -> value when the columns can be recovered, else ``values_note`` says why),
its ``reason_codes`` and ``message``, every ``findings`` entry the ingest recorded for it, its
``delivery``, and its ``status``, ``resolved_by_delivery_id`` and ``resolution`` in words.
It shows personal data as delivered; governance will restrict who may call it.

A row is resolved either by a later delivery of the same key (``resolved_by_delivery_id`` is
that delivery) or by ``joinedup.ingest.reprocess`` accepting the row itself
(``resolved_by_delivery_id`` is the row's own delivery).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, exists, func, select, true
from sqlalchemy.sql import FromClause

from joinedup.domain.agencies import agency
from joinedup.errors import BadInput, NotFound
from joinedup.ingest.store_context import delivered_header, delivered_values
from joinedup.store import tables as t

STATUSES = ("open", "resolved", "all")


def reason_codes_table(connection: Connection) -> FromClause:
    """The elements of ``quarantined_row.reason_codes`` as a table with a ``value`` column."""
    column = t.quarantined_row.c.reason_codes
    if connection.dialect.name == "postgresql":
        return func.jsonb_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def list_quarantined(
    connection: Connection,
    *,
    agency_id: str | None = None,
    status: str = "open",
    code: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Quarantined rows (newest delivery first) with a count by reason code first."""
    if status not in STATUSES:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if agency_id is not None:
        agency(agency_id)
    q = t.quarantined_row
    where = []
    if agency_id:
        where.append(q.c.agency_id == agency_id)
    if status != "all":
        where.append(q.c.status == status)
    if code:
        codes = reason_codes_table(connection)
        where.append(exists(select(true()).select_from(codes).where(codes.c.value == code)))
    total = connection.execute(select(func.count()).select_from(q).where(*where)).scalar_one()
    codes = reason_codes_table(connection)
    by_code = connection.execute(
        select(codes.c.value, func.count())
        .select_from(q.join(codes, true()))
        .where(*where)
        .group_by(codes.c.value)
        .order_by(func.count().desc(), codes.c.value)
    ).all()
    rows = connection.execute(
        select(q)
        .where(*where)
        .order_by(q.c.delivery_id.desc(), q.c.file, q.c.row_number)
        .limit(max(limit, 0))
    ).mappings()
    shown = [
        {
            "id": r["id"],
            "agency": r["agency_id"],
            "delivery_id": r["delivery_id"],
            "file": r["file"],
            "row_number": r["row_number"],
            "reason_codes": list(r["reason_codes"]),
            "message": r["message"],
            "status": r["status"],
            "resolved_by_delivery_id": r["resolved_by_delivery_id"],
        }
        for r in rows
    ]
    return {
        "total": int(total),
        "by_code": {str(c): int(n) for c, n in by_code},
        "shown": len(shown),
        "limit": limit,
        "rows": shown,
    }


def show_quarantined(connection: Connection, row_id: int) -> dict[str, Any]:
    """One quarantined row whole: as delivered, its findings, its delivery, its resolution."""
    q, d = t.quarantined_row, t.delivery
    row = connection.execute(select(q).where(q.c.id == row_id)).mappings().first()
    if row is None:
        raise NotFound(f"no quarantined row {row_id}")
    delivery = connection.execute(select(d).where(d.c.id == row["delivery_id"])).mappings().one()
    values, why = delivered_values(
        row["raw"],
        lambda: delivered_header(connection, delivery["id"], delivery["source_path"], row["file"]),
    )
    findings = connection.execute(
        select(t.row_finding)
        .where(
            t.row_finding.c.delivery_id == row["delivery_id"],
            t.row_finding.c.file == row["file"],
            t.row_finding.c.row_number == row["row_number"],
        )
        .order_by(t.row_finding.c.id)
    ).mappings()
    resolved_by = row["resolved_by_delivery_id"]
    if row["status"] == "open":
        resolution = "open: not in the store"
    elif resolved_by == row["delivery_id"]:
        resolution = "accepted on reprocess (re-validated against the store)"
    else:
        resolution = f"replaced by the same key in delivery {resolved_by}"
    return {
        "id": row["id"],
        "agency": row["agency_id"],
        "file": row["file"],
        "row_number": row["row_number"],
        "source_table": row["source_table"],
        "source_id": row["source_id"],
        "raw": row["raw"],
        "values": values,
        "values_note": why,
        "reason_codes": list(row["reason_codes"]),
        "message": row["message"],
        "findings": [
            {
                "severity": f["severity"],
                "code": f["code"],
                "field": f["field"],
                "message": f["message"],
            }
            for f in findings
        ],
        "delivery": {
            "id": delivery["id"],
            "feed_format": delivery["feed_format"],
            "extracted_at": delivery["extracted_at"],
            "received_at": delivery["received_at"],
            "source_path": delivery["source_path"],
        },
        "status": row["status"],
        "resolved_by_delivery_id": resolved_by,
        "resolution": resolution,
    }
