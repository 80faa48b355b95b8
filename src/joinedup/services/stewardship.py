"""Record-keeping tasks that show identifying data: why records linked, which household a
person was placed in, the clerical review of uncertain links, quarantined rows as delivered.

These are not reads of a child's case record for casework (those go through the gate with a
declared purpose): they keep the partnership's records accurate (UK GDPR Art 5(1)(d)), and
only the data stewards do them (partnership analysts and administrators; the privacy officer
may read quarantined rows, to answer an agency). Each checks the caller's role and writes an
audit entry in the same unit of work. The CLI names its caller with ``--as USERNAME`` (an
account in the store), exactly as the web app does with the signed-in account.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from joinedup.errors import NotFound
from joinedup.governance import uses
from joinedup.services.oversight import Who, _audit, name_of


def account_named(engine: Engine, username: str) -> Any:
    """The active account ``username`` (the CLI's caller); ``NotFound`` otherwise."""
    from joinedup.accounts.store import get

    with engine.connect() as connection:
        account = get(connection, username)
    if account.disabled:
        raise NotFound(f"no active account {username!r}")
    return account


def reader_named(engine: Engine, username: str, purpose: str) -> Any:
    """The ``Reader`` for a CLI caller: their account, acting for the purpose they declare
    (checked against what their role may declare)."""
    from joinedup.governance.reader import Reader

    account = account_named(engine, username)
    return Reader.build(
        user_id=account.username,
        role=account.role,
        agency=account.agency,
        purpose=purpose,
        team=account.team,
        practitioner_key=account.practitioner_key,
        display_name=account.display_name,
    )


def explain_link(engine: Engine, who: Who, person_id: str) -> Any:
    """Why the person's records joined (records and match weights), for a data steward."""
    from joinedup.linkage.explain import explain

    uses.EXPLAIN_LINK.check(who)
    with engine.begin() as connection:
        explanation = explain(connection, person_id)
        _audit(connection, who, "LINK_EXPLAINED", subject=person_id)
    return explanation


def household_of(
    engine: Engine, who: Who, person_id: str, on: date | None = None
) -> dict[str, Any]:
    """The person's households and family as the linkage built them, for a data steward."""
    from joinedup.linkage.households import family

    uses.HOUSEHOLDS.check(who)
    with engine.begin() as connection:
        found = family(connection, person_id, on)
        _audit(connection, who, "HOUSEHOLD_READ", subject=person_id)
    return found


def quarantined_rows(engine: Engine, who: Who, **filters: Any) -> dict[str, Any]:
    """Quarantined rows (their messages can quote the refused value)."""
    from joinedup.ingest.quarantine import list_quarantined

    uses.QUARANTINE.check(who)
    with engine.begin() as connection:
        result = list_quarantined(connection, **filters)
        _audit(connection, who, "QUARANTINE_LISTED", **{k: v for k, v in filters.items() if v})
    return result


def quarantined_row(engine: Engine, who: Who, row_id: int) -> dict[str, Any]:
    """One quarantined row whole, as delivered (personal data)."""
    from joinedup.ingest.quarantine import show_quarantined

    uses.QUARANTINE.check(who)
    with engine.begin() as connection:
        result = show_quarantined(connection, row_id)
        _audit(connection, who, "QUARANTINE_ROW_READ", row_id=row_id)
    return result


# --- the privacy officer's transparency reports ----------------------------------------------


def transparency_report(engine: Engine, who: Who, person_id: str, *, requester: str) -> Any:
    """What was shared about the person, for a subject access or transparency request
    (DPA 2018 Sch 3 exemptions applied and recorded); the privacy officer produces it."""
    from joinedup.governance.transparency import build_report

    uses.TRANSPARENCY.check(who)
    with engine.begin() as connection:
        return build_report(connection, person_id, requester=requester, actor=name_of(who))


def mark_exempt(engine: Engine, who: Who, seq: int, exemption: str, note: str = "") -> Any:
    """The privacy officer withholds an audit entry from transparency reports (Sch 3)."""
    from joinedup.governance.transparency import mark_exempt as mark

    uses.TRANSPARENCY.check(who)
    with engine.begin() as connection:
        return mark(connection, seq, exemption, name_of(who), note)
