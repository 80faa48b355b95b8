"""Compile agreements, role rules, the legitimate-relationship rule and the sealed-record
rules into one Cedar policy set (text), once per change of agreements.

In: the agreements (only those with status ``active`` become ``permit`` policies; their dates
are checked inside the policy against ``context.today``, so a compiled set never goes stale
with the clock). Out: ``CompiledPolicies``: the Cedar text, its schema, one ``PolicyMeta`` per
policy (its ``@id``, effect, what it says in words), and the field classes.

Every per-request fact travels in the Cedar ``context`` (role, agency, purpose,
relationships, emergency, today, sealed, and the pairs ``role_agency``, ``role_purpose`` and
``purpose_relationships`` spelt ``A:B`` so that one set-membership test holds a whole rule
table); no policy names a user or a child, so a decision is a pure function of the context
and the field, which makes caching exact.

Evaluation is split without changing its meaning. Cedar allows when some permit holds and no
forbid does; a forbid that names no field (the role, relationship, emergency and closed-seal
rules) holds for every field or for none, so the *gate* (those forbids and a permit-all) is
evaluated once per request. The rest is evaluated per *field class*: a set of fields that
appear in exactly the same action lists, which Cedar cannot tell apart, so one evaluation
decides them all, against only the policies that can apply to them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from joinedup.domain.agencies import AgencyId
from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import Agreement, Flow
from joinedup.governance.catalogue import CATALOGUE, items_of
from joinedup.governance.law import (
    ARTICLE_9_TEXT,
    LAWFUL_BASIS_TEXT,
    AgreementStatus,
)
from joinedup.governance.purposes import PURPOSES, SAFEGUARDING_PURPOSES, OwnScope
from joinedup.governance.roles import PRACTITIONER_ROLES, ROLE_RULES, SEALED_RULES, SealedKind

FAR_FUTURE = 99991231


@dataclass(frozen=True, slots=True)
class PolicyMeta:
    id: str
    effect: str  # permit | forbid
    reason: str  # what the policy means, in words, for decision reasons
    # Fields the policy's scope is limited to; None: every field.
    scope: frozenset[str] | None
    # Fields named in an action list inside its conditions (they change its outcome).
    mentions: frozenset[str] = frozenset()
    agreement: str | None = None  # "EXM-MASH-001 v3" for agreement policies
    text: str = ""

    @property
    def gate(self) -> bool:
        """A forbid whose outcome cannot depend on the field: decided once per request."""
        return self.effect == "forbid" and self.scope is None and not self.mentions


@dataclass(frozen=True, slots=True)
class FieldClass:
    fields: frozenset[str]
    representative: str
    policy_ids: tuple[str, ...]  # the field-dependent policies that can apply to this class
    text: str  # those policies as Cedar text
    reads: tuple[str, ...]  # the context attributes they read (the exact cache key)
    # The same without the sealed-record forbids, for records with no seal: their ``when``
    # needs a seal, so they cannot hold, and leaving them out narrows the cache key.
    unsealed_text: str
    unsealed_reads: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledPolicies:
    text: str
    schema: str
    policies: dict[str, PolicyMeta]
    classes: tuple[FieldClass, ...]
    class_of: dict[str, int]  # field -> index into classes
    version: str
    gate_text: str  # permit-all plus the field-independent forbids
    gate_reads: tuple[str, ...]


def cedar_date(day: date) -> int:
    """Dates as ``YYYYMMDD`` longs: Cedar compares longs, and this order is date order."""
    return day.year * 10000 + day.month * 100 + day.day


def _set(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(str(v)) for v in sorted(values)) + "]"


def _actions(fields: Iterable[str]) -> str:
    return "[" + ", ".join(f"Action::{json.dumps(f)}" for f in sorted(fields)) + "]"


def schema_text() -> str:
    """The Cedar schema every compiled policy set is validated against (a typo in a
    generated condition fails at compile time, never silently at decision time)."""
    actions = ", ".join(json.dumps(f) for f in sorted(CATALOGUE))
    return (
        "entity User;\nentity Child;\n"
        "type Ctx = { role: String, agency: String, purpose: String, "
        "relationships: Set<String>, emergency: Bool, today: Long, sealed: Set<String>, "
        "role_agency: String, role_purpose: String, purpose_relationships: Set<String> };\n"
        f"action {actions} appliesTo {{ principal: User, resource: Child, context: Ctx }};\n"
    )


def role_policies() -> list[PolicyMeta]:
    """Two forbids hold every role rule: the (role, agency) and (role, purpose) pairs the
    partnership allows, tested as set membership of a ``ROLE:VALUE`` string."""
    agencies = {f"{r.value}:{a.value}" for r, rule in ROLE_RULES.items() for a in rule.agencies}
    purposes = {f"{r.value}:{p.value}" for r, rule in ROLE_RULES.items() for p in rule.purposes}
    return [
        _forbid(
            "role/agency",
            f"!{_set(agencies)}.contains(context.role_agency)",
            "a {role} does not work in {agency} (role rules: {role_agencies})",
        ),
        _forbid(
            "role/purpose",
            f"!{_set(purposes)}.contains(context.role_purpose)",
            "a {role} may not declare {purpose} (role rules: {role_purposes})",
        ),
    ]


def relationship_policies() -> list[PolicyMeta]:
    """The legitimate-relationship rule: a purpose that needs a relationship is refused
    without one of its ``PURPOSE:RELATIONSHIP`` pairs, unless an emergency grant stands in."""
    needing = {p for p, info in PURPOSES.items() if info.relationships}
    pairs = {f"{p.value}:{r.value}" for p in needing for r in PURPOSES[p].relationships}
    return [
        _forbid(
            "relationship",
            f"!context.emergency && {_set(needing)}.contains(context.purpose) && "
            f"!context.purpose_relationships.containsAny({_set(pairs)})",
            "no legitimate relationship: {purpose} needs {needs}",
        ),
        _forbid(
            "emergency/purpose",
            f"context.emergency && !{_set(SAFEGUARDING_PURPOSES)}.contains(context.purpose)",
            "emergency access is only for a safeguarding purpose "
            f"({', '.join(sorted(SAFEGUARDING_PURPOSES))})",
        ),
        _forbid(
            "emergency/role",
            f"context.emergency && !{_set(PRACTITIONER_ROLES)}.contains(context.role)",
            "emergency access is only for practitioners",
        ),
    ]


def sealed_policies() -> list[PolicyMeta]:
    """Sealed records: kinds with no opening rule are refused by one forbid; each kind with
    rules has its own forbid whose ``unless`` is exactly those rules."""
    closed = {k for k in SealedKind if not any(r.kind is k for r in SEALED_RULES)}
    out = [
        _forbid(
            "sealed/closed",
            f"context.sealed.containsAny({_set(closed)})",
            "the record is sealed ({sealed}) and no rule opens it",
        )
    ]
    for kind in sorted(set(SealedKind) - closed):
        rules = [r for r in SEALED_RULES if r.kind is kind]
        opened = [
            f"(action in {_actions(f.field for f in items_of(r.agency))} && "
            f"context.role == {json.dumps(r.role.value)} && "
            f"context.agency == {json.dumps(r.agency.value)} && "
            f"{_set(r.purposes)}.contains(context.purpose) && "
            f"context.relationships.containsAny({_set(r.relationships)}))"
            for r in rules
        ]
        mentions = frozenset(f.field for r in rules for f in items_of(r.agency))
        pid = f"sealed/{kind.value}"
        text = (
            f'@id("{pid}")\nforbid (principal, action, resource)\n'
            f"when {{ context.sealed.contains({json.dumps(kind.value)}) }}\n"
            f"unless {{ {' || '.join(opened)} }};"
        )
        reason = f"the record is sealed ({kind.value}); only " + "; ".join(
            f"a {r.role.value} of {r.agency.value} with {'/'.join(sorted(r.relationships))} "
            f"for {'/'.join(sorted(r.purposes))} sees {r.agency.value}'s own record"
            for r in rules
        )
        out.append(PolicyMeta(pid, "forbid", reason, None, mentions, None, text))
    return out


def own_agency_policies() -> list[PolicyMeta]:
    """A controller's own records need no agreement, but purpose limitation still applies:
    each purpose reaches all, all but free text, or only the identity of the own record."""
    out = []
    for agency in AgencyId:
        items = items_of(agency)
        for scope in OwnScope:
            purposes = {p for p, info in PURPOSES.items() if info.own_scope is scope}
            if scope is OwnScope.ALL:
                fields = {d.field for d in items}
            elif scope is OwnScope.NO_FREE_TEXT:
                fields = {d.field for d in items if not d.free_text}
            else:
                fields = {d.field for d in items if d.item == "identity"}
            pid = f"own/{agency.value}/{scope.value}"
            text = (
                f'@id("{pid}")\npermit (principal, action in {_actions(fields)}, resource)\n'
                f"when {{ context.agency == {json.dumps(agency.value)} && "
                f"{_set(purposes)}.contains(context.purpose) }};"
            )
            reason = (
                f"{agency.value}'s own record (its own data needs no agreement), for {{purpose}}"
            )
            out.append(PolicyMeta(pid, "permit", reason, frozenset(fields), text=text))
    return out


def flow_policy(agreement: Agreement, flow: Flow) -> PolicyMeta:
    pid = f"dsa/{agreement.id}/v{agreement.version}/{flow.id}"
    start = cedar_date(agreement.effective_from)
    end = cedar_date(agreement.expires_on) if agreement.expires_on else FAR_FUTURE
    text = (
        f'@id("{pid}")\npermit (principal, action in {_actions(flow.fields)}, resource)\n'
        f"when {{ context.today >= {start} && context.today <= {end} && "
        f"{_set(flow.recipients)}.contains(context.agency) && "
        f"{_set(flow.recipient_roles)}.contains(context.role) && "
        f"{_set(flow.purposes)}.contains(context.purpose) }};"
    )
    return PolicyMeta(
        pid,
        "permit",
        f"{agreement.key}, flow {flow.id} ({terms(flow)})",
        frozenset(flow.fields),
        agreement=agreement.key,
        text=text,
    )


def reason_for(meta: PolicyMeta, request: AccessRequest) -> str:
    """A policy's reason in words, with this request's role, agency, purpose filled in."""
    if "{" not in meta.reason:
        return meta.reason
    rule = ROLE_RULES[request.role]
    values = {
        "{role}": request.role.value,
        "{agency}": request.agency.value,
        "{purpose}": request.purpose.value,
        "{role_agencies}": ", ".join(sorted(rule.agencies)) or "none",
        "{role_purposes}": ", ".join(sorted(rule.purposes)) or "none",
        "{needs}": " or ".join(sorted(PURPOSES[request.purpose].relationships)),
        "{sealed}": ", ".join(sorted(request.sealed)),
    }
    text = meta.reason
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def terms(flow: Flow) -> str:
    """A flow's legal terms in one line, for reasons and documents."""
    parts = [LAWFUL_BASIS_TEXT[flow.lawful_basis].split(":")[0]]
    if flow.article_9:
        parts.append(ARTICLE_9_TEXT[flow.article_9].split(";")[0])
    if flow.article_10:
        parts.append("Art 10 via DPA 2018 Sch 1")
    return "; ".join(parts)


def _forbid(pid: str, condition: str, reason: str) -> PolicyMeta:
    text = f'@id("{pid}")\nforbid (principal, action, resource)\nwhen {{ {condition} }};'
    return PolicyMeta(pid, "forbid", reason, None, text=text)


def compile_policies(agreements: Iterable[Agreement]) -> CompiledPolicies:
    """The one policy set for these agreements (active ones only), validated against the
    schema; raises ``ValueError`` if Cedar rejects it (a compiler bug, never user input)."""
    import cedarpy

    metas = role_policies() + relationship_policies() + sealed_policies()
    metas += own_agency_policies()
    for agreement in sorted(agreements, key=lambda a: (a.id, a.version)):
        # An agreement between partnerships governs the exchange (``joinedup.exchange``),
        # not access within this partnership's store.
        if agreement.status is AgreementStatus.ACTIVE and not agreement.between:
            metas += [flow_policy(agreement, flow) for flow in agreement.flows]
    text = "\n\n".join(m.text for m in metas) + "\n"
    schema = schema_text()
    result = cedarpy.validate_policies(text, schema)
    if not result.validation_passed:
        raise ValueError("; ".join(str(e) for e in result.errors))
    classes, class_of = _field_classes(metas)
    gate_text = '@id("gate")\npermit (principal, action, resource);\n\n' + "\n\n".join(
        m.text for m in metas if m.gate
    )
    return CompiledPolicies(
        text=text,
        schema=schema,
        policies={m.id: m for m in metas},
        classes=classes,
        class_of=class_of,
        version=hashlib.sha256(text.encode()).hexdigest()[:16],
        gate_text=gate_text + "\n",
        gate_reads=_reads(gate_text),
    )


def _reads(text: str) -> tuple[str, ...]:
    return tuple(sorted(set(re.findall(r"context\.(\w+)", text))))


def _field_classes(metas: list[PolicyMeta]) -> tuple[tuple[FieldClass, ...], dict[str, int]]:
    signatures: dict[tuple[tuple[int, ...], tuple[int, ...]], list[str]] = {}
    for field in sorted(CATALOGUE):
        scoped = tuple(i for i, m in enumerate(metas) if m.scope is not None and field in m.scope)
        mentioned = tuple(i for i, m in enumerate(metas) if field in m.mentions)
        signatures.setdefault((scoped, mentioned), []).append(field)
    classes: list[FieldClass] = []
    class_of: dict[str, int] = {}
    for fields in signatures.values():
        representative = fields[0]
        applicable = [
            m for m in metas if not m.gate and (m.scope is None or representative in m.scope)
        ]
        text = "\n\n".join(m.text for m in applicable) + "\n"
        unsealed = "\n\n".join(m.text for m in applicable if not m.id.startswith("sealed/"))
        classes.append(
            FieldClass(
                frozenset(fields),
                representative,
                tuple(m.id for m in applicable),
                text,
                _reads(text),
                unsealed + "\n",
                _reads(unsealed),
            )
        )
        class_of.update({f: len(classes) - 1 for f in fields})
    return tuple(classes), class_of
