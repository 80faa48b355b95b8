"""Alert use cases: the signed-in practitioner's inbox, the operators' list and dashboard,
acknowledgement, rules, worker, replay. Every function that shows alerts takes the caller's
account: a practitioner sees the alerts addressed to them (their account's practitioner key
in their agency); the MASH and administrators oversee them all. The queries are in
``joinedup.alerts.inbox``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.accounts.model import Account
from joinedup.alerts import inbox as stored
from joinedup.errors import Forbidden, NotFound
from joinedup.governance import uses
from joinedup.governance.roles import Role

# Who oversees every alert (the SLA dashboard, escalations to the MASH).
OVERSEERS = frozenset({Role.MASH_PRACTITIONER, Role.ADMINISTRATOR})


def _audit_read(
    engine: Engine, account: Account, kind: str, subject: str | None = None, **details: Any
) -> None:
    """Every read of alerts is an entry in the audit log: an alert names a child and what
    happened to them."""
    from joinedup.governance.audit import append

    with engine.begin() as connection:
        append(
            connection,
            kind=kind,
            actor=account.username,
            actor_role=account.role,
            subject=subject,
            details=details,
        )


def _oversees(account: Account) -> bool:
    return account.role in {r.value for r in OVERSEERS}


def _require_overseer(account: Account) -> None:
    if not _oversees(account):
        raise Forbidden("every alert is for the MASH and administrators; use your inbox")


def _addressed_to(found: dict[str, Any], account: Account) -> bool:
    recipient = found["recipient"]
    return bool(
        account.practitioner_key
        and recipient["key"] == account.practitioner_key
        and recipient["agency"] == account.agency
    )


def list_alerts(
    engine: Engine,
    account: Account,
    *,
    status: str | None = None,
    rule: str | None = None,
    recipient: str | None = None,
    child: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Every alert, newest first, filtered (the MASH and administrators only)."""
    _require_overseer(account)
    found = stored.list_alerts(
        engine, status=status, rule=rule, recipient=recipient, child=child, limit=limit
    )
    _audit_read(
        engine, account, "ALERTS_LISTED", child,
        alerts=[a["id"] for a in found if "id" in a], status=status, rule=rule,
    )  # fmt: skip
    return found


def inbox(
    engine: Engine, account: Account, practitioner_key: str, *, include_done: bool = False
) -> list[dict[str, Any]]:
    """A practitioner's alerts by key: one's own, or anyone's for an overseer."""
    if practitioner_key != account.practitioner_key:
        _require_overseer(account)
    found = stored.inbox(engine, practitioner_key, include_done=include_done)
    _audit_read(
        engine, account, "ALERT_INBOX_READ", None,
        practitioner_key=practitioner_key, alerts=[a["id"] for a in found if "id" in a],
    )  # fmt: skip
    return found


def get_alert(engine: Engine, account: Account, alert_id: int) -> dict[str, Any]:
    """One alert with its messages: one's own, or any for an overseer ("not found" else)."""
    found = stored.get_alert(engine, alert_id)
    if not (_addressed_to(found, account) or _oversees(account)):
        raise NotFound(f"no alert {alert_id} in your inbox")
    _audit_read(engine, account, "ALERT_READ", found.get("child"), alert_id=alert_id)
    return found


def acknowledge(
    engine: Engine, account: Account, alert_id: int, action_taken: str
) -> dict[str, Any]:
    """Acknowledge an alert (one's own, or any for an overseer) with the action taken."""
    get_alert(engine, account, alert_id)
    return stored.acknowledge(engine, alert_id, account.username, action_taken)


def dashboard(engine: Engine, account: Account, now: datetime | None = None) -> dict[str, Any]:
    """SLA figures per rule (the MASH and administrators)."""
    _require_overseer(account)
    return stored.dashboard(engine, now)


def _key_of(account: Account) -> str:
    """The practitioner key an account receives alerts under (its agency feed's key)."""
    if not account.practitioner_key:
        raise NotFound(
            "your account is not linked to a practitioner in your agency's records, so no "
            "alert is addressed to you: ask an administrator to set its practitioner key"
        )
    return account.practitioner_key


def my_inbox(
    engine: Engine, account: Account, *, include_done: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """The signed-in practitioner's alerts (those addressed to their practitioner key in
    their agency), open ones first by due time. An account without a key has none."""
    uses.ALERT_INBOX.check(account)
    if not account.practitioner_key:
        return []
    found = stored.inbox(
        engine,
        account.practitioner_key,
        agency=account.agency,
        include_done=include_done,
        limit=limit,
    )
    _audit_read(
        engine, account, "ALERT_INBOX_READ", None,
        alerts=[a["id"] for a in found if "id" in a], include_done=include_done,
    )  # fmt: skip
    return found


def my_alert(engine: Engine, account: Account, alert_id: int) -> dict[str, Any]:
    """One alert of the signed-in practitioner's inbox; anyone else's is "not found" (its
    existence is not revealed). The read is audited, with the child as its subject."""
    found = _mine(engine, account, alert_id)
    _audit_read(engine, account, "ALERT_READ", found.get("child"), alert_id=alert_id)
    return found


def _mine(engine: Engine, account: Account, alert_id: int) -> dict[str, Any]:
    uses.ALERT_INBOX.check(account)
    key = _key_of(account)
    found = stored.get_alert(engine, alert_id)
    recipient = found["recipient"]
    if recipient["key"] != key or recipient["agency"] != account.agency:
        raise NotFound(f"no alert {alert_id} in your inbox")
    found["person_link"] = f"/people/{found['child']}"
    return found


def acknowledge_mine(
    engine: Engine, account: Account, alert_id: int, action_taken: str
) -> dict[str, Any]:
    """Acknowledge an alert of one's own inbox with the action taken."""
    _mine(engine, account, alert_id)
    stored.acknowledge(engine, alert_id, account.username, action_taken)
    return my_alert(engine, account, alert_id)


def rules() -> list[dict[str, Any]]:
    from joinedup.alerts.rules import RULES

    return [r.to_dict() for r in RULES.values()]


def run_worker(
    engine: Engine, *, once: bool = False, poll_seconds: float = 0.5, on_cycle: Any = None
) -> dict[str, Any]:
    from joinedup.alerts.worker import run

    return run(engine, once=once, poll_seconds=poll_seconds, on_cycle=on_cycle,
               duties=worker_duties()).to_dict()  # fmt: skip


def worker_duties() -> tuple[Any, ...]:
    """What the alerts worker does besides alerts: the exchange with partner partnerships
    after each delivery (``services.exchange_follow``; nothing without partners)."""
    from joinedup.services import exchange_follow

    return (exchange_follow.duty,)


def alert_on_rescore(engine: Engine, person_ids: list[str], on: Any = None) -> dict[str, Any]:
    """Re-score children (issue 7's ``rescore``) and raise RISK_ESCALATION alerts for what
    escalated, in one transaction."""
    from datetime import date

    from joinedup.alerts.risk_escalation import raise_for_changes
    from joinedup.risk.scoring import rescore

    with engine.begin() as connection:
        try:
            changes = rescore(connection, person_ids, on=on or date.today())
        except LookupError:
            raise NotFound("no risk model yet: run `joinedup risk train`") from None
        raised = raise_for_changes(connection, changes)
    return {"rescored": len(changes), "alerts": raised}
