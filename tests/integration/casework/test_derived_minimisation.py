"""Everything derived is withheld as the data it comes from (issue 16, finding 2).

Before: ``explain`` returned the score and every per-area contribution to a social worker
denied every mental-health field ("+0.55 an adult's mental ill-health") and showed free
school meals that education does not share with social care; and for a child the reader
may not open at all the refusal applied only when the child had factors, with an audit
entry recording nothing requested. Now a part of the score is shown only if the reader may
see every field it draws on, the score is the model's sum over those parts, and a reader who
may not open the child gets nothing, with the request recorded.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, delete, insert

from joinedup.errors import Forbidden
from joinedup.governance.audit.query import search as audit_search
from joinedup.governance.reader import Reader
from joinedup.risk.factors import FACTORS
from joinedup.services.triage import explain_child, triage_list
from joinedup.store.risk_tables import risk_model, risk_score
from tests.integration.casework.conftest import lead_involvement
from tests.support.casework import child_known_to_social_care


def _factor(code: str, event_id: int, contribution: float) -> dict:
    f = FACTORS[code]
    return {
        "code": code, "label": f.label, "area": _area(code), "fields": [f.field],
        "agencies": [f.field.split(".")[0]], "event_ids": [event_id],
        "contribution": contribution, "last_seen": "2026-10-01",
    }  # fmt: skip


def _area(code: str) -> str:
    from joinedup.risk.areas import AREA_OF

    return AREA_OF[code]


MENTAL_HEALTH = 0.5512
FREE_MEALS = 0.3137
BREADTH = 0.2519
CONTRIBUTIONS = {
    "parental_mental_health": MENTAL_HEALTH,
    "free_school_meals": FREE_MEALS,
    "breadth": BREADTH,
    "social_care_history": 0.4013,
    "age_years": -0.2011,
}
FACTOR_LIST = [
    _factor("hh_mental_health_condition", 900001, MENTAL_HEALTH),
    _factor("cin_parental_mental_health", 900002, MENTAL_HEALTH),
    _factor("sc_referral", 900003, 0.4013),
]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _scores(engine: Engine, rows: list[dict]) -> Iterator[None]:
    now = datetime.now(UTC)
    with engine.begin() as c:
        model = c.execute(
            insert(risk_model).values(
                version="test", created_at=now, trained_through=date(2026, 1, 1), seed=1,
                threshold=0.2, training={}, artefact=b"x", artefact_sha256="0" * 64,
                active=False,
            )
        ).inserted_primary_key[0]  # fmt: skip
        ids = [
            c.execute(
                insert(risk_score).values(
                    model_id=model, scored_at=now, as_of=date.today(), current=True,
                    status="CIN", date_of_birth=date(2016, 5, 1), team=None, school_urn=None,
                    **row,
                )
            ).inserted_primary_key[0]
            for row in rows
        ]  # fmt: skip
    try:
        yield
    finally:
        with engine.begin() as c:
            c.execute(delete(risk_score).where(risk_score.c.id.in_(ids)))
            c.execute(delete(risk_model).where(risk_model.c.id == model))


def _row(person: str, probability: float, contributions: dict, factors: list) -> dict:
    return {
        "person_id": person, "probability_12m": probability, "probability_6m": probability / 2,
        "flagged": True, "factor_codes": [f["code"] for f in factors], "factors": factors,
        "contributions": contributions,
    }  # fmt: skip


@pytest.fixture
def scored_child(store: Engine) -> Iterator[tuple[str, Reader]]:
    person, key, team = lead_involvement(store, "social_care")
    worker = Reader.build(
        user_id=f"sw-{uuid.uuid4().hex[:6]}", role="SOCIAL_WORKER", agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK", team=team, practitioner_key=key,
    )  # fmt: skip
    yield from (
        (person, worker) for _ in _scores(store, [_row(person, 0.6, CONTRIBUTIONS, FACTOR_LIST)])
    )


def test_a_social_worker_sees_no_part_of_the_score_drawn_on_what_they_may_not_see(
    store: Engine, scored_child: tuple[str, Reader]
) -> None:
    person, worker = scored_child
    explained = explain_child(store, worker, person).as_dict()
    shown = json.dumps(explained)
    terms = {c["factor"] for c in explained["contributions"]}
    # mental health (health.mental_health is denied), free school meals (education's) and
    # breadth (drawn on every field) are withheld: not named, not numbered
    assert terms == {"social_care_history", "age_years"}
    for words in ("an adult's mental ill-health", "eligible for free school meals",
                  "adult in the household with a mental health condition"):  # fmt: skip
        assert words not in shown, words
    for number in (MENTAL_HEALTH, FREE_MEALS, BREADTH, 0.6):
        assert str(number) not in shown, number
    assert explained["terms_withheld"] >= 3 and explained["score_basis"] == "visible"
    visible = _sigmoid(_logit(0.6) - MENTAL_HEALTH - FREE_MEALS - BREADTH)
    assert explained["probability_12m"] == pytest.approx(visible, abs=1e-4)
    assert explained["probability_6m"] is None and explained["flagged"] is None
    # The factor from the social worker's own agency is shown, without its area's weight
    assert [f["code"] for f in explained["factors"]] == [
        "cin_parental_mental_health",
        "sc_referral",
    ]
    own = explained["factors"][0]
    assert own["contribution"] is None and "area" not in own
    assert (
        explained["factors_withheld"] == 1
        and "1 factor from information" in (explained["withheld_note"])
    )


def test_a_reader_who_may_not_open_the_child_gets_no_score_and_the_request_is_recorded(
    store: Engine, scored_child: tuple[str, Reader]
) -> None:
    person, _worker = scored_child
    stranger = Reader.build(
        user_id="sw-stranger", role="SOCIAL_WORKER", agency="social_care", purpose="EARLY_HELP"
    )
    with pytest.raises(Forbidden):
        explain_child(store, stranger, person)
    with store.connect() as connection:
        entry = audit_search(connection, kind="ACCESS", subject=person, actor="sw-stranger")[-1]
    assert entry.details["requested"] and not entry.details["allowed"]


def test_a_child_with_no_factors_is_refused_too(store: Engine) -> None:
    person, _source = child_known_to_social_care(store, skip=25)
    stranger = Reader.build(
        user_id="mash-none", role="MASH_PRACTITIONER", agency="police", purpose="MASH_TRIAGE"
    )
    below = {**_row(person, 0.03, {"age_years": 0.1}, []), "flagged": False}
    for _ in _scores(store, [below]):
        with pytest.raises(Forbidden):
            explain_child(store, stranger, person)


def test_the_mashs_list_is_ranked_by_the_score_it_may_see(store: Engine) -> None:
    """Free school meals are not shared with the MASH: a child whose place on the list
    came from them ranks by the rest, and shows no number drawn on them."""
    poorer, _s = child_known_to_social_care(store, skip=26)
    other, _t = child_known_to_social_care(store, skip=27)
    rows = [
        _row(poorer, 0.7, {"free_school_meals": 1.5, "social_care_history": 0.2}, []),
        _row(other, 0.6, {"social_care_history": 0.9}, []),
    ]
    mash = Reader.build(
        user_id="mash-rank", role="MASH_PRACTITIONER", agency="police", purpose="MASH_TRIAGE"
    )
    for _ in _scores(store, rows):
        listed = triage_list(store, mash, limit=10).as_dict()
    order = [c["person_id"] for c in listed["children"]]
    assert order.index(other) < order.index(poorer)
    first = {c["person_id"]: c for c in listed["children"]}
    assert first[poorer]["probability_12m"] == pytest.approx(_sigmoid(_logit(0.7) - 1.5), 1e-3)
    assert "0.7" not in json.dumps(first[poorer]) and listed["score_basis"] == "visible"
