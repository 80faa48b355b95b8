"""What an evaluation's figures allow a partnership board to say, outcome by outcome, in
words: too few to say, reduced, increased, or no difference we can detect.

In: the dict ``services.interventions.evaluate`` returns. Out: a ``Verdict`` per outcome,
which the web page, the API's summary and the board reports all show, so no report puts an
impossible figure ("-100% (-100% to -100%)", "+961% (-100% to +5831%)") before a board.

Too few to say, with the counts, when:

- fewer than ``MIN_EVENTS`` children had the outcome in either group (the treated children
  counted, the comparison children as weighted): a ratio of two small counts swings from
  -100% to several hundred per cent between samples;
- the estimate or its interval could not be computed;
- the interval reaches -100% (some resamples had no outcome at all among the children who
  received it): a figure no intervention achieves, a sign of too few outcomes.

No estimate at all (issue 22), with the reason, when the groups are not comparable: after
weighting, some covariate's standardised mean difference is above ``BALANCE_GOOD``. Any
difference in outcomes could then come from who was chosen rather than from the
intervention, so no report headlines a number.

Every outcome the evaluation measures is one the partnership wants fewer of (statutory
outcomes, police incidents, A&E attendances, school absence), so only "reduced" is
beneficial: the whole 95% interval below no change. That alone is ever shown as a success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Outcomes in each group below which no estimate is given (a common rule of thumb: with
# fewer than about ten events a ratio's interval is too wide to mean anything).
MIN_EVENTS = 10
# Standardised mean difference above which the groups are not comparable (a common rule).
BALANCE_GOOD = 0.1
# An interval whose lower end is at or below this is "no outcome at all" in a resample.
IMPOSSIBLE_LOW = -0.99

Kind = Literal["too_few", "unbalanced", "reduced", "increased", "no_difference"]
NOT_SHOWN = "not shown: groups not comparable"


@dataclass(frozen=True)
class Verdict:
    """One outcome's verdict: its ``kind``, the figures as shown (``change``,
    ``interval``: "too few to say" when too few) and a sentence for a reader."""

    outcome: str
    label: str
    kind: Kind
    change: str
    interval: str
    sentence: str
    counts: str

    @property
    def beneficial(self) -> bool:
        """The whole interval shows fewer of the outcome: the only result shown in green."""
        return self.kind == "reduced"


def pct(value: float | None, sign: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:+.0f}%" if sign else f"{100 * value:.0f}%"


def change_words(value: float | None) -> str:
    """A relative change as a reader says it: "a fall of 60%", "a rise of 5%", "no change"
    (never "a fall of -60%")."""
    if value is None:
        return "a change we cannot compute"
    if round(100 * value) == 0:
        return "no change"
    return f"a {'fall' if value < 0 else 'rise'} of {abs(100 * value):.0f}%"


def points(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f} points"


def _counts(result: dict[str, Any], effect: dict[str, Any], label: str) -> tuple[int, float, str]:
    """Children with the outcome in each group, and the counts in words."""
    treated_n = int(effect.get("measured_on_treated") or result.get("treated") or 0)
    comparison_n = float(result.get("effective_comparison") or result.get("comparison") or 0)
    treated_events = round((effect.get("treated_with") or 0.0) * treated_n)
    comparison_events = (effect.get("comparison_without") or 0.0) * comparison_n
    words = (
        f"{treated_events} of the {treated_n} children who received it had {label} within "
        f"12 months, against about {comparison_events:.0f} of the (weighted) "
        f"{comparison_n:.0f} similar children who did not"
    )
    return treated_events, comparison_events, words


def judge(result: dict[str, Any], outcome: str) -> Verdict:
    """The verdict on one outcome of an evaluation (see the module docstring)."""
    effect = result["outcomes"][outcome]
    label = result["outcome_labels"].get(outcome, outcome)
    title = result["title"]
    refused = _unbalanced(result, outcome, label, title)
    if refused is not None:
        return refused
    if "relative_change" in effect:
        return _judge_risk(result, outcome, effect, label, title)
    return _judge_mean(outcome, effect, label, title)


def _unbalanced(result: dict[str, Any], outcome: str, label: str, title: str) -> Verdict | None:
    """The refusal, with the reason, when the weighted groups still differ."""
    smd = result.get("max_abs_smd_after")
    if smd is None or smd <= BALANCE_GOOD:
        return None
    worst = max(
        result.get("balance") or [], key=lambda b: abs(b.get("smd_after") or 0), default=None
    )
    names = result.get("covariate_labels") or {}
    on = f", on {names.get(worst['covariate'], worst['covariate'])}" if worst else ""
    sentence = (
        f"No estimate is given of whether {title} changed the chance of {label}: after "
        "weighting, the children who received it still differ from the comparison children "
        f"in what agencies recorded before (largest standardised difference {smd:.2f}{on}; "
        f"above {BALANCE_GOOD} they are not comparable), so a difference in outcomes could "
        f"come from who was chosen for {title} rather than from {title} itself."
    )
    return Verdict(outcome, label, "unbalanced", NOT_SHOWN, NOT_SHOWN, sentence, "")


def _judge_risk(
    result: dict[str, Any], outcome: str, effect: dict[str, Any], label: str, title: str
) -> Verdict:
    rel = effect.get("relative_change")
    lo, hi = effect.get("relative_change_ci") or [None, None]
    treated_events, comparison_events, counts = _counts(result, effect, label)
    if (
        rel is None
        or lo is None
        or hi is None
        or lo <= IMPOSSIBLE_LOW
        or treated_events < MIN_EVENTS
        or comparison_events < MIN_EVENTS
    ):
        return Verdict(
            outcome, label, "too_few", "too few to say", "too few to say",
            f"Too few to say whether {title} changed the chance of {label}: {counts}. "
            f"An estimate needs at least {MIN_EVENTS} children with the outcome in each group.",
            counts,
        )  # fmt: skip
    figures = f"{pct(rel)} (95% interval {pct(lo)} to {pct(hi)})"
    if hi < 0:
        kind: Kind = "reduced"
        sentence = (
            f"{title} reduced the chance of {label}: {figures}. The whole interval is below "
            "no change, so the reduction is unlikely to be chance alone."
        )
    elif lo > 0:
        kind = "increased"
        sentence = (
            f"Children who received {title} were more likely to have {label} than similar "
            f"children who did not: {figures}. The whole interval is above no change."
        )
    else:
        kind = "no_difference"
        sentence = (
            f"{title} made no difference we can detect to the chance of {label}: {figures}. "
            "The interval includes no change, so it may have helped, harmed or done neither."
        )
    return Verdict(
        outcome, label, kind, pct(rel), f"{pct(lo)} to {pct(hi)}", sentence + f" ({counts}.)",
        counts,
    )  # fmt: skip


def _judge_mean(outcome: str, effect: dict[str, Any], label: str, title: str) -> Verdict:
    difference = effect.get("difference")
    lo, hi = effect.get("difference_ci") or [None, None]
    measured = int(effect.get("measured_on_treated") or 0)
    counts = f"measured for {measured} children who received it"
    if difference is None or lo is None or hi is None or measured < MIN_EVENTS:
        return Verdict(
            outcome, label, "too_few", "too few to say", "too few to say",
            f"Too few to say whether {title} changed the {label}: {counts}.", counts,
        )  # fmt: skip
    figures = f"{points(difference)} (95% interval {points(lo)} to {points(hi)})"
    if hi < 0:
        kind: Kind = "reduced"
        sentence = f"{title} reduced the {label}: {figures}; the whole interval is below no change."
    elif lo > 0:
        kind = "increased"
        sentence = f"The {label} was higher after {title}: {figures}; the whole interval is above."
    else:
        kind = "no_difference"
        sentence = f"No difference we can detect in the {label}: {figures}."
    return Verdict(
        outcome, label, kind, points(difference), f"{points(lo)} to {points(hi)}", sentence, counts
    )


def verdicts(result: dict[str, Any]) -> list[Verdict]:
    """Every outcome's verdict, in the evaluation's order."""
    return [judge(result, name) for name in result["outcomes"]]


def headline(result: dict[str, Any]) -> str:
    """The one sentence at the top of every report: the primary outcome's verdict."""
    return judge(result, result["primary_outcome"]).sentence
