"""The triage threshold is reported to three significant figures, never rounded to nothing."""

from joinedup.risk.scoring import threshold_shown


def test_a_rare_outcomes_threshold_is_not_reported_as_zero() -> None:
    assert threshold_shown(0.0000432178) == 0.0000432
    assert threshold_shown(0.0831744) == 0.0832
    assert threshold_shown(0.5) == 0.5
