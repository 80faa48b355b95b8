"""The evaluation as a report for a partnership board (Markdown or HTML, with plots).

In: the dict ``services.interventions.evaluate`` returns. Out: the report file and three PNG
plots beside it (effect with intervals, balance before and after weighting, trajectories),
written in plain words: what changed, how sure we are, and why the naive figures mislead.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Standardised mean difference below which two groups count as balanced (a common rule).
BALANCE_GOOD = 0.1


def _pct(value: float | None, sign: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:+.0f}%" if sign else f"{100 * value:.0f}%"


def headline(result: dict[str, Any]) -> str:
    main = result["outcomes"][result["primary_outcome"]]
    rel, (lo, hi) = main.get("relative_change"), main.get("relative_change_ci", [None, None])
    if rel is None or lo is None or hi is None:
        return "There were too few statutory outcomes to estimate an effect."
    if hi < 0:
        verdict = "reduced"
    elif lo > 0:
        verdict = "increased"
    else:
        verdict = "made no difference we can detect to"
    return (
        f"{result['title']} {verdict} the chance of a statutory outcome within 12 months: "
        f"{_pct(rel)} (95% interval {_pct(lo)} to {_pct(hi)}), for {result['treated']} children "
        f"compared with similar children who did not receive it."
    )


def _plots(result: dict[str, Any], folder: Path, stem: str) -> dict[str, Path]:
    labels = result["outcome_labels"]
    binary = [k for k, v in result["outcomes"].items() if "relative_change" in v]
    paths = {}
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(binary) + 1.2))
    for i, name in enumerate(binary):
        o = result["outcomes"][name]
        lo, hi = o["relative_change_ci"]
        if o["relative_change"] is not None and lo is not None and hi is not None:
            ax.errorbar(
                100 * o["relative_change"],
                i,
                xerr=[[100 * (o["relative_change"] - lo)], [100 * (hi - o["relative_change"])]],
                fmt="o",
                color="#1d70b8",
            )
        if o.get("naive_relative_vs_everyone") is not None:
            ax.plot(100 * o["naive_relative_vs_everyone"], i, "x", color="#d4351c")
    ax.axvline(0, color="#505a5f", linewidth=1)
    ax.set_yticks(range(len(binary)), [labels[b][:45] for b in binary])
    ax.set_xlabel("change in 12-month risk (%)   o adjusted, 95% interval   x unadjusted")
    fig.tight_layout()
    paths["effect"] = folder / f"{stem}-effect.png"
    fig.savefig(paths["effect"], dpi=110)
    plt.close(fig)
    bal = result["balance"]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(bal) + 1.2))
    for i, b in enumerate(bal):
        ax.plot(b["smd_before"] or 0, i, "x", color="#d4351c")
        ax.plot(b["smd_after"] or 0, i, "o", color="#1d70b8")
    ax.axvline(-0.1, color="#b1b4b6", linestyle="--")
    ax.axvline(0.1, color="#b1b4b6", linestyle="--")
    ax.set_yticks(range(len(bal)), [result["covariate_labels"][b["covariate"]][:45] for b in bal])
    ax.set_xlabel("standardised difference   x before weighting   o after")
    fig.tight_layout()
    paths["balance"] = folder / f"{stem}-balance.png"
    fig.savefig(paths["balance"], dpi=110)
    plt.close(fig)
    traj = result["trajectory"]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(traj["months"], [100 * v for v in traj["treated"]], "-o", label="received it")
    ax.plot(traj["months"], [100 * v for v in traj["comparison"]], "-s", label="similar children")
    ax.axvline(0, color="#505a5f", linewidth=1)
    ax.set_xlabel("months from start")
    ax.set_ylabel("% with a statutory outcome that month")
    ax.legend()
    fig.tight_layout()
    paths["trajectory"] = folder / f"{stem}-trajectory.png"
    fig.savefig(paths["trajectory"], dpi=110)
    plt.close(fig)
    return paths


def _context(result: dict[str, Any], images: dict[str, str]) -> dict[str, Any]:
    """Everything the templates show, as text: the figures formatted, nothing to compute."""
    labels = result["outcome_labels"]
    rows = []
    for name, o in result["outcomes"].items():
        if "relative_change" in o:
            lo, hi = o["relative_change_ci"]
            rows.append(
                [labels[name], _pct(o["treated_with"], False), _pct(o["comparison_without"], False),
                 _pct(o["relative_change"]), f"{_pct(lo)} to {_pct(hi)}",
                 _pct(o["naive_relative_vs_everyone"])]
            )  # fmt: skip
        else:
            lo, hi = o["difference_ci"]
            f = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
            rows.append(
                [f"{labels[name]} (difference in points)", f(o["treated_with"]),
                 f(o["comparison_without"]), f(o["difference"]), f"{f(lo)} to {f(hi)}",
                 f(o["naive_difference_vs_everyone"])]
            )  # fmt: skip
    main = result["outcomes"][result["primary_outcome"]]
    naive = None
    if "naive_before_after_relative" in main:
        naive = (
            f"Children are offered this when things are bad. In the year before they started, "
            f"{_pct(main['treated_before'], False)} had a statutory outcome; in the year after, "
            f"{_pct(main['treated_with'], False)}: a fall of "
            f"{_pct(main['naive_before_after_relative'])}. Much of that fall happens anyway "
            "(difficulties often ease after a crisis), which is why the figures above compare "
            f"with similar children who did not receive it. Allowing for the change in those "
            f"children too (difference-in-differences) gives {100 * (main['did'] or 0):+.1f} "
            "points."
        )
    return {
        "title": result["title"],
        "period": " to ".join(result["period"]) if result.get("period") else "all recorded starts",
        "treated": result["treated"],
        "comparison": result["comparison"],
        "effective_comparison": f"{result['effective_comparison']:.0f}",
        "summary": result["summary"],
        "rows": rows,
        "naive": naive,
        "max_smd": f"{result['max_abs_smd_after']:.2f}",
        "unbalanced": result["max_abs_smd_after"] > BALANCE_GOOD,
        "e_value": main.get("e_value") or "n/a",
        "e_value_ci": main.get("e_value_ci") or "n/a",
        "method": result["method"],
        "bootstrap": result["bootstrap"],
        "images": images,
    }


# Inline Markdown: emphasis, code, links and images, table cells (values never start a line).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_text(value: Any) -> str:
    """Text as Markdown shows it, never as markup: HTML's ``<``, ``>`` and ``&`` as
    entities (Markdown passes HTML through) and Markdown's own characters escaped."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _environment() -> Any:
    """Autoescaped for both formats: a value left unfiltered is HTML-escaped, and ``md``
    (which escapes for Markdown, HTML included) marks its result as already safe."""
    import jinja2
    from markupsafe import Markup

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("joinedup.interventions", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = lambda value: Markup(markdown_text(value))  # noqa: S704
    return environment


def markdown(result: dict[str, Any], images: dict[str, str]) -> str:
    """The report as Markdown: every value from the store or the catalogue escaped."""
    return str(_environment().get_template("report.md.j2").render(_context(result, images)))


def html_report(result: dict[str, Any], images: dict[str, str]) -> str:
    """The report as one HTML file: autoescaped, with a Content-Security-Policy that allows
    no script and no request (its plots are inline data)."""
    return str(_environment().get_template("report.html.j2").render(_context(result, images)))


def write(result: dict[str, Any], out: Path) -> list[str]:
    is_html = out.suffix.lower() in (".html", ".htm")
    if result.get("too_thin"):
        template = "thin.html.j2" if is_html else "thin.md.j2"
        context = {"title": result["title"], "message": result["message"]}
        out.write_text(_environment().get_template(template).render(context))
        return [str(out)]
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = _plots(result, out.parent, out.stem)
    if is_html:
        images = {
            k: "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode()
            for k, p in paths.items()
        }
        out.write_text(html_report(result, images), encoding="utf-8")
    else:
        out.write_text(markdown(result, {k: p.name for k, p in paths.items()}), encoding="utf-8")
    return [str(out), *(str(p) for p in paths.values())]
