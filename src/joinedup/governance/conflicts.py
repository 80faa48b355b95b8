"""Conflicts between agreements, and two agreements side by side.

Two flows conflict when they cover the same data item from the same source agency to the same
recipient agency, for a role and a purpose they have in common, but state different terms:
lawful basis, Art 9 / Art 10 / Part 3 condition, statutory gateways or retention. A
practitioner could then be told two different things about the same share; the DPOs must
settle it. Only agreements that are active are compared (a draft may differ from what it
will replace).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from joinedup.governance.agreements import Agreement, Flow
from joinedup.governance.law import AgreementStatus

TERMS = ("lawful_basis", "article_9", "article_10", "part_3", "gateways", "retention")


def flow_terms(flow: Flow) -> dict[str, str]:
    """A flow's terms as comparable, printable strings."""
    return {
        "lawful_basis": flow.lawful_basis.value,
        "article_9": flow.article_9.value if flow.article_9 else "-",
        "article_10": flow.article_10.value if flow.article_10 else "-",
        "part_3": flow.part_3.value if flow.part_3 else "-",
        "gateways": ", ".join(sorted(g.value for g in flow.gateways)) or "-",
        "retention": f"{flow.retention.period} from {flow.retention.starts}",
    }


@dataclass(frozen=True, slots=True)
class Conflict:
    field: str  # the data item, <agency>.<item>
    recipient: str
    purposes: tuple[str, ...]  # the purposes both flows cover
    roles: tuple[str, ...]  # the roles both flows cover
    left: str  # "EXM-MASH-001 v3 / health-to-mash"
    right: str
    differences: tuple[tuple[str, str, str], ...]  # (term, left value, right value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "recipient": self.recipient,
            "purposes": list(self.purposes),
            "roles": list(self.roles),
            "left": self.left,
            "right": self.right,
            "differences": [{"term": t, "left": a, "right": b} for t, a, b in self.differences],
        }


def find_conflicts(agreements: Iterable[Agreement]) -> list[Conflict]:
    """Every pair of active flows that overlap and disagree, one entry per data item and
    recipient agency."""
    flows = [(a, f) for a in agreements if a.status is AgreementStatus.ACTIVE for f in a.flows]
    found: list[Conflict] = []
    for i, (a1, f1) in enumerate(flows):
        for a2, f2 in flows[i + 1 :]:
            if f1.source is not f2.source:
                continue
            purposes = set(f1.purposes) & set(f2.purposes)
            roles = set(f1.recipient_roles) & set(f2.recipient_roles)
            if not purposes or not roles:
                continue
            t1, t2 = flow_terms(f1), flow_terms(f2)
            differences = tuple((t, t1[t], t2[t]) for t in TERMS if t1[t] != t2[t])
            if not differences:
                continue
            for recipient in sorted(set(f1.recipients) & set(f2.recipients)):
                for field in sorted(set(f1.fields) & set(f2.fields)):
                    found.append(
                        Conflict(
                            field,
                            recipient.value,
                            tuple(sorted(p.value for p in purposes)),
                            tuple(sorted(r.value for r in roles)),
                            f"{a1.key} / {f1.id}",
                            f"{a2.key} / {f2.id}",
                            differences,
                        )
                    )
    return found


def side_by_side(left: Agreement, right: Agreement) -> list[tuple[str, str, str]]:
    """Rows (what, left, right) comparing two agreements (or two versions of one); only the
    rows that differ, the header rows always."""
    rows: list[tuple[str, str, str]] = [("agreement", left.key, right.key)]

    def add(name: str, a: Any, b: Any) -> None:
        a, b = _show(a), _show(b)
        if a != b:
            rows.append((name, a, b))

    for name in (
        "title",
        "status",
        "effective_from",
        "expires_on",
        "review_by",
        "security_classification",
    ):
        add(name, getattr(left, name), getattr(right, name))
    add("parties", [p.agency.value for p in left.parties], [p.agency.value for p in right.parties])
    add("purposes", [p.value for p in left.purposes], [p.value for p in right.purposes])
    add(
        "dpia",
        f"{left.dpia.reference} ({left.dpia.outcome.value})",
        f"{right.dpia.reference} ({right.dpia.outcome.value})",
    )
    lf, rf = {f.id: f for f in left.flows}, {f.id: f for f in right.flows}
    for flow_id in sorted(lf.keys() | rf.keys()):
        a, b = lf.get(flow_id), rf.get(flow_id)
        if a is None or b is None:
            rows.append(
                (f"flow {flow_id}", "present" if a else "absent", "present" if b else "absent")
            )
            continue
        add(f"flow {flow_id}: to", [x.value for x in a.recipients], [x.value for x in b.recipients])
        add(
            f"flow {flow_id}: roles",
            [x.value for x in a.recipient_roles],
            [x.value for x in b.recipient_roles],
        )
        add(
            f"flow {flow_id}: purposes",
            [x.value for x in a.purposes],
            [x.value for x in b.purposes],
        )
        add(f"flow {flow_id}: items", list(a.items), list(b.items))
        ta, tb = flow_terms(a), flow_terms(b)
        for term in TERMS:
            add(f"flow {flow_id}: {term}", ta[term], tb[term])
    return rows


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(sorted(str(v) for v in value)) or "-"
    return getattr(value, "value", None) or (
        value.isoformat() if hasattr(value, "isoformat") else str(value)
    )
