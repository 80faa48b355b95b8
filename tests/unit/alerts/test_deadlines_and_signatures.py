"""Deadlines in UK time, and the webhook signature a receiver checks."""

from __future__ import annotations

from datetime import UTC, datetime

from joinedup.alerts.channels import signature, verify_signature
from joinedup.alerts.clock import UK, Deadline, due
from joinedup.alerts.rules import RULES, rules_for


def _uk(*args: int) -> datetime:
    return datetime(*args, tzinfo=UK)


def test_operation_encompass_is_due_before_the_next_school_day() -> None:
    friday_night = _uk(2026, 11, 20, 22, 0)
    assert due(Deadline.NEXT_SCHOOL_DAY, friday_night) == _uk(2026, 11, 23, 8, 30)
    tuesday_dawn = _uk(2026, 11, 24, 6, 0)
    assert due(Deadline.NEXT_SCHOOL_DAY, tuesday_dawn) == _uk(2026, 11, 24, 8, 30)
    tuesday_noon = _uk(2026, 11, 24, 12, 0)
    assert due(Deadline.NEXT_SCHOOL_DAY, tuesday_noon) == _uk(2026, 11, 25, 8, 30)


def test_one_working_day_skips_the_weekend_and_an_hour_is_an_hour() -> None:
    friday = _uk(2026, 11, 20, 15, 0)
    assert due(Deadline.ONE_WORKING_DAY, friday) == _uk(2026, 11, 23, 15, 0)
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # across the clocks going forward
    assert (due(Deadline.ONE_HOUR, start) - start).total_seconds() == 3600


def test_signature_binds_body_secret_and_time() -> None:
    body = b'{"alert_id": 1}'
    header = signature("k", 1_800_000_000, body)
    assert verify_signature("k", header, body, now=1_800_000_100)
    assert not verify_signature("k", header, body, now=1_800_000_000 + 301)  # too old
    assert not verify_signature("k", header, body + b" ", now=1_800_000_100)
    assert not verify_signature("j", header, body, now=1_800_000_100)
    assert not verify_signature("k", "garbage", body)


def test_rules_are_declared_with_owner_purpose_and_lawful_basis() -> None:
    for rule in RULES.values():
        assert rule.owner and rule.lawful_basis and rule.purpose and rule.version >= 1
    assert [r.id for r in rules_for("police", "police_incident", "DOMESTIC_ABUSE", "VICTIM")] == [
        "OPERATION_ENCOMPASS"
    ]
    assert not rules_for("police", "police_incident", "MISSING_PERSON", "REPORTING_PERSON")
    assert {r.id for r in rules_for("health", "health_encounter", "EMER", None)} == {
        "CP_IS",
        "CHILD_SELF_HARM",
    }
