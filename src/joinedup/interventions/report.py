"""The evaluation as a report for a partnership board (Markdown or HTML, with plots).

In: the dict ``services.interventions.evaluate`` returns. Out: the report file and three PNG
plots beside it (effect with intervals, balance before and after weighting, trajectories,
drawn by ``joinedup.charts.figures``), written in plain words: what changed, how sure we are,
and why the naive figures mislead.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

from joinedup.charts.figures import BOARD, Dots, Line, dot_plot, line_chart
from joinedup.interventions import verdict

# Standardised mean difference below which two groups count as balanced (a common rule).
BALANCE_GOOD = verdict.BALANCE_GOOD


_pct = verdict.pct


def headline(result: dict[str, Any]) -> str:
    """The report's first sentence: the primary outcome's verdict (``verdict``), in words,
    "too few to say" with the counts when the figures cannot bear an estimate."""
    return verdict.headline(result)


def _plots(result: dict[str, Any], folder: Path, stem: str) -> dict[str, Path]:
    """The three plots of the board report, as PNGs beside it (``joinedup.charts.figures``)."""
    labels = result["outcome_labels"]
    effects = []
    for v in verdict.verdicts(result):
        name, o = v.outcome, result["outcomes"][v.outcome]
        if "relative_change" not in o:
            continue
        lo, hi = o["relative_change_ci"]
        # no dot for a figure too few outcomes, or groups not comparable, cannot bear
        known = v.kind not in ("too_few", "unbalanced")
        naive = o.get("naive_relative_vs_everyone")
        effects.append(
            Dots(
                labels[name],
                cross=None if naive is None else 100 * naive,
                dot=100 * o["relative_change"] if known else None,
                interval=(100 * lo, 100 * hi) if known else None,
            )
        )
    balance = [
        Dots(result["covariate_labels"][b["covariate"]], b["smd_before"] or 0, b["smd_after"] or 0)
        for b in result["balance"]
    ]
    traj = result["trajectory"]
    rule = {"color": "#b1b4b6", "linestyle": "--"}
    return {
        "effect": dot_plot(
            folder / f"{stem}-effect",
            effects,
            xlabel="change in 12-month risk (%)   o adjusted, 95% interval   x unadjusted",
            row_height=0.6,
            rules=[(0, {"color": "#505a5f", "linewidth": 1})],
            output=BOARD,
        )[0],
        "balance": dot_plot(
            folder / f"{stem}-balance",
            balance,
            xlabel="standardised difference   x before weighting   o after",
            row_height=0.35,
            rules=[(-BALANCE_GOOD, rule), (BALANCE_GOOD, rule)],
            output=BOARD,
        )[0],
        "trajectory": line_chart(
            folder / f"{stem}-trajectory",
            [
                Line("received it", traj["months"], [100 * v for v in traj["treated"]],
                     {"linestyle": "-", "marker": "o"}),
                Line("similar children", traj["months"], [100 * v for v in traj["comparison"]],
                     {"linestyle": "-", "marker": "s"}),
            ],
            xlabel="months from start",
            ylabel="% with a statutory outcome that month",
            size=(7, 3.2),
            at_zero=True,
            output=BOARD,
        )[0],
    }  # fmt: skip


def _context(result: dict[str, Any], images: dict[str, str]) -> dict[str, Any]:
    """Everything the templates show, as text: the figures formatted, nothing to compute."""
    labels = result["outcome_labels"]
    rows = []
    for v in verdict.verdicts(result):
        o = result["outcomes"][v.outcome]
        if "relative_change" in o:
            rows.append(
                [labels[v.outcome], _pct(o["treated_with"], False),
                 _pct(o["comparison_without"], False), v.change, v.interval,
                 _pct(o["naive_relative_vs_everyone"])]
            )  # fmt: skip
        else:
            f = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"  # noqa: E731
            rows.append(
                [f"{labels[v.outcome]} (difference in points)", f(o["treated_with"]),
                 f(o["comparison_without"]), v.change, v.interval,
                 f(o["naive_difference_vs_everyone"])]
            )  # fmt: skip
    main = result["outcomes"][result["primary_outcome"]]
    naive = None
    if "naive_before_after_relative" in main:
        naive = (
            f"Children are offered this when things are bad. In the year before they started, "
            f"{_pct(main['treated_before'], False)} had a statutory outcome; in the year after, "
            f"{_pct(main['treated_with'], False)}: "
            f"{verdict.change_words(main['naive_before_after_relative'])}. Much of such a fall "
            "happens anyway "
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
        "summary": headline(result),
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
