"""The risk capability end to end on a small linked synthetic partnership (SQLite), and the
risk tables' decisions and explanations on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from joinedup.errors import BadInput, NotFound
from joinedup.risk import triage as stored
from joinedup.risk import triage_decisions as decisions
from joinedup.risk.model import RiskModel
from joinedup.services import risk as risk_services
from joinedup.store.risk_tables import risk_model, risk_score
from joinedup.synth import generate_partnership
from tests.support.stores import linked_sqlite_store, private_copy

CHILDREN = 700
SEED = 11


@pytest.fixture(scope="session")
def risk_partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("risk") / "partnership"
    generate_partnership(out, children=CHILDREN, seed=SEED)
    return out


@pytest.fixture(scope="session")
def scored_db(risk_partnership: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("risk-db") / "scored.db"
    engine = linked_sqlite_store(risk_partnership, path, link_each=False)
    risk_services.train_risk_model(engine, seed=3)
    risk_services.score_children(engine)
    engine.dispose()
    return path


@pytest.fixture
def scored(scored_db: Path, tmp_path: Path) -> Iterator[Engine]:
    with private_copy(scored_db, tmp_path) as engine:
        yield engine


def test_triage_list_ranks_children_with_factors_in_words_and_evidence(scored: Engine) -> None:
    listed = stored.triage_list(scored, limit=10)
    children = listed["children"]
    assert listed["children_scored"] > CHILDREN // 2
    keys = [(c["factor_count"], c["probability_12m"]) for c in children]
    if listed["ranking"]["by"] == "model":
        keys = [(0, p) for _, p in keys]
    assert keys == sorted(keys, reverse=True)
    top = children[0]
    assert top["flagged"] and top["top_factors"]
    for f in top["top_factors"]:
        assert f["label"] and f["fields"] and f["event_ids"]
    some_factor = top["top_factors"][0]["code"]
    filtered = stored.triage_list(scored, factor=some_factor, limit=500)["children"]
    # Every child the filter keeps shows the factor it was kept for, whether or not that
    # factor's area of concern raises its score (CI once showed a filtered child with none).
    assert filtered
    for c in filtered:
        assert some_factor in {f["code"] for f in c["top_factors"]}, c["person_id"]
    teens = stored.triage_list(scored, min_age=13, max_age=17, limit=500)["children"]
    assert all(13 <= c["age"] <= 17 for c in teens)


def test_a_partnership_where_counting_does_better_is_ranked_by_the_count_and_says_so(
    scored: Engine,
) -> None:
    # This small partnership (700 children) is one where the model learned less than the
    # count of factors: its own validation (held-out year, family folds) says so.
    with scored.connect() as connection:
        training = connection.execute(
            select(risk_model.c.training).where(risk_model.c.active)
        ).scalar_one()
    choice = training["ranking"]
    assert choice["validated"] and choice["by"] == "count"
    assert choice["model_auc"] < choice["count_auc"] - 0.005
    listed = stored.triage_list(scored, limit=500, flagged_only=True)
    assert listed["ranking"]["by"] == "count"
    assert "Ranked by the count of factors" in listed["ranking"]["reason"]
    assert f"{choice['model_auc']:.3f}" in listed["ranking"]["reason"]
    children = listed["children"]
    counts = [c["factor_count"] for c in children]
    assert counts == sorted(counts, reverse=True) and len(set(counts)) > 1
    # Flagged by the count's threshold: every child at or above it, and no other.
    assert min(counts) >= choice["count_threshold"]
    everyone = stored.triage_list(scored, limit=5000)["children"]
    above = [c for c in everyone if c["factor_count"] >= choice["count_threshold"]]
    assert len(above) == len(children) and all(c["flagged"] for c in above)
    # Within one count, the model's score orders the children.
    for n in set(counts):
        same = [c["probability_12m"] for c in children if c["factor_count"] == n]
        assert same == sorted(same, reverse=True)


def test_the_model_ranks_when_it_does_as_well_as_counting(scored: Engine) -> None:
    from joinedup.risk import ranking
    from joinedup.risk.scoring import active_model, save_model, score_all

    on = date.fromisoformat(stored.triage_list(scored)["as_of"])
    with scored.begin() as connection:
        found = active_model(connection)
        assert found is not None
        model = found[1]
        model.training["ranking"] = ranking.choose(0.873, 0.877)  # within the margin
        save_model(connection, model)
        score_all(connection, on=on)
    listed = stored.triage_list(scored, limit=200)
    assert listed["ranking"]["by"] == "model"
    assert "Ranked by the model" in listed["ranking"]["reason"]
    probabilities = [c["probability_12m"] for c in listed["children"]]
    assert probabilities == sorted(probabilities, reverse=True)
    threshold = listed["threshold"]
    for c in listed["children"]:  # (both rounded to 4 places)
        assert (
            c["probability_12m"] >= threshold - 1e-4
            if c["flagged"]
            else c["probability_12m"] <= threshold + 1e-4
        )
    assert any(c["flagged"] for c in listed["children"])


def test_explanation_adds_up_to_the_score(scored: Engine) -> None:
    import math

    top = stored.triage_list(scored, limit=1)["children"][0]
    explained = stored.explain_child(scored, top["person_id"])
    log_odds = explained["baseline_log_odds"] + sum(
        c["log_odds"] for c in explained["contributions"]
    )
    assert abs(1 / (1 + math.exp(-log_odds)) - explained["probability_12m"]) < 0.02


def test_rescoring_reports_changes_for_alerts(scored: Engine) -> None:
    pid = stored.triage_list(scored, limit=1)["children"][0]["person_id"]
    changes = risk_services.rescore_children(scored, [pid])
    assert changes[0]["person_id"] == pid
    assert changes[0]["old_probability_12m"] == pytest.approx(
        changes[0]["new_probability_12m"], abs=1e-5
    )
    assert changes[0]["crossed_threshold"] is False
    explained = stored.explain_child(scored, pid)
    assert explained["changes_since_last_review"]["probability_12m_change"] == pytest.approx(
        0, abs=1e-6
    )


def test_validation_reports_metrics_baseline_and_lead_time(
    scored: Engine, risk_partnership: Path, tmp_path: Path
) -> None:
    result = risk_services.validate_risk(
        scored, truth=risk_partnership / "truth", out=tmp_path, folds=2
    )
    for key in (
        "auc",
        "average_precision",
        "calibration_error",
        "lead_time_months_median",
        "baseline_auc",
    ):
        assert key in result
    assert result["auc"] is None or 0 <= result["auc"] <= 1
    assert result["metrics_12m"]["top_5_percent"]["children"] >= 1
    assert (tmp_path / "validation.md").is_file() and (tmp_path / "calibration.svg").is_file()
    with pytest.raises(BadInput):
        risk_services.validate_risk(scored, truth=tmp_path)


def test_training_is_deterministic(scored: Engine) -> None:
    import numpy as np

    from joinedup.risk.dataset import load_histories
    from joinedup.risk.model import snapshots, train, training_dates
    from joinedup.risk.scoring import data_as_of, data_start

    with scored.connect() as c:
        on, start = data_as_of(c), data_start(c)
        histories = list(load_histories(c, born_after=date(on.year - 23, 1, 1)).values())
    data = snapshots(histories, training_dates(on, data_start=start)[-3:])
    a, b = (train(data, trained_through=on, seed=5) for _ in range(2))
    assert np.allclose(a.predict(data.x[:200])[12], b.predict(data.x[:200])[12])


def _rows_alone_and_in_bulk(engine: Engine) -> tuple[dict, dict]:
    """Score rows of every child read in bulk, and of a sample read one child at a time."""
    from joinedup.risk.dataset import load_histories
    from joinedup.risk.scoring import active_model, born_after, data_as_of, score_rows

    with engine.connect() as c:
        found = active_model(c)
        assert found is not None
        model, on = found[1], data_as_of(c)
        everyone = load_histories(c, born_after=born_after(on))
        bulk = {r["person_id"]: r for r in score_rows(model, list(everyone.values()), on)}
        alone = {}
        for pid in sorted(bulk)[::9]:
            one = load_histories(c, born_after=born_after(on), person_ids=[pid])
            alone[pid] = score_rows(model, list(one.values()), on)
    return bulk, alone


def test_scoring_everyone_at_once_gives_each_child_what_scoring_it_alone_gives(
    scored: Engine,
) -> None:
    bulk, alone = _rows_alone_and_in_bulk(scored)
    assert len(alone) > 30 and any(r[0]["factors"] for r in alone.values())
    for pid, rows in alone.items():
        assert len(rows) == 1
        for k in bulk[pid]:
            assert (k, rows[0][k]) == (k, bulk[pid][k])


def test_events_screened_out_are_ones_no_rule_reads(scored: Engine) -> None:
    from sqlalchemy import select

    from joinedup.risk.factors import (
        AgencyEvent,
        evidence_of,
        is_outcome,
        previous_statutory,
        sibling_evidence,
    )
    from joinedup.risk.relevance import may_matter, sql_screen
    from joinedup.store.tables import event

    e = event.c
    with scored.connect() as c:
        rows = c.execute(
            select(e.id, e.agency_id, e.source_table, e.event_type, e.occurred_on, e.ended_on,
                   e.role, e.codes, e.detail)
        ).all()  # fmt: skip
        passed_sql = set(c.execute(select(e.id).where(sql_screen(event))).scalars())
    dropped = 0
    for eid, agency, table, etype, on, ended, role, codes, detail in rows:
        ev = AgencyEvent(eid, agency, table, etype, on, role, tuple(codes), detail, ended)
        if may_matter(agency, table, etype, ev.codes):
            assert eid in passed_sql
            continue
        dropped += 1
        for dob in (None, on, date(on.year - 1, 1, 1), date(on.year - 10, 1, 1)):
            assert not evidence_of(ev, dob=dob, adult=False) and is_outcome(ev, dob) is None
        assert not evidence_of(ev, dob=None, adult=True)
        assert not sibling_evidence(ev) and not previous_statutory(ev, date.max)
        assert agency != "social_care" or etype not in {"CP_PLAN", "LOOKED_AFTER", "REFERRAL",
                                                         "EARLY_HELP"}  # fmt: skip
    assert dropped > len(rows) // 4  # most routine health contacts say nothing about risk


# --- the risk tables on SQLite and PostgreSQL ------------------------------------------------


def _stub_model(engine: Engine) -> int:
    with engine.begin() as c:
        return int(
            c.execute(
                insert(risk_model).values(
                    version="test", created_at=datetime.now(UTC), trained_through=date(2025, 1, 1),
                    seed=1, threshold=0.2, training={}, artefact=b"x", artefact_sha256="0" * 64,
                    active=False,
                )
            ).inserted_primary_key[0]
        )  # fmt: skip


def test_decisions_overrides_and_changes_since_review(engine: Engine) -> None:
    model_id = _stub_model(engine)
    factor = {
        "code": "da_child_present", "label": "police domestic abuse incident with the child "
        "present", "fields": ["police.domestic_abuse"], "agencies": ["police"],
        "event_ids": [1], "contribution": 1.2, "last_seen": "2025-01-01",
    }  # fmt: skip
    now = datetime.now(UTC)
    base = {"model_id": model_id, "scored_at": now, "probability_6m": 0.1, "status": None,
            "date_of_birth": date(2015, 1, 1), "team": "Assessment Team",
            "school_urn": "1"}  # fmt: skip
    with engine.begin() as c:
        c.execute(insert(risk_score), [
            {**base, "person_id": "P-A", "as_of": date(2025, 1, 1), "current": False,
             "probability_12m": 0.1, "flagged": False, "factor_codes": [], "factors": [],
             "contributions": {}},
            {**base, "person_id": "P-A", "as_of": date(2025, 2, 1), "current": True,
             "probability_12m": 0.4, "flagged": True, "factor_codes": ["da_child_present"],
             "factors": [factor], "contributions": {"da_child_present": 1.2}},
            {**base, "person_id": "P-B", "as_of": date(2025, 2, 1), "current": True,
             "probability_12m": 0.05, "flagged": False, "factor_codes": [], "factors": [],
             "contributions": {}},
        ])  # fmt: skip
    listed = stored.triage_list(engine, team="assessment team")
    assert [c["person_id"] for c in listed["children"]] == ["P-A", "P-B"]
    assert listed["children"][0]["change_since_previous"] == pytest.approx(0.3)
    by_change = stored.triage_list(engine, order="change")["children"]
    assert by_change[0]["person_id"] == "P-A"
    explained = stored.explain_child(engine, "P-A")
    new = explained["changes_since_last_review"]["new_factors"]
    assert [f["code"] for f in new] == ["da_child_present"]
    nfa = decisions.record_triage_decision(
        engine, "P-A", "nfa", reason="known to EH", decided_by="sw1"
    )
    refer = decisions.record_triage_decision(
        engine, "P-B", "REFER", reason="school worry", decided_by="sw1"
    )
    assert nfa["override"] and refer["override"] and nfa["rank"] == 1 and refer["rank"] == 2
    report = decisions.triage_decisions(engine)
    assert report["decisions"] == 2 and report["overrides"] == 2
    with pytest.raises(BadInput):
        decisions.record_triage_decision(engine, "P-A", "DISCUSS", reason=" ", decided_by="sw1")
    with pytest.raises(NotFound):
        stored.explain_child(engine, "P-NOBODY")


def test_a_tampered_model_is_refused() -> None:
    model = RiskModel("v", date(2025, 1, 1), [], 1, {}, 0.1)
    with pytest.raises(ValueError):
        RiskModel.from_bytes(model.to_bytes(), "0" * 64)


def test_the_governed_list_is_the_mashs_with_factors_the_reader_may_see(scored: Engine) -> None:
    from joinedup.errors import Forbidden
    from joinedup.governance.audit.query import search as audit_search
    from joinedup.governance.reader import Reader
    from joinedup.services import EXAMPLE_AGREEMENTS, load_agreements
    from joinedup.services.triage import explain_child, triage_list

    load_agreements(scored, [EXAMPLE_AGREEMENTS], loaded_by="tests")
    mash = Reader.build(
        user_id="mash-1", role="MASH_PRACTITIONER", agency="social_care", purpose="MASH_TRIAGE"
    )
    governed = triage_list(scored, mash, limit=10).as_dict()
    assert governed["children"], "flagged children are on the MASH's list"
    every = {
        c["person_id"]: c
        for c in stored.triage_list(scored, limit=1000, flagged_only=True)["children"]
    }
    for child in governed["children"]:
        assert child["flagged"] and child["name"]
        whole = every[child["person_id"]]
        assert len(child["top_factors"]) + child["factors_withheld"] == len(whole["top_factors"])
        with scored.connect() as connection:
            entries = audit_search(connection, kind="ACCESS", subject=child["person_id"])
        assert entries and entries[-1].actor == "mash-1"
        allowed = set(entries[-1].details["allowed"])
        for factor in child["top_factors"]:
            assert set(factor["fields"]) <= allowed
    first = governed["children"][0]["person_id"]
    explained = explain_child(scored, mash, first).as_dict()
    with scored.connect() as connection:
        decided = audit_search(connection, kind="ACCESS", subject=first)[-1].details
    assert all(set(f["fields"]) <= set(decided["allowed"]) for f in explained["factors"])
    whole = stored.explain_child(scored, first)
    assert len(explained["factors"]) + explained["factors_withheld"] == len(whole["factors"])
    worker = Reader.build(
        user_id="sw", role="SOCIAL_WORKER", agency="social_care", purpose="EARLY_HELP"
    )
    with pytest.raises(Forbidden):
        triage_list(scored, worker)


def test_a_model_of_an_earlier_version_is_not_read(scored: Engine) -> None:
    """An upgrade that changes the features leaves the old model in the store; scoring with
    it would misread every feature, so it is ignored until the model is trained again."""
    from joinedup.risk import MODEL_VERSION
    from joinedup.risk.scoring import active_model

    with scored.connect() as c:
        current = active_model(c)
    assert current is not None and current[1].version == MODEL_VERSION
    with scored.begin() as c:
        c.execute(
            insert(risk_model).values(
                version="risk-ebm-1", created_at=datetime.now(UTC),
                trained_through=date(2025, 1, 1), seed=1, threshold=0.2, training={},
                artefact=b"x", artefact_sha256="0" * 64, active=True,
            )
        )  # fmt: skip
    with scored.connect() as c:
        assert active_model(c)[0] == current[0]  # type: ignore[index]
    with scored.begin() as c:
        c.execute(risk_model.update().where(risk_model.c.id == current[0]).values(active=False))
    with scored.connect() as c:
        assert active_model(c) is None


def test_the_list_shows_a_filtered_factor_even_when_its_area_lowers_the_score() -> None:
    def factor(code: str, contribution: float) -> dict[str, object]:
        return {
            "code": code,
            "label": code.replace("_", " "),
            "fields": ["f"],
            "agencies": ["police"],
            "event_ids": [1],
            "contribution": contribution,
            "last_seen": "2026-01-01",
        }

    stored_factors = [factor(f"raises_{i}", 0.5 - i / 10) for i in range(6)] + [
        factor("lowers", -0.2)
    ]
    unfiltered = stored._shown_factors(stored_factors, None)
    assert [f["code"] for f in unfiltered] == [f"raises_{i}" for i in range(5)]
    filtered = stored._shown_factors(stored_factors, "lowers")
    assert [f["code"] for f in filtered] == [f"raises_{i}" for i in range(4)] + ["lowers"]
    only_lowering = stored._shown_factors([factor("lowers", -0.2)], None)
    assert [f["code"] for f in only_lowering] == ["lowers"], "a recorded factor is never hidden"


def test_the_governed_list_is_paged_and_keeps_what_the_mash_decided(scored: Engine) -> None:
    """Issue 19: the list stopped at 50 with no paging, and a recorded decision was not
    shown afterwards on the list or the explanation."""
    from joinedup.governance.reader import Reader
    from joinedup.services import EXAMPLE_AGREEMENTS, load_agreements
    from joinedup.services.triage import explain_child, record_triage_decision, triage_list

    load_agreements(scored, [EXAMPLE_AGREEMENTS], loaded_by="tests")
    mash = Reader.build(
        user_id="mash-1", role="MASH_PRACTITIONER", agency="social_care", purpose="MASH_TRIAGE"
    )
    whole = triage_list(scored, mash, limit=500).as_dict()
    assert whole["matched"] == len(whole["children"]) > 4
    page = triage_list(scored, mash, limit=2, offset=2).as_dict()
    assert page["matched"] == whole["matched"] and (page["offset"], page["limit"]) == (2, 2)
    assert [c["person_id"] for c in page["children"]] == [
        c["person_id"] for c in whole["children"][2:4]
    ]
    child = whole["children"][0]
    assert child["latest_decision"] is None
    record_triage_decision(scored, mash, child["person_id"], "DISCUSS", reason="Discuss today.")
    again = triage_list(scored, mash, limit=1).as_dict()["children"][0]
    assert again["latest_decision"]["decision"] == "DISCUSS"
    assert again["latest_decision"]["by_you"] and again["change_since_decision"] == 0.0
    explained = explain_child(scored, mash, child["person_id"]).as_dict()
    assert explained["name"] == child["name"]
    assert [(d["decision"], d["reason"]) for d in explained["decisions"]] == [
        ("DISCUSS", "Discuss today.")
    ]


def test_the_fairness_audit_shows_calibration_within_deprivation_bands(scored: Engine) -> None:
    audit = risk_services.fairness_audit(scored, seed=3)
    bands = audit["deprivation_calibration"]
    assert set(bands) == {"1-2", "3-4", "5-6", "7-8", "9-10"}
    assert sum(b["children"] for b in bands.values()) > 0
    for band, entry in bands.items():
        # Each band is either recalibrated or says why it cannot be.
        if entry["shift"] is None:
            assert "too few outcomes" in entry["reason"]
            assert any(
                f.startswith(f"deprivation {band}: not recalibrated") for f in audit["findings"]
            )
        else:
            assert entry["outcomes"] >= 20
    assert audit["groups"]["deprivation"]
    # The stored model carries what its training found, band by band.
    with scored.connect() as connection:
        training = connection.execute(
            select(risk_model.c.training).where(risk_model.c.active)
        ).scalar_one()
    assert set(training["deprivation_calibration"]) == set(bands)
