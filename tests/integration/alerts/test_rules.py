"""The rules that need a child's history (missing episodes, MAPPA level 2+ in the household,
exclusion of a child on a plan), risk escalation, and concerns relayed from the outbox, on a
small store built through deliveries (history with the hook paused, then live deliveries),
on SQLite and PostgreSQL. Links and households are written as facts: these tests are about
the rules, not the linkage."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from joinedup.accounts.model import Account
from joinedup.alerts import concerns
from joinedup.alerts import inbox as alert_inbox
from joinedup.alerts.risk_escalation import raise_for_changes
from joinedup.alerts.rules import RULES, EscalationTriggers
from joinedup.domain.events import ConcernRecorded
from joinedup.errors import BadInput, NotFound
from joinedup.services import alerts as alert_services
from joinedup.services import ingest
from joinedup.store import UnitOfWork
from joinedup.store.account_tables import account as account_table
from joinedup.store.alert_tables import alert
from joinedup.store.casework_tables import concern
from joinedup.store.linkage_tables import (
    linkage_household,
    linkage_household_member,
)
from joinedup.store.tables import outbox
from joinedup.store.unit_of_work import NOTHING, using
from tests.support.deliveries import (
    AGENCY_EVENTS,
    AGENCY_PERSONS,
    ATTENDANCE,
    POLICE_INCIDENTS,
    POLICE_INVOLVEMENTS,
    POLICE_PERSONS,
    PUPILS,
    SCHOOLS,
    csv_text,
    make_delivery,
    ssd_delivery,
    valid_upn,
)
from tests.support.linked import link_by_hand

NOW = datetime.now(UTC)
TODAY = NOW.date()
UPN = valid_upn(7)
WORKER = "W9001"


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def social_care(folder: Path) -> Path:
    person_row = {"pers_person_id": "", "pers_forename": "", "pers_surname": "", "pers_dob": ""}
    return ssd_delivery(
        folder,
        {
            "ssd_person": [
                {**person_row, "pers_person_id": "C1", "pers_forename": "Ava",
                 "pers_surname": "Stone", "pers_dob": "2013-03-04"},
                {**person_row, "pers_person_id": "C2", "pers_forename": "Ben",
                 "pers_surname": "Hale", "pers_dob": "2012-05-06"},
            ],
            "ssd_professionals": [
                {"prof_professional_id": WORKER, "prof_professional_name": "Sam Worker",
                 "prof_professional_department": "Child Protection Team"},
            ],
            "ssd_involvements": [
                {"invo_involvements_id": f"I{n}", "invo_professional_id": WORKER,
                 "invo_professional_role_id": "Allocated Social Worker",
                 "invo_involvement_start_date": days_ago(400), "invo_involvement_end_date": "",
                 "invo_person_id": child}
                for n, child in enumerate(("C1", "C2"))
            ],
            "ssd_cp_plans": [
                {"cppl_cp_plan_id": "CP1", "cppl_person_id": "C1",
                 "cppl_cp_plan_start_date": days_ago(200), "cppl_cp_plan_end_date": ""},
            ],
        },
        extracted_at=stamp(NOW - timedelta(days=30)),
    )  # fmt: skip


def police(folder: Path, incidents: list[tuple[str, int]], extracted: datetime) -> Path:
    """Missing-person reports of the child (incident id, days ago)."""
    return make_delivery(
        folder,
        "police",
        {
            "persons.csv": csv_text(
                POLICE_PERSONS, [["PC1", "Ava", "Stone", "2013-03-04", "F", "", "LS6 2AB", ""]]
            ),
            "incidents.csv": csv_text(
                POLICE_INCIDENTS,
                [
                    [i, stamp(NOW - timedelta(days=d, minutes=5)), "MISSING_PERSON", "", "", ""]
                    for i, d in incidents
                ],
            ),
            "involvements.csv": csv_text(
                POLICE_INVOLVEMENTS, [[i, "PC1", "MISSING_PERSON"] for i, _ in incidents]
            ),
        },
        extracted_at=stamp(extracted),
    )


def probation(folder: Path, events: list[tuple[str, str, int]], extracted: datetime) -> Path:
    return make_delivery(
        folder,
        "probation",
        {
            "persons.csv": csv_text(
                AGENCY_PERSONS,
                [["PRB1", "Carl", "Stone", "1980-01-02", "M", "", "LS6 2AB", "", "", ""]],
            ),
            "events.csv": csv_text(
                AGENCY_EVENTS,
                [
                    [e, "PRB1", stamp(NOW - timedelta(days=d, minutes=5)), t, ""]
                    for e, t, d in events
                ],
            ),
        },
        extracted_at=stamp(extracted),
    )


def education(folder: Path, exclusions: list[list[str]], extracted: datetime) -> Path:
    pupil = {"upn": UPN, "legal_forename": "Ava", "legal_surname": "Stone",
             "date_of_birth": "2013-03-04", "sex": "F", "postcode": "LS6 2AB", "urn": "100001",
             "entry_date": "2020-09-01"}  # fmt: skip
    return make_delivery(
        folder,
        "education",
        {
            "schools.csv": csv_text(
                SCHOOLS, [["100001", "Hill School", "SECONDARY", "A Lead", "dsl@hill.example"]]
            ),
            "pupils.csv": csv_text(PUPILS, [pupil]),
            "attendance.csv": csv_text(ATTENDANCE, []),
            "exclusions.csv": csv_text(
                ["upn", "urn", "start_date", "category", "reason", "sessions"], exclusions
            ),
        },
        extracted_at=stamp(extracted),
    )


def link_as_facts(engine: Engine) -> None:
    """Person P1 = the child's records everywhere; P2 = the second child; A1 = the adult,
    living with P1."""
    people = {
        "P1": [("social_care", "ssd_person", "C1"), ("police", "persons", "PC1"),
               ("education", "pupils", UPN)],
        "P2": [("social_care", "ssd_person", "C2")],
        "A1": [("probation", "persons", "PRB1")],
    }  # fmt: skip
    with engine.begin() as c:
        run = link_by_hand(c, people, NOW)
        c.execute(
            insert(linkage_household).values(
                id="H1", address_key="LS6 2AB|1", postcode="LS6 2AB", run_id=run
            )
        )
        for member in ("P1", "A1"):
            c.execute(
                insert(linkage_household_member).values(
                    household_id="H1", person_id=member, from_date=date(2015, 1, 1), evidence=[]
                )
            )


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    earlier = NOW - timedelta(days=1)
    with using(NOTHING):  # history raises nothing
        ingest(engine, social_care(tmp_path / "sc"), link=False)
        ingest(engine, police(tmp_path / "p0", [("M1", 40), ("M2", 20)], earlier), link=False)
        ingest(engine, probation(tmp_path / "pr0", [("E1", "MAPPA_LEVEL_1", 60)], earlier))
    link_as_facts(engine)
    return engine


def rules_raised(engine: Engine) -> list[tuple[str, str, str]]:
    return [(a["rule"], a["child"], a["recipient"]["key"]) for a in alert_inbox.list_alerts(engine)]


def test_a_third_missing_episode_in_90_days_alerts_the_social_worker(store, tmp_path) -> None:
    ingest(store, police(tmp_path / "p1", [("M3", 1)], NOW), link=False)
    assert rules_raised(store) == [("MISSING_EPISODES", "P1", WORKER)]
    (found,) = alert_inbox.list_alerts(store)
    assert found["recipient"]["kind"] == "LEAD" and found["recipient"]["agency"] == "social_care"


def test_two_missing_episodes_alert_nobody(store, tmp_path) -> None:
    ingest(store, police(tmp_path / "p1", [("M9", 200)], NOW), link=False)  # history: no alert
    assert rules_raised(store) == []


def test_mappa_level_2_of_an_adult_in_the_household_alerts_the_childs_worker(
    store, tmp_path
) -> None:
    ingest(store, probation(tmp_path / "pr1", [("E2", "MAPPA_LEVEL_2", 1)], NOW), link=False)
    assert rules_raised(store) == [("MAPPA_HOUSEHOLD", "P1", WORKER)]  # P1, not the adult
    # The same level again is not new: nothing more.
    ingest(store, probation(tmp_path / "pr2", [("E3", "MAPPA_LEVEL_2", 0)], NOW), link=False)
    assert len(rules_raised(store)) == 1


def test_an_exclusion_of_a_child_on_a_plan_alerts_the_social_worker(store, tmp_path) -> None:
    folder = education(tmp_path / "ed", [[UPN, "100001", days_ago(1), "SUSP", "PP", "4"]], NOW)
    ingest(store, folder, link=False)
    assert rules_raised(store) == [("EXCLUSION_OF_CHILD_IN_CARE_OR_ON_PLAN", "P1", WORKER)]
    (found,) = alert_inbox.list_alerts(store)
    assert found["occurred_at"].date() == TODAY - timedelta(days=1)


def test_risk_escalation_alerts_the_lead_and_ignores_small_rises(store) -> None:
    base = {"as_of": TODAY.isoformat(), "new_high_weight_factors": []}
    changes = [
        {**base, "person_id": "P2", "old_probability_12m": 0.2, "new_probability_12m": 0.45,
         "crossed_threshold": True},
        {**base, "person_id": "P1", "old_probability_12m": 0.2, "new_probability_12m": 0.25,
         "crossed_threshold": False},
    ]  # fmt: skip
    with store.begin() as c:
        raised = raise_for_changes(c, changes)
    assert len(raised) == 1
    assert rules_raised(store) == [("RISK_ESCALATION", "P2", WORKER)]
    with store.begin() as c:  # the same change again is the same cause: no second alert
        assert raise_for_changes(c, changes) == []


def record_concern(
    engine: Engine, recipients: tuple[str, ...], also: tuple[dict[str, str | None], ...] = ()
) -> int:
    """What services.casework_actions.record_concern writes: the concern and its event."""
    with UnitOfWork(engine) as uow:
        concern_id = uow.connection.execute(
            insert(concern)
            .values(person_id="P1", kind="CONCERN", text="Ava said she is scared to go home.",
                    recorded_by="nurse.one", role="HEALTH_SAFEGUARDING_LEAD", agency="health",
                    purpose="LEAD_PRACTITIONER_CASEWORK", recorded_at=NOW,
                    routed_to=[{"agency": "social_care", "practitioner_key": WORKER,
                                "email": None}, *also])
            .returning(concern.c.id)
        ).scalar_one()  # fmt: skip
        uow.emit(ConcernRecorded(concern_id, "P1", "CONCERN", "nurse.one", "health", recipients))
        uow.commit()
    return int(concern_id)


def test_a_recorded_concern_reaches_the_lead_practitioners_inbox_once(store) -> None:
    record_concern(store, (WORKER,))
    assert concerns.relay(store) == 1
    assert concerns.relay(store) == 0  # published: relayed once
    with store.begin() as c:  # even if the event were relayed again, no duplicate alert
        c.execute(outbox.update().values(published_at=None))
    assert concerns.relay(store) == 0
    account = Account(1, "sam", "SOCIAL_WORKER", "social_care", "Sam", practitioner_key=WORKER)
    (mine,) = alert_services.my_inbox(store, account)
    assert mine["rule"] == "CONCERN_RECORDED" and mine["child"] == "P1"
    assert "scared to go home" in mine["content"]["what_happened"]
    # who recorded it, in words (no account "nurse.one" here: the recorder's agency), never
    # the username
    contact = mine["content"]["contact"]
    assert contact["agency"] == "Health (integrated care board)"
    assert "nurse.one" not in json.dumps(mine["content"])
    shown = alert_services.my_alert(store, account, mine["id"])
    assert shown["person_link"] == "/people/P1"
    other = Account(2, "kim", "SOCIAL_WORKER", "social_care", "Kim", practitioner_key="W0")
    with pytest.raises(NotFound):  # someone else's alert is not revealed
        alert_services.my_alert(store, other, mine["id"])
    with pytest.raises(BadInput):  # an acknowledgement needs an action
        alert_services.acknowledge_mine(store, account, mine["id"], "")
    done = alert_services.acknowledge_mine(store, account, mine["id"], "Visited Ava at school")
    assert done["status"] == "ACKNOWLEDGED" and done["acknowledged_by"] == "sam"
    assert alert_services.my_inbox(store, account) == []
    with store.connect() as c:
        assert c.execute(select(alert.c.status)).scalars().all() == ["ACKNOWLEDGED"]


def _change(person: str, old: float, new: float, *, days: int = 0, **kw: object) -> dict:
    return {
        "person_id": person,
        "as_of": (TODAY + timedelta(days=days)).isoformat(),
        "old_probability_12m": old,
        "new_probability_12m": new,
        "threshold": 0.1,
        "crossed_threshold": old < 0.1 <= new,
        "new_flagged": new >= 0.1,
        "new_high_weight_factors": [],
        **kw,
    }


FACTOR = {"code": "DA", "label": "Domestic abuse", "fields": ["police.domestic_abuse"],
          "event_ids": [], "contribution": 0.9}  # fmt: skip


def test_a_new_high_weight_factor_alone_alerts_only_when_the_rule_says_so(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    factor_only = _change("P2", 0.02, 0.03, new_high_weight_factors=[FACTOR])
    with store.begin() as c:
        assert raise_for_changes(c, [factor_only]) == []  # off by default: the noisy trigger
    rule = RULES["RISK_ESCALATION"]
    switched_on = replace(rule, escalation=EscalationTriggers(new_high_weight_factor=True))
    monkeypatch.setitem(RULES, "RISK_ESCALATION", switched_on)
    with store.begin() as c:
        assert len(raise_for_changes(c, [factor_only])) == 1


def test_a_child_hears_once_in_the_quiet_period_unless_a_higher_band_is_reached(
    store: Engine,
) -> None:
    def at(days: int) -> datetime:
        return NOW + timedelta(days=days)

    with store.begin() as c:  # crosses the threshold (band 1 of 1, 2, 4 times it)
        first = raise_for_changes(c, [_change("P2", 0.05, 0.15)], now=at(0))
    with store.begin() as c:
        # A small rise alerts nothing; crossing again within 30 days, still band 1: held,
        # and counted in the open alert.
        assert raise_for_changes(c, [_change("P2", 0.15, 0.19, days=7)], now=at(7)) == []
        assert raise_for_changes(c, [_change("P2", 0.05, 0.19, days=8)], now=at(8)) == []
    with store.begin() as c:  # twice the threshold: a higher band, alerted at once
        higher = raise_for_changes(c, [_change("P2", 0.12, 0.25, days=14)], now=at(14))
    with store.begin() as c:  # a rise within 30 days of that, same band: held
        assert raise_for_changes(c, [_change("P2", 0.1, 0.26, days=21)], now=at(21)) == []
    with store.begin() as c:  # more than 30 days after the last alert: a rise alerts again
        later = raise_for_changes(c, [_change("P2", 0.1, 0.22, days=45)], now=at(45))
    assert len(first) == len(higher) == len(later) == 1
    with store.connect() as c:
        rows = c.execute(
            select(alert.c.id, alert.c.occurrences, alert.c.content)
            .where(alert.c.rule_id == "RISK_ESCALATION")
            .order_by(alert.c.id)
        ).all()
    assert [r.id for r in rows] == first + higher + later
    assert [r.occurrences for r in rows] == [2, 2, 1]  # what was held counts in the open one
    shown = alert_inbox.get_alert(store, first[0])
    assert "_risk" not in shown["content"] and "_causes" not in shown["content"]


def test_the_recorder_is_not_alerted_about_her_own_concern(store: Engine) -> None:
    """Issue 19: the DSL got an alert about her own concern. The concern names its recorder
    by account ("nurse.one") and its recipients by their key in the agencies' feeds, so the
    recorder is found through her account's practitioner key and left out (docs/alerts.md)."""
    with store.begin() as c:
        c.execute(
            insert(account_table).values(
                username="nurse.one", role="HEALTH_SAFEGUARDING_LEAD", agency="health",
                practitioner_key="N7001", display_name="Nurse One", provider="local",
                disabled=False, created_at=NOW, failed_logins=0,
            )
        )  # fmt: skip
    lead = {"agency": "health", "practitioner_key": "N7001", "email": None}
    record_concern(store, (WORKER, "N7001"), (lead,))
    assert concerns.relay(store) == 1  # the social worker's, not the recorder's
    assert [key for *_, key in rules_raised(store)] == [WORKER]
