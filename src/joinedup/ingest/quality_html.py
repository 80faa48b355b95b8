"""Data-quality reports as self-contained HTML pages a data manager can open anywhere.

``render_agency_html(report)`` takes an ``agency_quality`` report, ``render_all_html(summary)``
an ``all_agencies_quality`` summary; each returns one HTML document as a string. No external
assets: the style is inline and the charts are inline SVG (``joinedup.charts``), each with a
text alternative and the same figures in a table beside it. Headings in order, table headers
with scope, and colours from the GOV.UK palette that keep at least 4.5:1 contrast on white
for text. Here the figures are put into words and rows; the markup is in
``ingest/templates/quality_*.html.j2``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from joinedup.charts import paired_columns, percent_bars
from joinedup.charts.svg import BLUE, RED
from joinedup.charts.svg import percent as _pct
from joinedup.ingest.quality_rules import plural
from joinedup.templating import environment


def _cell(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _table(
    caption: str, headers: list[str], rows: list[list[Any]], numeric: set[int]
) -> dict[str, Any]:
    return {
        "caption": caption,
        "headers": headers,
        "rows": [[_cell(v) for v in row] for row in rows],
        "numeric": numeric,
    }


def _render(template: str, **values: Any) -> str:
    return environment("joinedup.ingest").get_template(template).render(values)


def trend_chart(trend: list[dict[str, Any]]) -> Markup:
    """Quarantined and warning rates per delivery as paired columns, scaled to the largest."""
    return paired_columns(
        "Quarantined and warning rates across deliveries, oldest first",
        [f"#{d['delivery_id']}" for d in trend],
        [
            ("quarantined", RED, [d["quarantined_percent"] for d in trend]),
            ("accepted with warnings", BLUE, [d["warning_percent"] for d in trend]),
        ],
    )


def render_agency_html(report: dict[str, Any]) -> str:
    """One agency's report as an HTML page (sections in the order of the terminal output)."""
    r = report
    expected = [f for f in r["completeness"] if f["expected"]]
    return _render(
        "quality_agency.html.j2",
        title=f"Data quality: {r['agency_name']}",
        meta=[
            r["agency"],
            r["feed_format"],
            plural(r["deliveries"], "delivery", "deliveries"),
            f"{r['person_records']:,} person records",
            f"{r['rows_delivered']:,} rows delivered",
            f"generated {r['generated_at']}",
        ],
        worst=[p["sentence"] for p in r["worst_problems"]],
        completeness_chart=percent_bars(
            "Completeness of identifying fields over current person records",
            [(f["label"], f["completeness_percent"]) for f in expected],
        ),
        completeness=_table(
            "Identifying fields over current person records",
            ["field", "present", "missing", "delivered but invalid", "complete", "valid"],
            [
                [
                    f["label"],
                    f["present"],
                    f["missing"],
                    f["invalid"],
                    _pct(f["completeness_percent"]),
                    _pct(f["validity_percent"]),
                ]
                for f in expected
            ],
            {1, 2, 3, 4, 5},
        ),
        duplicates=_table(
            "Person records sharing identifying values",
            ["shared value", "groups", "records", "share of person records"],
            [
                [label, d["groups"], d["records"], _pct(d["percent"])]
                for label, d in (
                    ("name and date of birth", r["duplicates"]["same_name_and_dob"]),
                    ("NHS number", r["duplicates"]["same_nhs_number"]),
                    ("UPN", r["duplicates"]["same_upn"]),
                )
            ],
            {1, 2, 3},
        ),
        timeliness=_table(
            "Delivery timeliness",
            ["measure", "value"],
            [
                [label, "–" if r["timeliness"][key] is None else r["timeliness"][key]]
                for label, key in (
                    ("newest delivery", "newest_delivery_id"),
                    ("newest extract", "newest_extracted_at"),
                    ("age of newest extract (days)", "newest_age_days"),
                    ("mean hours from extract to receipt", "mean_lag_hours"),
                    ("longest hours from extract to receipt", "max_lag_hours"),
                )
            ],
            {1},
        ),
        quarantine_sentence=f"{r['quarantine']['quarantined_at_ingest']:,} of "
        f"{r['quarantine']['rows_delivered']:,} delivered rows were quarantined at ingest "
        f"({_pct(r['quarantine']['quarantined_percent'])}); {r['quarantine']['open']:,} are "
        f"still open and {r['quarantine']['resolved']:,} resolved.",
        quarantine=_table(
            "Open quarantined rows by reason",
            ["reason code", "rows"],
            [[code, n] for code, n in r["quarantine"]["open_by_code"].items()],
            {1},
        ),
        trend_chart=trend_chart(r["trend"]),
        trend=_table(
            "Each delivery, oldest first",
            [
                "delivery",
                "extracted",
                "rows",
                "quarantined",
                "warnings",
                "still open",
                "hours to receipt",
            ],
            [
                [
                    f"#{d['delivery_id']}",
                    d["extracted_at"][:10],
                    d["rows"],
                    _pct(d["quarantined_percent"]),
                    _pct(d["warning_percent"]),
                    d["open_quarantined"],
                    d["lag_hours"],
                ]
                for d in r["trend"]
            ],
            {2, 3, 4, 5, 6},
        ),
        findings=_table(
            "Finding codes, worst first (example messages have delivered values removed)",
            ["code", "severity", "rows", "share of rows", "example"],
            [
                [f["code"], f["severity"], f["rows"], _pct(f["percent"]), f["example"]]
                for f in r["findings"][:20]
            ],
            {2, 3},
        ),
    )


def render_all_html(summary: dict[str, Any]) -> str:
    """Every agency side by side: one summary row each, and their quarantine rates."""
    agencies = summary["agencies"]
    rows = []
    for a in agencies:
        c = a["completeness"]
        rows.append(
            [
                a["agency_name"],
                a["deliveries"],
                a["person_records"],
                a["rows_delivered"],
                _pct(a["quarantined_percent"]),
                a["open_quarantined"],
                _pct(a["warning_percent"]),
                _pct(c["nhs_number"]),
                _pct(c["upn"]),
                _pct(c["date_of_birth"]),
                _pct(c["postcode"]),
                _pct(a["same_name_and_dob_percent"]),
                "–" if a["newest_age_days"] is None else a["newest_age_days"],
                a["worst_problem"] or "–",
            ]
        )
    return _render(
        "quality_all.html.j2",
        title="Data quality: every agency",
        generated_at=summary["generated_at"],
        summary=_table(
            "One row per agency",
            [
                "agency",
                "deliveries",
                "person records",
                "rows",
                "quarantined",
                "still open",
                "warnings",
                "NHS number",
                "UPN",
                "date of birth",
                "postcode",
                "same name and DOB",
                "newest extract (days)",
                "worst problem",
            ],
            rows,
            set(range(1, 13)),
        ),
        quarantine_chart=percent_bars(
            "Share of delivered rows quarantined at ingest, by agency",
            [(a["agency_name"], a["quarantined_percent"]) for a in agencies],
            RED,
        ),
    )
