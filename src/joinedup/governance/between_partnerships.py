"""Agreements between partnerships (issue 24): the same YAML, with ``between`` naming the two
partnerships, each party and signatory saying whose it is (``partnership``), and each flow
its source's and recipients' partnerships (``from_partnership``, ``to_partnership``) and, for
dated items such as concerns, how far back they may reach (``within_months``).

A party is a (partnership, agency) pair: both partnerships' children's social care may be
parties. Every other rule of an agreement (the data items, Art 9 and Art 10 conditions,
gateways, purposes, recipient roles, sign-off) applies as it does within one partnership.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from joinedup.domain.agencies import AgencyId

if TYPE_CHECKING:
    from joinedup.governance.agreements import Agreement, Flow


def problems(
    agreement: Agreement,
    flow_problems: Callable[[Agreement, Flow], list[str]],
    sign_off_problems: Callable[[Agreement, set[Any]], list[str]],
) -> list[str]:
    """What validation says of an agreement between partnerships; the checks it shares with
    every agreement (a flow's, the sign-off's) are ``agreements``' own, passed in, so that
    this module does not import the one that imports it."""
    found: list[str] = []
    between = set(agreement.between)
    if len(agreement.between) != 2 or len(between) != 2:
        found.append("between: name the two partnerships the agreement is between")
    parties: set[tuple[str, AgencyId]] = set()
    for n, party in enumerate(agreement.parties):
        if party.partnership not in between:
            found.append(f"parties[{n}].partnership: must be one of {', '.join(sorted(between))}")
        key = (str(party.partnership), party.agency)
        if key in parties:
            found.append(
                f"parties[{n}]: {party.agency.value} of {party.partnership} is listed twice"
            )
        parties.add(key)
    for partnership in sorted(between - {p for p, _ in parties}):
        found.append(f"parties: no party of {partnership}")
    for n, flow in enumerate(agreement.flows):
        where = f"flows[{n}] ({flow.id})"
        found += [f"{where}.{p}" for p in _ends(flow, parties)]
        found += [f"{where}.{p}" for p in flow_problems(agreement, flow)]
    if agreement.expires_on is not None and agreement.expires_on <= agreement.effective_from:
        found.append("expires_on: must be after effective_from")
    if agreement.status.value == "active":
        signed = {(str(s.partnership), s.agency) for s in agreement.signatories}
        for partnership, agency in sorted(parties - signed, key=str):
            found.append(
                f"signatories: an active agreement needs a signatory for {agency.value} "
                f"of {partnership}"
            )
        found += [p for p in sign_off_problems(agreement, set()) if not p.startswith("signatories")]
    return found


def _ends(flow: Flow, parties: set[tuple[str, AgencyId]]) -> list[str]:
    found = []
    if flow.from_partnership is None or flow.to_partnership is None:
        return ["from_partnership: a flow between partnerships names both partnerships"]
    if flow.from_partnership == flow.to_partnership:
        found.append("to_partnership: a flow between partnerships goes to the other one")
    if (flow.from_partnership, flow.source) not in parties:
        found.append(f"from: {flow.source.value} of {flow.from_partnership} is not a party")
    for agency in flow.recipients:
        if (flow.to_partnership, agency) not in parties:
            found.append(f"to: {agency.value} of {flow.to_partnership} is not a party")
    return found


def flows_for(agreement: Agreement, source: str, recipient: str, purpose: str) -> list[Flow]:
    """The flows of ``agreement`` from partnership ``source`` to ``recipient`` for
    ``purpose`` (children's social care to children's social care)."""
    return [
        f
        for f in agreement.flows
        if f.from_partnership == source
        and f.to_partnership == recipient
        and purpose in {p.value for p in f.purposes}
    ]


def document_rows(agreement: Agreement) -> list[dict[str, Any]]:
    """Who shares what with whom, for the DSA document of an agreement between
    partnerships."""
    return [
        {
            "flow": f.id,
            "from": f"{f.source.value} of {f.from_partnership}",
            "to": ", ".join(f"{a.value} of {f.to_partnership}" for a in f.recipients),
            "items": list(f.items),
            "within_months": f.within_months,
        }
        for f in agreement.flows
    ]
