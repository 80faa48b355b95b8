"""The validation report: its charts (``joinedup.charts.figures``: SVG and PNG) and Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from joinedup.charts.figures import VALIDATION, Line, histogram, line_chart


def calibration_chart(bins: list[dict], path: Path) -> list[str]:
    top = max([b["predicted"] for b in bins] + [b["observed"] for b in bins] + [0.01]) * 1.1
    lines = [
        Line("perfect calibration", [0, top], [0, top], {"linestyle": "--", "color": "grey"}),
        Line("model", [b["predicted"] for b in bins], [b["observed"] for b in bins],
             {"marker": "o"}),
    ]  # fmt: skip
    written = line_chart(
        path,
        lines,
        xlabel="mean predicted probability (12 months)",
        ylabel="observed outcome rate",
        title="Calibration on the held-out year",
        size=(5, 5),
        output=VALIDATION,
    )
    return [str(p) for p in written]


def lead_time_chart(leads: list[float], path: Path) -> list[str]:
    written = histogram(
        path,
        leads,
        bins=range(0, 14),
        xlabel="months on the triage list before the statutory outcome (0 = never)",
        ylabel="children",
        title="Lead time",
        size=(6, 4),
        output=VALIDATION,
    )
    return [str(p) for p in written]


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def validation_markdown(report: dict[str, Any]) -> str:
    m, lead = report["metrics_12m"], report["lead_time"]
    lines = [
        "# Risk model validation",
        "",
        f"Evaluated on {report['evaluated_on']} (outcomes to {report['as_of']}), "
        f"{m['children']} children, {m['outcomes']} statutory outcomes in 12 months; "
        f"labels from {report['labels']}.",
        "",
        "| measure | model | baseline (count of factors) |",
        "| --- | --- | --- |",
        f"| AUC | {_pct(m['auc'])} | {_pct(m['baseline_auc'])} |",
        f"| average precision | {_pct(m['average_precision'])} | "
        f"{_pct(m['baseline_average_precision'])} |",
        f"| precision at top 5% | {_pct(m['top_5_percent']['precision'])} | "
        f"{_pct(m['baseline_top_5_percent']['precision'])} |",
        f"| recall at top 5% | {_pct(m['top_5_percent']['recall'])} | "
        f"{_pct(m['baseline_top_5_percent']['recall'])} |",
        f"| precision / recall at top 1% | {_pct(m['top_1_percent']['precision'])} / "
        f"{_pct(m['top_1_percent']['recall'])} | |",
        f"| calibration error | {_pct(m['calibration_error'])} | |",
        "",
        f"6-month horizon: AUC {_pct(report['metrics_6m']['auc'])}, calibration error "
        f"{_pct(report['metrics_6m']['calibration_error'])}.",
        "",
        "## Lead time",
        "",
        f"{lead['children_with_outcome']} children reached a statutory outcome in the held-out "
        f"year; {lead['flagged_before_outcome']} were on a monthly triage list before it. "
        f"Median lead time {lead['lead_time_months_median']} months (quartiles "
        f"{lead['lead_time_months_quartiles']}); {lead['flagged_3_months_ahead']} flagged 3+ "
        f"and {lead['flagged_6_months_ahead']} 6+ months ahead.",
        "",
        "![calibration](calibration.svg)",
        "",
        "![lead time](lead_time.svg)",
        "",
        "## What weighs most",
        "",
    ]
    lines += [f"- {f['label']}: {f['importance']}" for f in report["importance"][:12]]
    return "\n".join(lines) + "\n"
