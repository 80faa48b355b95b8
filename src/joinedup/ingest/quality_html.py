"""Data-quality reports as self-contained HTML pages a data manager can open anywhere.

``render_agency_html(report)`` takes an ``agency_quality`` report, ``render_all_html(summary)``
an ``all_agencies_quality`` summary; each returns one HTML document as a string. No external
assets: the style is inline and the charts are inline SVG, each with a text alternative and
the same figures in a table beside it. Headings in order, table headers with scope, and
colours from the GOV.UK palette that keep at least 4.5:1 contrast on white for text.
"""

from __future__ import annotations

from html import escape
from typing import Any

from joinedup.ingest.quality_rules import plural

INK, BLUE, RED, TRACK = "#0b0c0c", "#1d70b8", "#d4351c", "#f3f2f1"
NUMERIC = ' class="n"'
STYLE = f"""
body {{ font-family: Arial, Helvetica, sans-serif; color: {INK}; background: #fff;
       margin: 0; line-height: 1.4; }}
main {{ max-width: 1000px; margin: 0 auto; padding: 24px; }}
h1 {{ font-size: 2rem; margin: 0 0 8px; }} h2 {{ font-size: 1.4rem; margin: 32px 0 8px; }}
.meta {{ color: #505a5f; }}
ol.worst li {{ font-size: 1.1rem; margin: 6px 0; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }}
caption {{ text-align: left; font-weight: bold; padding: 4px 0; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 6px 12px 6px 0; text-align: left;
         vertical-align: top; }}
td.n, th.n {{ text-align: right; }}
.muted {{ color: #505a5f; }}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def _cell(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _table(caption: str, headers: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    head = "".join(
        f'<th scope="col"{NUMERIC if i in numeric else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{escape(_cell(v))}</th>'
                if i == 0
                else f"<td{NUMERIC if i in numeric else ''}>{escape(_cell(v))}</td>"
            )
            for i, v in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return (
        f"<table>\n<caption>{escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}</tbody>\n</table>"
    )


def bar_chart(title: str, items: list[tuple[str, float | None]], colour: str = BLUE) -> str:
    """Horizontal bars, 0-100%, one per item, each labelled with its value."""
    height = 28 * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="640" height="{height}" '
        f'viewBox="0 0 640 {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 8 + 28 * i
        width = 0.0 if value is None else 3.6 * max(0.0, min(value, 100.0))
        parts += [
            f'<text x="0" y="{y + 15}" font-size="13" fill="{INK}">{escape(label)}</text>',
            f'<rect x="170" y="{y}" width="360" height="20" fill="{TRACK}"/>',
            f'<rect x="170" y="{y}" width="{width:.1f}" height="20" fill="{colour}"/>',
            f'<text x="538" y="{y + 15}" font-size="13" fill="{INK}">{_pct(value)}</text>',
        ]
    return "\n".join(parts + ["</svg>"])


def trend_chart(trend: list[dict[str, Any]]) -> str:
    """Quarantined and warning rates per delivery as paired columns, scaled to the largest."""
    top = max(
        [10.0] + [d[k] or 0.0 for d in trend for k in ("quarantined_percent", "warning_percent")]
    )
    step, height, base = 56, 220, 190
    width = max(320, 60 + step * len(trend))
    title = "Quarantined and warning rates across deliveries, oldest first"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="40" y1="{base}" x2="{width}" y2="{base}" stroke="{INK}"/>',
        f'<text x="0" y="24" font-size="12" fill="{INK}">{top:g}%</text>',
        f'<text x="0" y="{base}" font-size="12" fill="{INK}">0%</text>',
        f'<rect x="60" y="2" width="12" height="12" fill="{RED}"/>',
        f'<text x="78" y="13" font-size="12" fill="{INK}">quarantined</text>',
        f'<rect x="170" y="2" width="12" height="12" fill="{BLUE}"/>',
        f'<text x="188" y="13" font-size="12" fill="{INK}">accepted with warnings</text>',
    ]
    for i, d in enumerate(trend):
        x = 50 + step * i
        for offset, key, colour in ((0, "quarantined_percent", RED), (20, "warning_percent", BLUE)):
            h = (d[key] or 0.0) / top * (base - 30)
            parts.append(
                f'<rect x="{x + offset}" y="{base - h:.1f}" width="18" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{x}" y="{base + 16}" font-size="12" fill="{INK}">#{d["delivery_id"]}</text>'
        )
    return "\n".join(parts + ["</svg>"])


def render_agency_html(report: dict[str, Any]) -> str:
    """One agency's report as an HTML page (sections in the order of the terminal output)."""
    r = report
    worst = "".join(f"<li>{escape(p['sentence'])}</li>\n" for p in r["worst_problems"])
    expected = [f for f in r["completeness"] if f["expected"]]
    sections = [
        f'<p class="meta">{escape(r["agency"])} · {escape(r["feed_format"])} · '
        f"{plural(r['deliveries'], 'delivery', 'deliveries')} · "
        f"{r['person_records']:,} person records · "
        f"{r['rows_delivered']:,} rows delivered · generated {escape(r['generated_at'])}</p>",
        "<h2>Worst problems</h2>",
        f'<ol class="worst">\n{worst}</ol>' if worst else "<p>No problems found.</p>",
        "<h2>Completeness and validity</h2>",
        bar_chart(
            "Completeness of identifying fields over current person records",
            [(f["label"], f["completeness_percent"]) for f in expected],
        ),
        _table(
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
        "<h2>Duplicates within the agency</h2>",
        _table(
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
        "<h2>Timeliness</h2>",
        _table(
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
        "<h2>Quarantine</h2>",
        f"<p>{r['quarantine']['quarantined_at_ingest']:,} of "
        f"{r['quarantine']['rows_delivered']:,} delivered rows were quarantined at ingest "
        f"({_pct(r['quarantine']['quarantined_percent'])}); {r['quarantine']['open']:,} are "
        f"still open and {r['quarantine']['resolved']:,} resolved.</p>",
        _table(
            "Open quarantined rows by reason",
            ["reason code", "rows"],
            [[code, n] for code, n in r["quarantine"]["open_by_code"].items()],
            {1},
        ),
        "<h2>Trend across deliveries</h2>",
        trend_chart(r["trend"]),
        _table(
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
        "<h2>Top findings</h2>",
        _table(
            "Finding codes, worst first (example messages have delivered values removed)",
            ["code", "severity", "rows", "share of rows", "example"],
            [
                [f["code"], f["severity"], f["rows"], _pct(f["percent"]), f["example"]]
                for f in r["findings"][:20]
            ],
            {2, 3},
        ),
    ]
    return _page(f"Data quality: {r['agency_name']}", "\n".join(sections))


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
    body = [
        f'<p class="meta">generated {escape(summary["generated_at"])}; "–" means the feed '
        "does not carry the field or nothing was delivered</p>",
        "<h2>Summary by agency</h2>",
        _table(
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
        "<h2>Quarantined at ingest</h2>",
        bar_chart(
            "Share of delivered rows quarantined at ingest, by agency",
            [(a["agency_name"], a["quarantined_percent"]) for a in agencies],
            RED,
        ),
    ]
    return _page("Data quality: every agency", "\n".join(body))
