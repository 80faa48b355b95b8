"""Reasons in words for a field no policy permitted.

Cedar says "no permit applied"; a DPO needs to hear which of these it was: no agreement
shares the item with that agency at all, not for that purpose, not with that role, the
agreement that would is not in force (draft, under review, suspended, expired, not yet in
effect), or the purpose does not reach that part of the agency's own record. This module
only explains: it never decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import Agreement, Flow
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.purposes import PURPOSES, OwnScope

FlowIndex = dict[str, list[tuple[Agreement, Flow]]]


def flow_index(agreements: Iterable[Agreement]) -> FlowIndex:
    """Every flow of every agreement, by the fields it shares (built once per reload)."""
    index: FlowIndex = {}
    for agreement in agreements:
        for flow in agreement.flows:
            for name in flow.fields:
                index.setdefault(name, []).append((agreement, flow))
    return index


def explain_unpermitted(
    request: AccessRequest, field: str, flows_by_field: FlowIndex, today: date
) -> str:
    """Why no policy permitted ``field`` for ``request`` (one sentence)."""
    item = CATALOGUE[field]
    purpose = request.purpose.value
    agency = request.agency.value
    if item.agency is request.agency:
        scope = PURPOSES[request.purpose].own_scope
        reach = {
            OwnScope.ALL: "all of it",
            OwnScope.NO_FREE_TEXT: "structured data only, never free text",
            OwnScope.IDENTITY: "identity only",
        }[scope]
        return f"{purpose} reaches {reach} of {agency}'s own record"
    special = (
        " It is special category data (Art 9): only an agreement that covers it, with an Art 9"
        " condition, for this recipient, role and purpose can allow it."
        if item.special_category
        else ""
    )
    flows = [(a, f) for a, f in flows_by_field.get(field, []) if request.agency in f.recipients]
    if not flows:
        return f"no agreement shares {field} with {agency}.{special}"
    for_purpose = [(a, f) for a, f in flows if request.purpose in f.purposes]
    if not for_purpose:
        shared_for = sorted({p.value for _, f in flows for p in f.purposes})
        return (
            f"no agreement shares {field} with {agency} for {purpose} "
            f"(it is shared for {', '.join(shared_for)}).{special}"
        )
    for_role = [(a, f) for a, f in for_purpose if request.role in f.recipient_roles]
    if not for_role:
        roles = sorted({r.value for _, f in for_purpose for r in f.recipient_roles})
        return (
            f"{field} is shared with {agency} for {purpose} only with "
            f"{', '.join(roles)}, not {request.role.value}.{special}"
        )
    not_in_force = sorted({a.why_not_in_force(today) for a, _ in for_role if not a.in_force(today)})
    if not_in_force:
        return "; ".join(not_in_force) + f", so {field} is not shared"
    return f"no policy permits {field}"  # unreachable while compiler and agreements agree
