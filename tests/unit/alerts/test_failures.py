"""A dead letter says where and what failed, never whom: the reason keeps the error's class
and the first line of its message with the values taken out; the stage is the innermost
one an exception left; the backoff doubles from 5 seconds to an hour."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from joinedup.alerts import failures
from joinedup.alerts.dead_letters import backoff


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (KeyError("_"), "KeyError: '_'"),
        (KeyError("Jack Miller"), "KeyError: '…'"),
        (KeyError("concern_id"), "KeyError: 'concern_id'"),
        (ValueError("no lead for Jack Miller (NHS 9434765919), LS6 2AB"),
         "ValueError: no lead for … (NHS …), <postcode>"),
        (RuntimeError("born 2016-07-12\nsecond line with Jack Miller"),
         "RuntimeError: born …-07-12"),
        (smtplib.SMTPRecipientsRefused({"jack.miller@school.example": (550, b"no such user")}),
         "SMTPRecipientsRefused: {'…': (550, b'…')}"),
        (IntegrityError("INSERT", {"k": "CP_IS|P-000123|x"}, Exception(
            'duplicate key value violates unique constraint "uq_alert_dedup_key"\n'
            "DETAIL:  Key (dedup_key)=(CP_IS|P-000123|x) already exists.")),
         'IntegrityError: duplicate key value violates unique constraint "uq_alert_dedup_key"'),
        (AttributeError("'list' object has no attribute 'get'"),
         "AttributeError: '…' object has no attribute '…'"),
        (Exception(), "Exception: (no message)"),
        (ValueError("x" * 500), "ValueError: " + "x" * 199 + "…"),
    ],
)  # fmt: skip
def test_the_reason_keeps_what_failed_and_takes_out_whom(error: Exception, expected: str) -> None:
    assert failures.describe(error) == expected


def test_the_innermost_stage_names_the_failure() -> None:
    with (
        pytest.raises(LookupError) as caught,
        failures.at(failures.RULE_EVALUATION),  # outer
        failures.at(failures.POLICY_DECISION),  # inner
    ):
        raise LookupError("x")
    assert failures.stage_of(caught.value, "default") == failures.POLICY_DECISION
    assert failures.stage_of(ValueError(), "default") == "default"


def test_a_busy_or_absent_store_is_not_an_item_s_fault() -> None:
    assert failures.store_unavailable(OperationalError("SELECT", {}, Exception("locked")))
    assert not failures.store_unavailable(IntegrityError("INSERT", {}, Exception("dup")))
    assert not failures.store_unavailable(KeyError("_"))


def test_backoff_doubles_from_five_seconds_to_an_hour() -> None:
    waits = [backoff(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert waits[-1] == timedelta(hours=1) and max(waits) == timedelta(hours=1)
