"""More than ``MESSAGES_PER_HOUR`` emails to one recipient in an hour: the rest wait an hour
(the inbox has them at once); another recipient, and an hour later, are not held back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from joinedup.alerts import raising, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.config import alert_settings
from joinedup.governance.purposes import Purpose
from joinedup.store.alert_tables import alert_message
from tests.support.alerts import social_worker


def _recipient(key: str) -> routing.Recipient:
    return social_worker(key, Purpose.CHILD_PROTECTION_ENQUIRY)


def _raise(connection, cause: str, to: routing.Recipient, now: datetime) -> int:  # type: ignore[no-untyped-def]
    finding = Finding(
        RULES["MISSING_EPISODES"], "P-RATE", [], cause, date(2026, 1, 5), now, {}, "missing"
    )
    alert_id, what = raising.raise_alert(connection, finding, to, alert_settings(), now, fold=False)
    assert what == "raised" and alert_id is not None
    return alert_id


def _waits(connection, alert_id: int, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    due = connection.execute(
        select(alert_message.c.next_attempt_at).where(
            alert_message.c.alert_id == alert_id, alert_message.c.channel == "EMAIL"
        )
    ).scalar_one()
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    return due > now


def test_emails_beyond_the_hourly_limit_wait_an_hour(loaded: Engine) -> None:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    busy, other = _recipient("busy.worker"), _recipient("other.worker")
    with loaded.begin() as connection:
        first = [_raise(connection, f"c{n}", busy, now) for n in range(raising.MESSAGES_PER_HOUR)]
        over = _raise(connection, "over", busy, now)
        elsewhere = _raise(connection, "c0", other, now)
        later = _raise(connection, "later", busy, now + timedelta(hours=1, minutes=1))

        assert not any(_waits(connection, a, now) for a in first)
        assert _waits(connection, over, now)
        assert not _waits(connection, elsewhere, now)
        assert not _waits(connection, later, now + timedelta(hours=1, minutes=1))
