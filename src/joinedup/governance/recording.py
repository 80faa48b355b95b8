"""Decisions with the store: the PDP for the stored agreements, every decision audited, and
legitimate relationships read from the involvement records.

These functions take a ``Connection`` the caller owns, so the audit entry commits (or rolls
back) with the read it records. The decision logic itself stays in ``pdp`` (no ORM there).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select

from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.agreement_store import current_agreements, fingerprint
from joinedup.governance.audit import append, append_many
from joinedup.governance.grants import EmergencyGrant, active_grants, effective_request
from joinedup.governance.pdp import UK, PolicyDecisionPoint
from joinedup.governance.purposes import Relationship
from joinedup.store.tables import involvement, practitioner

_engines: dict[tuple[tuple[str, int, str], ...], PolicyDecisionPoint] = {}
_engines_lock = threading.Lock()


def engine_for(connection: Connection) -> PolicyDecisionPoint:
    """The PDP for the agreements now current in the store: compiled once per distinct set
    of agreements (their content hashes), so a newly loaded version takes effect on the next
    decision and never mixes with cached decisions of the old one."""
    key = fingerprint(connection)
    with _engines_lock:
        pdp = _engines.get(key)
    if pdp is not None:
        return pdp
    pdp = PolicyDecisionPoint(current_agreements(connection))
    with _engines_lock:
        if len(_engines) >= 8:  # old agreement sets are rarely asked for again
            _engines.clear()
        return _engines.setdefault(key, pdp)


def decide_and_record(
    connection: Connection,
    request: AccessRequest,
    *,
    pdp: PolicyDecisionPoint | None = None,
    now: datetime | None = None,
    family_of: str | None = None,
) -> Decision:
    """Decide ``request`` and append the decision to the audit log (kind ``ACCESS``): who,
    role, agency, purpose, child, fields requested/allowed/denied, emergency, reasons. An
    emergency flag counts only while a break-glass grant covers the request. ``family_of``
    names the child whose single view asked about this adult (the family section): the
    entry's subject is still the adult whose record was read."""
    now = now or datetime.now(UTC)
    note = None
    if request.emergency:
        grants = active_grants(connection, request.user_id, request.child_id, now)
        request, note = effective_request(request, grants, now)
    pdp = pdp or engine_for(connection)
    decision = pdp.decide(request, today=now.astimezone(UK).date())
    if note:
        decision = replace(decision, reasons=(note, *decision.reasons))
    entry = _access_entry(request, decision, now)
    if family_of:
        entry["details"]["family_of"] = family_of
    append(connection, **entry)
    return decision


def decide_and_record_many(
    connection: Connection,
    requests: list[AccessRequest],
    *,
    now: datetime | None = None,
    grants: Mapping[str, list[EmergencyGrant]] | None = None,
    family_of: str | None = None,
) -> list[Decision]:
    """``decide_and_record`` for several requests, their audit entries appended in order in
    one batch: what alerts raised in bulk and the bulk gate use. An emergency request needs
    ``grants`` (the user's grants in force at ``now``, by child, from ``active_grants_for``):
    it is decided as ``decide_and_record`` would, with the grants given. ``family_of`` as for
    ``decide_and_record``: the child whose single view asked about these adults."""
    now = now or datetime.now(UTC)
    if grants is None and any(r.emergency for r in requests):
        raise ValueError("an emergency request needs the grants in force (active_grants_for)")
    pdp = engine_for(connection) if requests else None
    today = now.astimezone(UK).date()
    asked: list[AccessRequest] = []
    decisions: list[Decision] = []
    for request in requests:
        note = None
        if request.emergency and grants is not None:
            request, note = effective_request(request, grants.get(request.child_id, []), now)
        assert pdp is not None
        decision = pdp.decide(request, today=today)
        if note:
            decision = replace(decision, reasons=(note, *decision.reasons))
        asked.append(request)
        decisions.append(decision)
    entries = [_access_entry(r, d, now) for r, d in zip(asked, decisions, strict=True)]
    if family_of:
        for entry in entries:
            entry["details"]["family_of"] = family_of
    append_many(connection, entries)
    return decisions


def _access_entry(request: AccessRequest, decision: Decision, now: datetime) -> dict[str, Any]:
    return {
        "kind": "ACCESS",
        "actor": request.user_id,
        "actor_role": request.role.value,
        "purpose": request.purpose.value,
        "subject": request.child_id,
        "details": {
            "agency": request.agency.value,
            "team": request.team,
            "relationships": sorted(r.value for r in request.relationships),
            "emergency": decision.emergency,
            "sealed": sorted(s.value for s in request.sealed),
            "requested": sorted(request.fields),
            "allowed": sorted(decision.allowed_fields),
            "denied": sorted(decision.denied_fields),
            "reasons": list(decision.reasons),
            "agreements": list(decision.agreement_ids),
            "policy_version": decision.policy_version,
        },
        "recorded_at": now,
    }


# Built once with bound parameters: every governed read asks these, and building the
# expressions per request cost more than running them.
_TEAM = select(practitioner.c.team).where(
    practitioner.c.agency_id == bindparam("agency"),
    practitioner.c.practitioner_key == bindparam("key"),
)
_COLLEAGUES = select(practitioner.c.practitioner_key).where(
    practitioner.c.agency_id == bindparam("agency"), practitioner.c.team == bindparam("team")
)
_INVOLVED_PRACTITIONERS = select(involvement.c.practitioner_key).where(
    involvement.c.agency_id == bindparam("agency"),
    involvement.c.person_source_id.in_(bindparam("sources", expanding=True)),
    or_(involvement.c.start_date.is_(None), involvement.c.start_date <= bindparam("on")),
    or_(involvement.c.end_date.is_(None), involvement.c.end_date >= bindparam("on")),
)


def relationships_from_store(
    connection: Connection,
    *,
    agency: str,
    practitioner_key: str,
    child_records: Iterable[tuple[str, str]],
    on: date,
) -> frozenset[Relationship]:
    """The relationships the store can show between a practitioner of ``agency`` and a
    child, whose records are ``(agency, person_source_id)`` pairs: INVOLVED when the
    practitioner has an involvement with the child active on ``on``; TEAM_CASELOAD when
    someone in the practitioner's team has. (MASH_TRIAGE comes from the MASH triage list,
    SUBJECT_ACCESS_REQUEST and ACCESS_REVIEW from the privacy officer's case; the callers
    that own those lists add them.)"""
    sources = sorted({s for a, s in child_records if a == agency})
    if not sources:
        return frozenset()
    team = connection.execute(_TEAM, {"agency": agency, "key": practitioner_key}).scalar()
    rows = connection.execute(
        _INVOLVED_PRACTITIONERS, {"agency": agency, "sources": sources, "on": on}
    ).scalars()
    keys = set(rows)
    found: set[Relationship] = set()
    if practitioner_key in keys:
        found.add(Relationship.INVOLVED)
    if team is not None and keys & set(
        connection.execute(_COLLEAGUES, {"agency": agency, "team": team}).scalars()
    ):
        found.add(Relationship.TEAM_CASELOAD)
    return frozenset(found)
