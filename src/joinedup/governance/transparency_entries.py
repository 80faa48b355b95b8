"""Each audit entry of a transparency report in plain words (``describe``), and the law it
relied on (``law_of``): what the entry says, else the terms of the agreement flows it relied
on, else a service's public task. ``governance.transparency`` builds the report from these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from joinedup.errors import JoinedUpError, NotFound
from joinedup.governance import transparency_words as say
from joinedup.governance.audit.log import AuditEntry

# The law of an entry that is not a share under an agreement.
_KIND_LAW = {"BREAK_GLASS": say.EMERGENCY_LAW, "CHILD_VOICE_RECORDED": say.VOICE_LAW}
REVIEWED = {
    "APPROPRIATE": "Someone checked afterwards and found it was the right thing to do.",
    "INAPPROPRIATE": "Someone checked afterwards, found it should not have happened, and is "
    "dealing with it.",
    "NEEDS_FOLLOW_UP": "Someone checked afterwards and is looking into it further.",
}


def fields_of(entry: AuditEntry) -> list[str]:
    found = entry.details.get("allowed", entry.details.get("fields", []))
    return [str(f) for f in found] if isinstance(found, list) else []


def agreements_relied_on(connection: Connection, entries: list[AuditEntry]) -> dict[str, Any]:
    """The agreement versions the entries relied on ("ID vN" -> Agreement), if the
    agreements capability is installed and its table exists."""
    wanted = {str(k) for e in entries for k in e.details.get("agreements") or []}
    if not wanted:
        return {}
    try:
        from joinedup.governance.agreement_store import get
    except ImportError:
        return {}
    found: dict[str, Any] = {}
    savepoint = connection.begin_nested()  # an older store may lack the agreements table
    try:
        for key in sorted(wanted):
            agreement_id, _, version = key.partition(" v")
            try:
                found[key] = get(
                    connection, agreement_id, int(version) if version.isdigit() else None
                )
            except NotFound:
                continue
        savepoint.commit()
    except (SQLAlchemyError, JoinedUpError):
        savepoint.rollback()
    return found


def _agreed_law(entry: AuditEntry, agreements: dict[str, Any]) -> str:
    """The law for an access or share, in plain words: what the entry says, else the terms of
    the agreement flows it relied on (source, recipient and purpose all matching), else,
    for a service's own data, its public task."""
    details = entry.details
    bases = [details["lawful_basis"]] if details.get("lawful_basis") else []
    gateways = list(details.get("gateways") or [])
    reader = details.get("agency") or details.get("to_agency") or details.get("recipient")
    fields = fields_of(entry)
    for key in details.get("agreements") or []:
        for flow in getattr(agreements.get(str(key)), "flows", ()):
            if (
                reader in {r.value for r in flow.recipients}
                and (entry.purpose is None or entry.purpose in {p.value for p in flow.purposes})
                and any(f == f"{flow.source.value}.{i}" for f in fields for i in flow.items)
            ):
                bases.append(flow.lawful_basis.value)
                gateways += [g.value for g in flow.gateways]
    if not bases:
        own = all(f.split(".")[0] == (details.get("from_agency") or reader) for f in fields)
        return say.OWN_SERVICE_LAW if own else say.AGREEMENT_LAW
    text = say.join([say.lawful_basis(b) for b in bases])
    if gateways:
        text += f". It is also written in {say.join([say.gateway(g) for g in gateways])}"
    return text


def _what(entry: AuditEntry, reader: str | None) -> str:
    """One short sentence per service the information came from."""
    by_source: dict[str, list[str]] = {}
    for f in fields_of(entry):
        by_source.setdefault(f.split(".")[0], []).append(say.item(f))
    return " ".join(
        f"From {'their own service' if source == reader else say.service(source)}: "
        f"{say.join(items)}."
        for source, items in by_source.items()
    )


def describe(entry: AuditEntry, review: str | None) -> str | None:
    """The plain sentences for one entry (None: nothing was shown, or nothing to say).
    Short sentences on purpose: who and what, then why."""
    d, day = entry.details, say.when(entry.recorded_at.date())
    who = f"{say.role(entry.actor_role)} from {say.service(d.get('agency'))}"
    why = f"They did it {say.purpose(entry.purpose)}."
    if entry.kind == "ACCESS":
        if not fields_of(entry):
            return None
        emergency = " It was an emergency." if d.get("emergency") else ""
        return (
            f"On {day}, {who} looked at information about you. "
            f"{_what(entry, d.get('agency'))} {why}{emergency}"
        )
    if entry.kind == "SHARE":
        source, to = d.get("from_agency"), d.get("to_agency") or d.get("recipient")
        items = say.join([say.item(f) for f in fields_of(entry)]) or "information about you"
        return (
            f"On {day}, {say.service(source)} shared information about you with "
            f"{say.service(to)}. They shared {items}. {why}"
        )
    if entry.kind in say.EXCHANGE_KINDS:
        return say.exchange(entry.kind, day, d, [say.item(f) for f in fields_of(entry)], why)
    if entry.kind == "CHILD_VOICE_RECORDED":
        return (
            f"On {day}, {who} wrote down what you told them about what you want and how "
            f"you feel. {why}"
        )
    if entry.kind == "BREAK_GLASS":
        checked = review or "Someone checks every time this happens."
        return (
            f"On {day}, {who} opened your record in an emergency. They were worried you "
            f"might not be safe. {checked}"
        )
    return None


def law_of(entry: AuditEntry, agreements: dict[str, Any]) -> str:
    """The law an entry relied on, in plain words: an emergency access's or a child's words'
    own, else an access's or share's (``_agreed_law``)."""
    return _KIND_LAW.get(entry.kind) or _agreed_law(entry, agreements)
