"""Factors and features: evidence dated when knowable, nothing from after the date asked."""

from __future__ import annotations

from datetime import date

import numpy as np

from joinedup.governance.catalogue import FIELDS
from joinedup.risk import fairness
from joinedup.risk.factors import FACTORS, AgencyEvent, evidence_of, is_outcome, known_on
from joinedup.risk.features import (
    FEATURE_NAMES,
    ChildHistory,
    factors_at,
    features_at,
    in_population,
    status_at,
)
from joinedup.risk.model import family_folds, sample_negatives


def test_every_factor_names_a_catalogue_field() -> None:
    assert {f.field for f in FACTORS.values()} <= FIELDS


def test_attendance_counts_from_the_end_of_term_not_its_start() -> None:
    term = AgencyEvent(
        1, "education", "attendance", "ATTENDANCE", date(2025, 9, 1),
        codes=("2025-AUT",), detail={"term": "2025-AUT", "absence_rate": 0.6},
    )  # fmt: skip
    assert known_on(term) == date(2025, 12, 20)
    codes = {e.factor for e in evidence_of(term, dob=date(2012, 1, 1), adult=False)}
    assert codes == {"persistent_absence", "severe_absence"}


def test_injury_under_two_and_da_with_dash() -> None:
    dob = date(2024, 1, 1)
    injury = AgencyEvent(2, "health", "Encounter", "EMER", date(2025, 6, 1), codes=("FRACTURE",))
    assert [e.factor for e in evidence_of(injury, dob=dob, adult=False)] == ["injury_under_2"]
    da = AgencyEvent(
        3, "police", "involvements", "DOMESTIC_ABUSE", date(2025, 6, 2),
        role="CHILD_PRESENT", codes=("HIGH",), detail={"incident_id": "INC1"},
    )  # fmt: skip
    assert {e.factor for e in evidence_of(da, dob=dob, adult=False)} == {
        "da_child_present",
        "da_high_risk",
    }
    admission = AgencyEvent(
        4, "health", "Encounter", "IMP", date(2025, 7, 1), codes=("HEAD_INJURY",)
    )
    assert is_outcome(admission, dob) == "SERIOUS_INCIDENT"


def _history() -> ChildHistory:
    dob = date(2015, 3, 1)
    events = [
        AgencyEvent(10, "police", "involvements", "DOMESTIC_ABUSE", date(2025, 1, 10),
                    role="CHILD_PRESENT", detail={"incident_id": "A"}),
        AgencyEvent(11, "police", "involvements", "DOMESTIC_ABUSE", date(2025, 8, 1),
                    role="CHILD_PRESENT", detail={"incident_id": "B"}),
    ]  # fmt: skip
    h = ChildHistory("P-1", dob)
    for ev in events:
        h.evidence.extend(evidence_of(ev, dob=dob, adult=False))
    adult = AgencyEvent(
        12, "police", "involvements", "DOMESTIC_ABUSE", date(2025, 8, 1), role="SUSPECT",
        detail={"incident_id": "B"},
    )  # fmt: skip
    h.evidence.extend(evidence_of(adult, dob=None, adult=True))
    h.social_care.append(
        AgencyEvent(20, "social_care", "ssd_cp_plans", "CP_PLAN", date(2025, 9, 1))
    )
    h.outcomes.append((date(2025, 9, 1), "CP_PLAN"))
    h.evidence.sort(key=lambda e: (e.known_on, e.event_id))
    return h


def test_features_use_only_evidence_known_by_the_date() -> None:
    h = _history()
    index = FEATURE_NAMES.index("domestic_abuse.count_12m")
    ever = FEATURE_NAMES.index("domestic_abuse.ever")
    assert features_at(h, date(2025, 2, 1))[index] == 1
    # incident B seen through the child and through an adult: two factors of one area
    assert features_at(h, date(2025, 8, 15))[index] == 3
    assert features_at(h, date(2024, 12, 31))[index] == 0
    assert features_at(h, date(2024, 12, 31))[ever] == 0
    assert features_at(h, date(2029, 1, 1))[ever] == 1  # "ever" does not expire
    assert features_at(h, date(2029, 1, 1))[index] == 0
    assert [f["code"] for f in factors_at(h, date(2025, 2, 1))] == ["da_child_present"]


def test_children_on_a_plan_leave_the_population_and_are_marked() -> None:
    h = _history()
    assert in_population(h, date(2025, 8, 31))
    assert status_at(h, date(2025, 9, 2)) == "CP_PLAN"
    assert not in_population(h, date(2025, 9, 2))


def test_factor_evidence_carries_fields_and_event_ids() -> None:
    found = {f["code"]: f for f in factors_at(_history(), date(2025, 8, 20))}
    assert found["da_child_present"]["event_ids"] == [11, 10]
    assert found["hh_domestic_abuse"]["fields"] == ["police.domestic_abuse"]


def test_family_folds_never_split_a_family() -> None:
    groups = ["F1", "F1", "F2", "F3", "F2"] * 20
    folds = family_folds(groups, 3)
    for g in set(groups):
        assert len({f for f, x in zip(folds, groups, strict=True) if x == g}) == 1


def test_negative_sampling_keeps_every_positive_and_is_seeded() -> None:
    y = np.asarray([1] * 10 + [0] * 990)
    keep, weights = sample_negatives(y, 3, 200)
    assert keep[:10].all() and keep.sum() < 400
    assert (sample_negatives(y, 3, 200)[0] == keep).all()
    assert weights.max() > 1


def test_recording_bias_is_detected_only_when_police_record_more() -> None:
    rng = np.random.default_rng(1)
    deprived = rng.random(4000) < 0.3
    other = rng.poisson(2.0, 4000).astype(float)
    fair = rng.poisson(1.0, 4000).astype(float)
    biased = fair + np.where(deprived, rng.poisson(1.0, 4000), 0)
    assert not fairness.recording_bias(fair, other, deprived)["detected"]
    assert fairness.recording_bias(biased, other, deprived)["detected"]


def test_wilson_interval_contains_the_rate() -> None:
    lo, hi = fairness.wilson(5, 100)
    assert lo < 0.05 < hi


def test_every_factor_is_in_one_area_and_every_contribution_has_words() -> None:
    from joinedup.risk.areas import AREA_OF, AREAS, OTHER_LABELS, contribution_label
    from joinedup.risk.model import CONTRIBUTION_KEYS

    assert set(AREA_OF) == set(FACTORS)
    assert sum(len(a.factors) for a in AREAS.values()) == len(FACTORS)
    for key in CONTRIBUTION_KEYS:
        assert key in AREAS or key in OTHER_LABELS, key
        assert contribution_label(key) != key.replace("_", " ")


def test_free_school_meals_and_deprivation_reach_the_features() -> None:
    h = _history()
    fsm = FEATURE_NAMES.index("free_school_meals")
    decile = FEATURE_NAMES.index("area_deprivation_decile")
    on = date(2025, 8, 15)
    assert features_at(h, on)[fsm] == 0 and features_at(h, on)[decile] == 5.5  # unknown
    h.free_school_meals, h.deprivation_decile = True, 2
    assert features_at(h, on)[fsm] == 1 and features_at(h, on)[decile] == 2


def test_the_toxic_trio_needs_both_areas_ever_evidenced() -> None:
    h = _history()  # domestic abuse only
    trio = FEATURE_NAMES.index("toxic_trio.domestic_abuse_and_mental_health")
    assert features_at(h, date(2025, 8, 15))[trio] == 0
    crisis = AgencyEvent(30, "health", "Encounter", "EMER", date(2021, 3, 1),
                         codes=("MENTAL_HEALTH_CRISIS",))  # fmt: skip
    h.evidence.extend(evidence_of(crisis, dob=None, adult=True))
    h.evidence.sort(key=lambda e: (e.known_on, e.event_id))
    assert features_at(h, date(2025, 8, 15))[trio] == 1  # four years on: still "ever"
    assert features_at(h, date(2025, 1, 1))[trio] == 0  # before the abuse was known


def test_snapshots_do_not_depend_on_the_order_children_are_read() -> None:
    from joinedup.risk.model import snapshots

    children = []
    for i in range(5):
        h = _history()
        h.person_id = f"P-{i}"
        children.append(h)
    on = [date(2025, 2, 1), date(2025, 8, 15)]
    forward, backward = snapshots(children, on), snapshots(children[::-1], on)
    assert forward.person_ids == backward.person_ids == sorted(forward.person_ids)
    assert forward.rows == backward.rows and forward.labels == backward.labels
