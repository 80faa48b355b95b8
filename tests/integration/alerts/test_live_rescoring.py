"""Risk escalation, live: a delivery leaves a request to re-score its children in the ingest
transaction, and the alert worker re-scores them with the active model (and would raise
RISK_ESCALATION for what escalated) once the delivery's people are linked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from joinedup.alerts import worker
from joinedup.services import ingest
from joinedup.services import risk as risk_services
from joinedup.store.risk_tables import risk_rescore_request, risk_score

from .conftest import pupil_on_roll, write_police


def _requests(engine: Engine) -> list:
    with engine.connect() as c:
        return c.execute(select(risk_rescore_request).order_by(risk_rescore_request.c.id)).all()


def _current_scored_at(engine: Engine, person_id: str):  # noqa: ANN202
    with engine.connect() as c:
        return c.execute(
            select(risk_score.c.scored_at).where(
                risk_score.c.person_id == person_id, risk_score.c.current
            )
        ).scalar_one_or_none()


def _incident(engine: Engine, folder: Path, incident: str) -> tuple[str, Path]:
    pupil = pupil_on_roll(engine)
    people = [
        {"person_id": "LIVE-C1", "forenames": pupil["forenames"], "surname": pupil["surname"],
         "date_of_birth": str(pupil["date_of_birth"])[:10], "gender": "U",
         "address_line": pupil["address_line"] or "", "postcode": pupil["postcode"] or ""},
    ]  # fmt: skip
    return pupil["person_id"], write_police(
        folder, people, incident, "DOMESTIC_ABUSE", {"LIVE-C1": "CHILD_PRESENT"}
    )


def test_a_delivery_re_scores_its_children_through_the_worker(
    loaded: Engine, tmp_path: Path
) -> None:
    assert _requests(loaded) == []  # history loaded with the hook paused asks for nothing
    risk_services.train_risk_model(loaded)
    risk_services.score_children(loaded)
    child, folder = _incident(loaded, tmp_path / "one", "INC-RESCORE-1")
    before = _current_scored_at(loaded, child)
    assert before is not None

    ingest(loaded, folder)  # ingested, then linked
    (open_request,) = _requests(loaded)
    assert open_request.done_at is None  # written with the delivery, done by the worker

    report = worker.cycle(loaded, "test-worker")
    (closed,) = _requests(loaded)
    assert closed.done_at is not None
    assert closed.outcome["people"] >= 1 and closed.outcome["not_linked"] == 0
    assert closed.outcome["children"] == report.children_rescored >= 1
    after = _current_scored_at(loaded, child)
    assert after > before  # the child's score is new
    with loaded.connect() as c:
        evidence = c.execute(
            select(risk_score.c.factor_codes).where(
                risk_score.c.person_id == child, risk_score.c.current
            )
        ).scalar_one()
    assert "da_child_present" in evidence  # re-scored with the new incident

    assert worker.cycle(loaded, "test-worker").children_rescored == 0  # nothing left
    assert _current_scored_at(loaded, child) == after
    with loaded.connect() as c:
        assert c.execute(select(func.count()).select_from(risk_rescore_request)).scalar() == 1


def test_without_a_model_the_request_is_closed_saying_so(loaded: Engine, tmp_path: Path) -> None:
    _, folder = _incident(loaded, tmp_path / "two", "INC-RESCORE-2")
    ingest(loaded, folder)
    worker.cycle(loaded, "test-worker")
    (closed,) = _requests(loaded)
    assert closed.done_at is not None and "risk train" in closed.outcome["skipped"]
