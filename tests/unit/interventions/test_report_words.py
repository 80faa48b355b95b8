"""Issue 19, finding 10: the board report put "-100% (-100% to -100%)" and "+961% (-100% to
+5831%)" before a partnership board. With too few outcomes it now says "too few to say",
with the counts; an interval that includes no change is "no difference we can detect"; only
an interval wholly below no change is a reduction."""

from __future__ import annotations

from joinedup.interventions import report
from tests.support import evaluations

IMPOSSIBLE = ("-100% to -100%", "+961%", "+5831%")


def test_too_few_outcomes_say_too_few_to_say_with_the_counts() -> None:
    result = evaluations.too_thin()
    for text in (
        result["summary"],
        report.markdown(result, {"effect": "e.png", "trajectory": "t.png", "balance": "b.png"}),
        report.html_report(result, {"effect": "", "trajectory": "", "balance": ""}),
    ):
        assert "too few to say" in text.lower(), text
        assert not any(figure in text for figure in IMPOSSIBLE), text
        assert "0 of the 24 children who received it" in text
    assert "reduced" not in result["summary"]


def test_an_interval_that_includes_no_change_is_no_detectable_difference() -> None:
    summary = evaluations.no_difference()["summary"]
    assert "no difference we can detect" in summary
    assert "-6% (95% interval -25% to +15%)" in summary
    assert "includes no change" in summary


def test_only_an_interval_wholly_below_no_change_is_a_reduction() -> None:
    summary = evaluations.reduction()["summary"]
    assert summary.startswith("Parenting programme reduced the chance of any statutory outcome")
    assert "whole interval is below no change" in summary


def test_the_childrens_own_before_and_after_reads_as_words() -> None:
    """It said "a fall of -60%"."""
    result = evaluations.no_difference()
    text = report.markdown(result, {"effect": "e.png", "trajectory": "t.png", "balance": "b.png"})
    assert "a fall of 60%" in text and "-60%" not in text


def test_groups_not_comparable_after_weighting_get_the_reason_not_a_number() -> None:
    """Issue 22: a board read -57% where the truth was -30% and the largest standardised
    difference after weighting was 0.55. Above 0.1 no report headlines a number."""
    result = evaluations.unbalanced()
    images = {"effect": "e.png", "trajectory": "t.png", "balance": "b.png"}
    for text in (
        result["summary"],
        report.markdown(result, images),
        report.html_report(result, {"effect": "", "trajectory": "", "balance": ""}),
    ):
        assert "No estimate is given" in text, text
        assert "largest standardised difference 0.55, on referrals, last 12 months" in text
        assert "-38%" not in text and "reduced the chance" not in text
    assert "not shown: groups not comparable" in report.markdown(result, images)
    # at 0.1 or below the estimate is headlined as before
    result["max_abs_smd_after"] = 0.1
    assert report.headline(result).startswith("Parenting programme reduced the chance")
