"""The policy decision point: (user, role, agency, purpose, child, fields) -> allow/deny and
the field mask, with reasons.

In: an ``AccessRequest``. Out: a ``Decision``. The agreements are compiled to Cedar and
parsed once per change (``reload``); a decision evaluates one Cedar request per *field class*
touched (see ``compiler``), against only the policies that can apply to it, with the request's
facts in the Cedar context and no entity graph at all.

Two caches, both exact and both dropped together when the agreements change (the state
holding them is swapped whole, so a decision never mixes two policy versions):
- decisions, LRU, keyed on the request without who asks and about whom (its role, agency,
  team, purpose, fields, relationships, emergency and seals) and the day: no policy names a
  user or a child, so a list or a network of thousands of children decides a handful of times;
- field-class outcomes, keyed on exactly the values that make up the Cedar context. No policy
  names a user or a child, so two requests with the same context get the same outcome.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cedarpy

from joinedup.governance.access import AccessRequest, Decision, FieldOutcome
from joinedup.governance.agreements import Agreement
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.compiler import (
    CompiledPolicies,
    cedar_date,
    compile_policies,
    reason_for,
)
from joinedup.governance.explain import FlowIndex, explain_unpermitted, flow_index

try:
    UK: tzinfo = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # no tz database on this machine: UTC is at most an hour out
    UK = UTC
ContextKey = tuple[str, str, str, tuple[str, ...], bool, tuple[str, ...], int]
# (allowed, determining policy ids, evaluation errors)
ClassResult = tuple[bool, tuple[str, ...], tuple[str, ...]]
_PRINCIPAL = 'User::"requester"'
_NO_ENTITIES = cedarpy.Entities.from_json_str("[]")  # parsed once: every fact is in context
_RESOURCE = 'Child::"subject"'


def uk_today() -> date:
    """Agreement dates are UK dates."""
    return datetime.now(UK).date()


def _context(key: ContextKey) -> dict[str, Any]:
    """The Cedar context: the request's facts, and the pairs the compiled rule tables test
    (``ROLE:AGENCY``, ``ROLE:PURPOSE``, ``PURPOSE:RELATIONSHIP``)."""
    role, agency, purpose, relationships, emergency, sealed, day = key
    return {
        "role": role,
        "agency": agency,
        "purpose": purpose,
        "relationships": list(relationships),
        "emergency": emergency,
        "sealed": list(sealed),
        "today": day,
        "role_agency": f"{role}:{agency}",
        "role_purpose": f"{role}:{purpose}",
        "purpose_relationships": [f"{purpose}:{r}" for r in relationships],
    }


def _asked(request: AccessRequest) -> tuple[Any, ...]:
    """What a decision depends on: the request less its user and child (no policy names
    either, and a decision says nothing of them)."""
    return (
        request.role,
        request.agency,
        request.team,
        request.purpose,
        request.fields,
        request.relationships,
        request.emergency,
        request.sealed,
    )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass
class _State:
    compiled: CompiledPolicies
    agreements: tuple[Agreement, ...]
    gate: Any
    policy_sets: list[Any]
    unsealed_sets: list[Any]
    flows: FlowIndex  # for explaining denials
    decisions: OrderedDict[tuple[tuple[Any, ...], int], Decision] = field(
        default_factory=OrderedDict
    )
    outcomes: dict[tuple[ContextKey, str], FieldOutcome] = field(default_factory=dict)
    classes: dict[tuple[int, bool, tuple[Any, ...]], ClassResult] = field(default_factory=dict)
    by_context: dict[tuple[ContextKey, int], ClassResult] = field(default_factory=dict)


@dataclass
class Stats:
    decisions: int = 0
    decision_hits: int = 0
    cedar_evaluations: int = 0


class PolicyDecisionPoint:
    """Thread-safe; one per process is enough (``recording.engine_for`` keeps one per set of
    agreements)."""

    def __init__(
        self,
        agreements: Iterable[Agreement] = (),
        *,
        cache_size: int = 100_000,
        caching: bool = True,
        clock: Callable[[], date] = uk_today,
    ) -> None:
        self.cache_size = cache_size
        self.caching = caching
        self.clock = clock
        self.stats = Stats()
        self._lock = threading.Lock()
        self._state = self._build(tuple(agreements))

    @staticmethod
    def _build(agreements: tuple[Agreement, ...]) -> _State:
        compiled = compile_policies(agreements)
        # Parse each class's policy subset once; every decision reuses the parsed handles.
        gate = cedarpy.PolicySet.from_str(compiled.gate_text)
        sets = [cedarpy.PolicySet.from_str(c.text) for c in compiled.classes]
        unsealed = [cedarpy.PolicySet.from_str(c.unsealed_text) for c in compiled.classes]
        return _State(compiled, agreements, gate, sets, unsealed, flow_index(agreements))

    @property
    def version(self) -> str:
        return self._state.compiled.version

    @property
    def compiled(self) -> CompiledPolicies:
        return self._state.compiled

    @property
    def agreements(self) -> tuple[Agreement, ...]:
        return self._state.agreements

    def reload(self, agreements: Iterable[Agreement]) -> bool:
        """Recompile for a new set of agreements; returns whether the policies changed. The
        caches go with the old state, so no cached decision outlives the policy it used."""
        new = self._build(tuple(agreements))
        with self._lock:
            changed = new.compiled.version != self._state.compiled.version
            self._state = new
        return changed

    def decide(self, request: AccessRequest, *, today: date | None = None) -> Decision:
        state = self._state  # one policy version for the whole decision
        day = cedar_date(today or self.clock())
        self.stats.decisions += 1
        key = (_asked(request), day)
        if self.caching:
            with self._lock:
                cached = state.decisions.get(key)
                if cached is not None:
                    state.decisions.move_to_end(key)
                    self.stats.decision_hits += 1
                    return cached
        decision = self._decide(state, request, day, today or self.clock())
        if self.caching:
            with self._lock:
                state.decisions[key] = decision
                if len(state.decisions) > self.cache_size:
                    state.decisions.popitem(last=False)
        return decision

    def _decide(self, state: _State, request: AccessRequest, day: int, today: date) -> Decision:
        key: ContextKey = (
            request.role.value,
            request.agency.value,
            request.purpose.value,
            tuple(sorted(r.value for r in request.relationships)),
            request.emergency,
            tuple(sorted(s.value for s in request.sealed)),
            day,
        )
        compiled = state.compiled
        gate = self._evaluate(state, key, -1)
        if gate[0]:
            needed = {compiled.class_of[f] for f in request.fields}
            results = {i: self._evaluate(state, key, i) for i in needed}
        else:  # a field-independent forbid holds: every field is denied for its reasons
            results = {compiled.class_of[f]: gate for f in request.fields}
        outcomes = tuple(
            self._outcome(state, key, request, f, results[compiled.class_of[f]], today)
            for f in sorted(request.fields)
        )
        allowed = frozenset(o.field for o in outcomes if o.allowed)
        denied = frozenset(o.field for o in outcomes if not o.allowed)
        metas = compiled.policies
        policy_ids = sorted({p for o in outcomes for p in o.policy_ids})
        agreements = sorted(
            {
                metas[p].agreement or ""
                for o in outcomes
                if o.allowed
                for p in o.policy_ids
                if metas[p].agreement
            }
        )
        return Decision(
            allowed=bool(allowed),
            allowed_fields=allowed,
            denied_fields=denied,
            withheld_categories=frozenset(CATALOGUE[f].category for f in denied),
            reasons=self._request_reasons(state, request, agreements, today)
            + tuple(f"{o.field}: {r}" for o in outcomes for r in o.reasons),
            policy_ids=tuple(policy_ids),
            agreement_ids=tuple(agreements),
            emergency=request.emergency,
            sealed_permitted=request.sealed if allowed else frozenset(),
            policy_version=compiled.version,
            outcomes=outcomes,
        )

    def _evaluate(self, state: _State, key: ContextKey, index: int) -> ClassResult:
        """One Cedar evaluation: the gate (``index`` -1) or a field class, cached on exactly
        the context attributes its policies read (and, for speed, on the whole context)."""
        if self.caching:
            known = state.by_context.get((key, index))
            if known is not None:
                return known
        result = self._evaluate_uncached(state, _context(key), index)
        if self.caching:
            if len(state.by_context) > self.cache_size:
                state.by_context.clear()
            state.by_context[(key, index)] = result
        return result

    def _evaluate_uncached(self, state: _State, context: dict[str, Any], index: int) -> ClassResult:
        compiled = state.compiled
        sealed = bool(context["sealed"])
        if index < 0:
            reads, policies, action = compiled.gate_reads, state.gate, next(iter(CATALOGUE))
        else:
            field_class = compiled.classes[index]
            action = field_class.representative
            if sealed:
                reads, policies = field_class.reads, state.policy_sets[index]
            else:
                reads, policies = field_class.unsealed_reads, state.unsealed_sets[index]
        cache_key = (index, sealed, tuple(_hashable(context[name]) for name in reads))
        if self.caching:
            cached = state.classes.get(cache_key)
            if cached is not None:
                return cached
        cedar_request = {
            "principal": _PRINCIPAL,
            "action": f"Action::{json.dumps(action)}",
            "resource": _RESOURCE,
            "context": {name: context[name] for name in reads},
        }
        answer = cedarpy.is_authorized_batch([cedar_request], policies, _NO_ENTITIES)[0]
        self.stats.cedar_evaluations += 1
        diagnostics = answer.diagnostics
        ids = diagnostics.id_annotations_by_reason
        result: ClassResult = (
            # Fail closed: an evaluation error never allows (Cedar skips an erroring policy,
            # which for a forbid would mean allowing).
            answer.allowed and not diagnostics.errors,
            tuple(sorted(p for p in (ids.get(r, r) for r in diagnostics.reasons) if p != "gate")),
            tuple(str(e) for e in diagnostics.errors),
        )
        if self.caching:
            if len(state.classes) > self.cache_size:
                state.classes.clear()
            state.classes[cache_key] = result
        return result

    def _outcome(
        self,
        state: _State,
        key: ContextKey,
        request: AccessRequest,
        name: str,
        result: ClassResult,
        today: date,
    ) -> FieldOutcome:
        cached = state.outcomes.get((key, name)) if self.caching else None
        if cached is not None:
            return cached
        allowed, policy_ids, errors = result
        metas = state.compiled.policies
        reasons: tuple[str, ...]
        if errors:
            reasons = ("denied: policy evaluation error (fail closed): " + "; ".join(errors),)
        elif allowed:
            reasons = tuple(f"allowed by {reason_for(metas[p], request)}" for p in policy_ids)
        elif policy_ids:
            reasons = tuple(f"denied: {reason_for(metas[p], request)}" for p in policy_ids)
        else:
            reasons = ("denied: " + explain_unpermitted(request, name, state.flows, today),)
        outcome = FieldOutcome(name, allowed, reasons, policy_ids)
        if self.caching:
            if len(state.outcomes) > self.cache_size:
                state.outcomes.clear()
            state.outcomes[(key, name)] = outcome
        return outcome

    @staticmethod
    def _request_reasons(
        state: _State, request: AccessRequest, used: list[str], today: date
    ) -> tuple[str, ...]:
        reasons = [
            f"{request.role.value} of {request.agency.value} declared purpose "
            f"{request.purpose.value}"
        ]
        if request.relationships:
            names = ", ".join(sorted(r.value for r in request.relationships))
            reasons.append(f"legitimate relationship stated: {names}")
        if request.emergency:
            reasons.append(
                "EMERGENCY ACCESS (break glass): the legitimate-relationship requirement is "
                "waived for this safeguarding purpose; the access will be reviewed"
            )
        if request.sealed:
            reasons.append(f"sealed record: {', '.join(sorted(s.value for s in request.sealed))}")
        for agreement in state.agreements:
            if agreement.key in used and agreement.review_overdue(today):
                reasons.append(
                    f"note: {agreement.key} was due for review on {agreement.review_by.isoformat()}"
                )
        return tuple(reasons)
