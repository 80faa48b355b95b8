"""CP-IS at the point of care (issue 21): a health professional checks an NHS number and is
told "on a child protection plan / looked after / pre-birth plan" with the local authority's
office and out-of-hours numbers; a plan ended within the kept period is shown with its end,
an older one is not; an unborn child's plan answers on the mother's NHS number; every check
is audited and the local authority is alerted about a flagged child. On SQLite and
PostgreSQL, through real deliveries; links are written as facts (this is not about linkage)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from joinedup.accounts.model import Account
from joinedup.alerts import inbox as alert_inbox
from joinedup.errors import BadInput, Forbidden
from joinedup.services import ingest
from joinedup.services.cp_is import point_of_care_check
from joinedup.store.audit_tables import audit_entry as audit_log
from joinedup.store.unit_of_work import NOTHING, using
from tests.support.deliveries import (
    csv_text,
    fhir_delivery,
    make_delivery,
    valid_nhs_numbers,
)
from tests.support.linked import link_by_hand

NOW = datetime.now(UTC)
TODAY = NOW.date()
PLAN_CHILD, CARED_FOR, MOTHER, ENDED_CHILD, NOBODY = valid_nhs_numbers(5, start=943476600)
WORKER = "W7001"
OFFICE, NIGHT = "0113 496 0000", "0113 496 0999"
NURSE = Account(
    id=1, username="nina.nurse", role="HEALTH_SAFEGUARDING_LEAD", agency="health",
    display_name="Nina Nurse", team="Emergency Department, Exampleshire Hospitals",
)  # fmt: skip


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def social_care(folder: Path) -> Path:
    people = [("C1", "Ava", "2014-01-02"), ("C2", "Ben", "2012-02-03"), ("C3", "Cal", "2013-04-05")]
    files = {
        "ssd_person.csv": csv_text(
            ["pers_person_id", "pers_forename", "pers_surname", "pers_dob"],
            [[p, name, "Stone", born] for p, name, born in people],
        ),
        "ssd_professionals.csv": csv_text(
            ["prof_professional_id", "prof_professional_name", "prof_professional_department"],
            [[WORKER, "Sam Worker", "Child Protection Team"]],
        ),
        "ssd_involvements.csv": csv_text(
            ["invo_involvements_id", "invo_professional_id", "invo_person_id",
             "invo_professional_role_id", "invo_involvement_start_date"],
            [["I1", WORKER, "C1", "Allocated Social Worker", ago(300)]],
        ),
        "ssd_cp_plans.csv": csv_text(
            ["cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan_start_date",
             "cppl_cp_plan_end_date"],
            [["CP1", "C1", ago(200), ""], ["CP2", "C3", ago(400), ago(30)],
             ["CP3", "C3", ago(700), ago(200)]],
        ),
        "ssd_cla_episodes.csv": csv_text(
            ["clae_cla_episode_id", "clae_person_id", "clae_cla_episode_start_date",
             "clae_cla_episode_ceased_date"],
            [["CLA1", "C2", ago(100), ""]],
        ),
        "pre_birth_plans.csv": csv_text(
            ["pbpl_plan_id", "pbpl_mother_nhs_number", "pbpl_expected_delivery_date",
             "pbpl_plan_start_date", "pbpl_plan_end_date"],
            [["PB1", MOTHER, (TODAY + timedelta(days=50)).isoformat(), ago(20), ""],
             ["PB2", "1234567890", ago(1), ago(60), ""]],  # not a valid number: quarantined
        ),
        "service_contacts.csv": csv_text(
            ["line_id", "kind", "service", "phone", "hours"],
            [["front-door", "DUTY", "Children's Services Front Door", OFFICE, "Mon-Fri 9-5"],
             ["edt", "OUT_OF_HOURS", "Emergency Duty Team", NIGHT, "5pm to 9am"]],
        ),
    }  # fmt: skip
    return make_delivery(folder, "social_care", files, extracted_at=stamp(NOW - timedelta(days=2)))


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def health(folder: Path) -> Path:
    def patient(pid: str, nhs: str, given: str, born: str, sex: str) -> dict:
        return {
            "resourceType": "Patient", "id": pid,
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
            "name": [{"family": "Stone", "given": [given]}], "gender": sex, "birthDate": born,
        }  # fmt: skip

    return fhir_delivery(
        folder,
        {
            "Patient": [
                patient("H1", PLAN_CHILD, "Ava", "2014-01-02", "female"),
                patient("H2", CARED_FOR, "Ben", "2012-02-03", "male"),
                patient("H3", ENDED_CHILD, "Cal", "2013-04-05", "male"),
                patient("HM", MOTHER, "Dawn", "1994-06-07", "female"),
            ]
        },
        extracted_at=stamp(NOW - timedelta(days=2)),
    )


def link_as_facts(engine: Engine) -> None:
    people = {
        "P1": [("social_care", "ssd_person", "C1"), ("health", "Patient", "H1")],
        "P2": [("social_care", "ssd_person", "C2"), ("health", "Patient", "H2")],
        "P3": [("social_care", "ssd_person", "C3"), ("health", "Patient", "H3")],
        "M1": [("health", "Patient", "HM")],
    }
    with engine.begin() as c:
        link_by_hand(c, people, NOW)


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    with using(NOTHING):
        report = ingest(engine, social_care(tmp_path / "sc"), link=False)
        ingest(engine, health(tmp_path / "h"), link=False)
    assert report.status != "rejected"
    link_as_facts(engine)
    return engine


def checks_audited(engine: Engine) -> list[dict]:
    with engine.connect() as c:
        rows = c.execute(
            select(audit_log.c.actor, audit_log.c.subject, audit_log.c.details).where(
                audit_log.c.kind == "CP_IS_CHECK"
            )
        ).all()
    return [{"actor": a, "subject": s, **d} for a, s, d in rows]


def test_a_child_on_a_plan_is_shown_with_the_local_authoritys_numbers(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, PLAN_CHILD[:3] + " " + PLAN_CHILD[3:])
    assert answer["flagged"] is True
    assert [(p["kind"], p["current"]) for p in answer["plans"]] == [("CHILD_PROTECTION_PLAN", True)]
    assert answer["local_authority"]["office"]["phone"] == OFFICE
    assert answer["local_authority"]["out_of_hours"]["phone"] == NIGHT
    assert answer["local_authority_told"] is True
    (told,) = alert_inbox.list_alerts(store, rule="CP_IS_CHECK")
    assert told["child"] == "P1" and told["recipient"]["key"] == WORKER
    assert "Nina Nurse" in told["content"]["what_happened"]
    assert told["content"]["contact"]["name"] == "Nina Nurse"
    (audited,) = checks_audited(store)
    assert audited["actor"] == "nina.nurse" and audited["subject"] == "P1"
    assert audited["shown"] == ["CHILD_PROTECTION_PLAN"]
    # A second check while the alert is open is counted on it, not a second alert.
    point_of_care_check(store, NURSE, PLAN_CHILD, now=NOW + timedelta(minutes=5))
    (again,) = alert_inbox.list_alerts(store, rule="CP_IS_CHECK")
    assert again["occurrences"] == 2
    assert len(checks_audited(store)) == 2


def test_a_looked_after_child_and_the_duty_team(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, CARED_FOR)
    assert [p["kind"] for p in answer["plans"]] == ["LOOKED_AFTER"]
    (told,) = alert_inbox.list_alerts(store, rule="CP_IS_CHECK")
    assert told["child"] == "P2" and told["recipient"]["kind"] == "DUTY"
    assert told["recipient"]["agency"] == "social_care"


def test_an_unborn_childs_plan_answers_on_the_mothers_nhs_number(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, MOTHER)
    (plan,) = answer["plans"]
    assert plan["kind"] == "PRE_BIRTH_PLAN" and plan["current"] is True
    assert plan["expected_delivery_date"] == (TODAY + timedelta(days=50)).isoformat()
    (told,) = alert_inbox.list_alerts(store, rule="CP_IS_CHECK")
    assert told["child"] == "M1"  # on the mother's record
    assert "pre birth plan" in told["content"]["what_happened"]


def test_a_plan_ended_within_the_period_is_shown_and_an_older_one_is_not(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, ENDED_CHILD)
    assert [(p["kind"], p["current"], p["ended_on"]) for p in answer["plans"]] == [
        ("CHILD_PROTECTION_PLAN", False, ago(30))
    ]
    assert answer["ended_plans_shown_for_days"] == 90


def test_nothing_recorded_is_said_plainly_and_still_audited(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, NOBODY)
    assert answer["flagged"] is False and answer["plans"] == []
    assert answer["local_authority"]["office"]["phone"] == OFFICE  # the numbers all the same
    assert alert_inbox.list_alerts(store, rule="CP_IS_CHECK") == []
    (audited,) = checks_audited(store)
    assert audited["flagged"] is False and audited["subject"] is None


def test_only_health_roles_may_check_and_a_bad_number_is_refused(store: Engine) -> None:
    social_worker = Account(
        id=2, username="sam", role="SOCIAL_WORKER", agency="social_care", display_name="Sam"
    )
    with pytest.raises(Forbidden):
        point_of_care_check(store, social_worker, PLAN_CHILD)
    with pytest.raises(BadInput):
        point_of_care_check(store, NURSE, PLAN_CHILD[:9] + str((int(PLAN_CHILD[9]) + 1) % 10))
    with pytest.raises(BadInput):
        point_of_care_check(store, NURSE, "٩٤٣٤٧٦٥٩١٩")  # other scripts' digits
    assert checks_audited(store) == [] and alert_inbox.list_alerts(store) == []


def test_the_pre_birth_plan_with_a_bad_nhs_number_was_quarantined(store: Engine) -> None:
    answer = point_of_care_check(store, NURSE, MOTHER)
    assert len(answer["plans"]) == 1
    assert date.fromisoformat(answer["plans"][0]["started_on"]) == TODAY - timedelta(days=20)
