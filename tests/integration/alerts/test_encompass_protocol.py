"""Operation Encompass as published protocols run it (issue 21), in simulated time: each
police delivery is ingested as a replay ingests it (its extraction is the alerts' "now").

An incident on a Friday night, on a Saturday, the day before a bank holiday and before a
half term reaches the school's key adult (the DSL) at once, due before 08:30 on the next
school day by the school calendar (term dates from the education feed, England's bank
holidays); it says the child's name and date of birth, the date and time, whether the
child was present, whether a welfare check was made and whether children's services were
told, and nothing of who else was involved, where, or what happened. Children's health and
a telephone task for the police follow when the partnership switches them on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from joinedup.alerts import inbox as alert_inbox
from joinedup.replay.history import LIVE_IN_SIMULATED_TIME
from joinedup.services import EXAMPLE_AGREEMENTS, ingest, load_agreements
from joinedup.store.alert_tables import alert_message
from joinedup.store.linkage_tables import (
    linkage_household,
    linkage_household_member,
)
from joinedup.store.unit_of_work import NOTHING, using
from joinedup.synth.education import TERM_DATE_COLUMNS, term_date_rows
from tests.support.deliveries import (
    POLICE_INVOLVEMENTS,
    POLICE_PERSONS,
    PUPILS,
    csv_text,
    make_delivery,
    valid_upn,
)
from tests.support.linked import link_by_hand

UPN, SIBLING_UPN = valid_upn(21), valid_upn(22)
DSL = "school:100001:dsl"
SUSPECT = "Adam Testperson"
POSTCODE = "LS6 2AB"
SUMMARY = "Neighbour heard shouting and glass breaking"
INCIDENTS = [
    "incident_id", "occurred_at", "category", "postcode", "dash_risk", "summary",
    "welfare_check", "childrens_services_told",
]  # fmt: skip
PROTOCOL_CONTENT = {
    "child", "date_of_birth", "incident_date", "incident_time", "child_present",
    "welfare_check", "childrens_services_told",
}  # fmt: skip


def _z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def education(folder: Path) -> Path:
    pupils = [
        {"upn": UPN, "legal_forename": "Ava", "legal_surname": "Stone",
         "date_of_birth": "2015-03-04", "sex": "F", "postcode": POSTCODE, "urn": "100001",
         "entry_date": "2020-09-01"},
        {"upn": SIBLING_UPN, "legal_forename": "Ben", "legal_surname": "Stone",
         "date_of_birth": "2017-05-06", "sex": "M", "postcode": POSTCODE, "urn": "100001",
         "entry_date": "2021-09-01"},
    ]  # fmt: skip
    return make_delivery(
        folder,
        "education",
        {
            "schools.csv": csv_text(
                ["urn", "name", "phase", "dsl_name", "dsl_email", "dsl_phone"],
                [
                    [
                        "100001",
                        "Hill Primary",
                        "PRIMARY",
                        "Alex Lead",
                        "dsl@hill.example",
                        "0113 496 0123",
                    ]
                ],
            ),  # fmt: skip
            "pupils.csv": csv_text(PUPILS, pupils),
            "attendance.csv": csv_text(
                [
                    "upn",
                    "urn",
                    "term",
                    "sessions_possible",
                    "sessions_authorised_absence",
                    "sessions_unauthorised_absence",
                ],
                [],
            ),
            "term_dates.csv": csv_text(TERM_DATE_COLUMNS, term_date_rows()),
        },  # fmt: skip
        extracted_at="2026-02-02T06:00:00Z",
    )


def police(folder: Path, incident: str, at: datetime, extracted: datetime) -> Path:
    return make_delivery(
        folder,
        "police",
        {
            "persons.csv": csv_text(
                POLICE_PERSONS,
                [
                    ["PC1", "Ava", "Stone", "2015-03-04", "F", "1 Hill Road", POSTCODE, ""],
                    ["PA1", "Adam", "Testperson", "1985-01-02", "M", "1 Hill Road", POSTCODE, ""],
                ],
            ),  # fmt: skip
            "incidents.csv": csv_text(
                INCIDENTS,
                [[incident, _z(at), "DOMESTIC_ABUSE", POSTCODE, "HIGH", SUMMARY, "Y", "Y"]],
            ),
            "involvements.csv": csv_text(
                POLICE_INVOLVEMENTS,
                [[incident, "PC1", "CHILD_PRESENT"], [incident, "PA1", "SUSPECT"]],
            ),
        },
        extracted_at=_z(extracted),
    )


def link_as_facts(engine: Engine) -> None:
    """P1 = Ava (school and police), P2 = her brother (school only), A1 = the adult (police);
    all three live at one address."""
    people = {
        "P1": [("education", "pupils", UPN), ("police", "persons", "PC1")],
        "P2": [("education", "pupils", SIBLING_UPN)],
        "A1": [("police", "persons", "PA1")],
    }
    now = datetime(2026, 2, 2, tzinfo=UTC)
    with engine.begin() as c:
        run = link_by_hand(c, people, now)
        c.execute(
            insert(linkage_household).values(
                id="H1", address_key=f"{POSTCODE}|1", postcode=POSTCODE, run_id=run
            )
        )
        for member in people:
            c.execute(
                insert(linkage_household_member).values(
                    household_id="H1", person_id=member, from_date=date(2015, 1, 1), evidence=[]
                )
            )


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    with using(NOTHING):
        ingest(engine, education(tmp_path / "ed"), link=False)
    link_as_facts(engine)
    load_agreements(engine, sorted(EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="test")
    return engine


def replayed(store: Engine, folder: Path, incident: str, at: datetime, extracted: datetime):
    with using(LIVE_IN_SIMULATED_TIME):
        ingest(store, police(folder, incident, at, extracted), link=False)
    return alert_inbox.list_alerts(store, rule="OPERATION_ENCOMPASS")


def _uk(*args: int) -> datetime:
    from joinedup.alerts.school_calendar import UK

    return datetime(*args, tzinfo=UK)


# (incident, when it happened, when the police delivery was extracted, due: 08:30 on...)
CASES = [
    pytest.param("INC-FRI", _uk(2026, 3, 6, 22, 40), _uk(2026, 3, 7, 6, 0),
                 _uk(2026, 3, 9, 8, 30), id="friday-night"),
    pytest.param("INC-SAT", _uk(2026, 3, 14, 15, 10), _uk(2026, 3, 15, 6, 0),
                 _uk(2026, 3, 16, 8, 30), id="saturday"),
    # Sunday 3 May 2026, the day before the May Day bank holiday: due on Tuesday (BST).
    pytest.param("INC-BH", _uk(2026, 5, 3, 21, 0), _uk(2026, 5, 4, 6, 0),
                 _uk(2026, 5, 5, 8, 30), id="day-before-a-bank-holiday"),
    # The Friday before the February half term (16-20 February): due the Monday after it.
    pytest.param("INC-HT", _uk(2026, 2, 13, 19, 5), _uk(2026, 2, 14, 6, 0),
                 _uk(2026, 2, 23, 8, 30), id="before-half-term"),
]  # fmt: skip


@pytest.mark.parametrize(("incident", "at", "extracted", "due"), CASES)
def test_the_school_hears_before_the_next_school_day_with_the_protocols_content(
    store: Engine, tmp_path: Path, incident: str, at: datetime, extracted: datetime, due: datetime
) -> None:
    found = replayed(store, tmp_path / "p", incident, at, extracted)
    by_child = {a["child"]: a for a in found}
    assert set(by_child) == {"P1", "P2"}  # the child present and her brother at home
    for child, name, born, present in (
        ("P1", "Ava Stone", "2015-03-04", True),
        ("P2", "Ben Stone", "2017-05-06", False),
    ):
        sent = by_child[child]
        assert sent["recipient"]["key"] == DSL and sent["recipient"]["kind"] == "LEAD"
        assert sent["shared"] is True
        notice = sent["content"]["details"]["police.domestic_abuse"]
        assert notice == {
            "child": name,
            "date_of_birth": born,
            "incident_date": at.date().isoformat(),
            "incident_time": at.strftime("%H:%M"),
            "child_present": present,
            "welfare_check": True,
            "childrens_services_told": True,
        }
        assert set(notice) == PROTOCOL_CONTENT
        shown = repr(sent["content"])
        for never in (SUSPECT, "Testperson", POSTCODE, "Hill Road", SUMMARY, "SUSPECT", "HIGH"):
            assert never not in shown, never  # not who, where, or what happened
        assert sent["raised_at"] == extracted
        assert sent["due_at"] == due
        with store.connect() as c:
            (sent_at,) = c.execute(
                select(alert_message.c.next_attempt_at).where(
                    alert_message.c.alert_id == sent["id"], alert_message.c.channel == "EMAIL"
                )
            ).scalars()
        assert sent_at.replace(tzinfo=sent_at.tzinfo or UTC) < due  # on its way at once


def test_childrens_health_and_the_key_adults_phone_call_when_the_protocol_asks(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_ENCOMPASS_HEALTH_EMAIL", "0-19.team@community.nhs.example")
    monkeypatch.setenv("JOINEDUP_ENCOMPASS_TELEPHONE", "1")
    at, extracted = _uk(2026, 3, 6, 22, 40), _uk(2026, 3, 7, 6, 0)
    school = replayed(store, tmp_path / "p", "INC-FRI", at, extracted)
    health = alert_inbox.list_alerts(store, rule="OPERATION_ENCOMPASS_HEALTH")
    assert {a["child"] for a in health} == {"P1", "P2"}
    for sent in health:
        assert sent["recipient"]["email"] == "0-19.team@community.nhs.example"
        assert sent["shared"] is True  # the agreement's police-to-children's-health flow
        assert set(sent["content"]["details"]["police.domestic_abuse"]) == PROTOCOL_CONTENT
        assert sent["due_at"] == _uk(2026, 3, 9, 8, 30)
    calls = alert_inbox.list_alerts(store, rule="OPERATION_ENCOMPASS_CALL")
    assert {a["child"] for a in calls} == {"P1", "P2"}
    (call,) = [a for a in calls if a["child"] == "P1"]
    assert call["recipient"]["agency"] == "police"
    task = call["content"]["what_happened"]
    assert "Alex Lead" in task and "Hill Primary" in task and "0113 496 0123" in task
    assert "08:30 on Monday 09 March 2026" in task and "Ava Stone" in task
    assert len(school) == 2  # the school's own notifications are unchanged


def test_without_the_switches_only_the_school_hears(store: Engine, tmp_path: Path) -> None:
    replayed(store, tmp_path / "p", "INC-FRI", _uk(2026, 3, 6, 22, 40), _uk(2026, 3, 7, 6, 0))
    assert alert_inbox.list_alerts(store, rule="OPERATION_ENCOMPASS_HEALTH") == []
    assert alert_inbox.list_alerts(store, rule="OPERATION_ENCOMPASS_CALL") == []
