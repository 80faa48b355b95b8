"""The CP-IS point-of-care check (``alerts.cp_is_check``) as a use case: health roles only,
the NHS number checked, every check audited (``CP_IS_CHECK``, with what it showed) and the
local authority told of a flagged child, all in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.accounts.model import Account
from joinedup.alerts import contacts, cp_is_check
from joinedup.config import alert_settings
from joinedup.domain.identifiers import InvalidIdentifier, NHSNumber
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.governance.roles import ROLE_RULES, Role


def valid_nhs_number(raw: str) -> str:
    """The NHS number as ten digits, or BadInput naming the field."""
    if not raw.isascii():
        raise BadInput("not a valid NHS number: must be 10 digits (0-9)", field="nhs_number")
    try:
        return NHSNumber(raw).value
    except InvalidIdentifier as error:
        # The reason only: a refusal never shows back what was sent.
        raise BadInput(f"not a valid NHS number: {error.reason}", field="nhs_number") from None


def _checker(account: Account) -> dict[str, Any]:
    role = ROLE_RULES[Role(account.role)].title
    return {
        "name": account.display_name,
        "username": account.username,
        "role": role,
        "organisation": account.team or contacts.agency_title(account.agency),
        "agency": contacts.agency_title(account.agency),
    }


def point_of_care_check(
    engine: Engine, account: Account, nhs_number: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Is the person with this NHS number on a child protection plan, looked after, or on a
    pre-birth plan (as the expectant mother), now or within the kept period; with the local
    authority's office and out-of-hours numbers."""
    uses.CP_IS_CHECK.check(account)
    nhs = valid_nhs_number(nhs_number)
    now = now or datetime.now(UTC)
    settings = alert_settings()
    today = now.date()
    with engine.begin() as connection:
        flags = cp_is_check.flags_for(connection, nhs, today, settings.cp_is_ended_plan_days)
        checker = _checker(account)
        alerted = (
            cp_is_check.tell_local_authority(connection, flags, checker, settings, now)
            if flags
            else []
        )
        answer = {
            "nhs_number": nhs,
            "checked_at": now.isoformat(),
            "flagged": bool(flags),
            "plans": [f.to_dict(today) for f in flags],
            "ended_plans_shown_for_days": settings.cp_is_ended_plan_days,
            "local_authority": cp_is_check.local_authority(connection, settings),
            "local_authority_told": bool(flags),
        }
        append(
            connection,
            kind="CP_IS_CHECK",
            actor=account.username,
            actor_role=account.role,
            subject=next((f.person_id for f in flags if f.person_id), None),
            details={
                "nhs_number": nhs,
                "flagged": bool(flags),
                "shown": [f.kind for f in flags],
                "alerts": alerted,
            },
            recorded_at=now,
        )
    return answer
