"""Property: no sequence of requests reaches a field the intended rules deny, whatever comes
in between: cached repeats, agreement reloads (narrower, under review, expired, none),
break-glass grants, and the clock running past their expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from joinedup.domain.agencies import AgencyId
from joinedup.errors import JoinedUpError
from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import Agreement, shipped_agreements
from joinedup.governance.catalogue import FIELDS
from joinedup.governance.emergency import EmergencyGrant, check_request, effective_request
from joinedup.governance.law import AgreementStatus
from joinedup.governance.pdp import PolicyDecisionPoint
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.governance.roles import Role, SealedKind
from tests.support.governance_oracle import ROLE_AGENCIES, ROLE_PURPOSES, expected

SHIPPED = {a.id: a for a in shipped_agreements()}
MASH, OE, EH = SHIPPED["EXM-MASH-001"], SHIPPED["EXM-OE-002"], SHIPPED["EXM-EH-003"]


def _narrow_mash() -> Agreement:
    flows = tuple(
        f.model_copy(update={"items": ("identity",)}) if f.source is AgencyId.HEALTH else f
        for f in MASH.flows
    )
    return MASH.model_copy(update={"version": 4, "flows": flows})


VARIANTS: dict[str, list[Agreement]] = {
    "shipped": [MASH, OE, EH],
    "mash under review": [
        MASH.model_copy(update={"version": 4, "status": AgreementStatus.UNDER_REVIEW}),
        OE,
        EH,
    ],
    "health narrowed": [_narrow_mash(), OE, EH],
    "encompass ends soon": [
        MASH,
        OE.model_copy(
            update={"version": 2, "expires_on": date(2026, 12, 1), "review_by": date(2026, 12, 1)}
        ),
        EH,
    ],
    "none": [],
}
WHY = "Child at immediate risk tonight and no known worker is reachable"

random_requests = st.builds(
    AccessRequest,
    user_id=st.sampled_from(["u1", "u2"]),
    role=st.sampled_from(list(Role)),
    agency=st.sampled_from(list(AgencyId)),
    team=st.just("t1"),
    purpose=st.sampled_from(list(Purpose)),
    child_id=st.sampled_from(["c1", "c2"]),
    fields=st.frozensets(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=8),
    relationships=st.frozensets(st.sampled_from(list(Relationship)), max_size=2),
    emergency=st.booleans(),
    sealed=st.one_of(
        st.just(frozenset()),
        st.frozensets(
            st.sampled_from([SealedKind.ADOPTION, SealedKind.WITNESS_PROTECTION]),
            min_size=1,
            max_size=2,
        ),
    ),
)


@st.composite
def plausible_requests(draw: st.DrawFn) -> AccessRequest:
    """Requests a real user of the role would make (their agency, a purpose they may declare,
    usually the relationship it needs), so that most decisions allow something."""
    role = draw(st.sampled_from([r for r in Role if ROLE_PURPOSES[r.value]]))
    return AccessRequest(
        user_id=draw(st.sampled_from(["u1", "u2"])),
        role=role,
        agency=AgencyId(draw(st.sampled_from(sorted(ROLE_AGENCIES[role.value])))),
        team="t1",
        purpose=Purpose(draw(st.sampled_from(sorted(ROLE_PURPOSES[role.value])))),
        child_id=draw(st.sampled_from(["c1", "c2"])),
        fields=draw(st.frozensets(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=12)),
        relationships=draw(st.frozensets(st.sampled_from(list(Relationship)), max_size=3)),
        emergency=draw(st.booleans()),
        sealed=draw(st.sampled_from([frozenset(), frozenset(), frozenset({SealedKind.ADOPTION})])),
    )


requests = st.one_of(plausible_requests(), random_requests)


def grant_covers(grant: EmergencyGrant, request: AccessRequest, now: datetime) -> bool:
    """Stated again here, not taken from the code: same person, role, agency, child and
    purpose, and the grant running now."""
    return (grant.user_id, grant.role, grant.agency, grant.child_id, grant.purpose) == (
        request.user_id,
        request.role.value,
        request.agency.value,
        request.child_id,
        request.purpose.value,
    ) and grant.granted_at <= now < grant.expires_at


class AccessSequence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.agreements = VARIANTS["shipped"]
        self.pdp = PolicyDecisionPoint(self.agreements)
        self.now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
        self.grants: list[EmergencyGrant] = []
        self.seen: list[AccessRequest] = []
        self.checked = 0

    def check(self, request: AccessRequest) -> None:
        effective, _ = effective_request(request, self.grants, self.now)
        assert effective.emergency == (
            request.emergency and any(grant_covers(g, request, self.now) for g in self.grants)
        )
        today = self.now.date()
        decision = self.pdp.decide(effective, today=today)
        allowed = expected(effective, self.agreements, today)
        leaked = decision.allowed_fields - allowed
        assert not leaked, f"{effective} reached {sorted(leaked)}"
        assert decision.allowed_fields == allowed  # and nothing intended is lost
        assert decision.emergency == effective.emergency
        self.checked += 1

    @rule(request=requests)
    def decide(self, request: AccessRequest) -> None:
        self.seen.append(request)
        self.check(request)

    @precondition(lambda self: self.seen)
    @rule(index=st.integers(min_value=0))
    def repeat(self, index: int) -> None:
        self.check(self.seen[index % len(self.seen)])

    @rule(variant=st.sampled_from(sorted(VARIANTS)))
    def reload(self, variant: str) -> None:
        self.agreements = VARIANTS[variant]
        self.pdp.reload(self.agreements)
        # Ask again at once what was asked before: a stale cached answer would show here.
        for request in self.seen[-6:]:
            self.check(request)

    @precondition(lambda self: self.grants)
    @rule(
        index=st.integers(min_value=0),
        fields=st.frozensets(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=10),
    )
    def use_grant(self, index: int, fields: frozenset[str]) -> None:
        """Read under a grant made earlier (it may have expired since)."""
        g = self.grants[index % len(self.grants)]
        request = AccessRequest(
            g.user_id,
            Role(g.role),
            AgencyId(g.agency),
            "t1",
            Purpose(g.purpose),
            g.child_id,
            fields,
            frozenset(),
            True,
        )
        self.seen.append(request)
        self.check(request)

    @rule(minutes=st.sampled_from([1, 29, 31, 90, 60 * 24 * 20, 60 * 24 * 400]))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(request=requests, minutes=st.sampled_from([5, 30, 240]))
    def break_glass(self, request: AccessRequest, minutes: int) -> None:
        try:
            check_request(request, WHY, minutes)
        except JoinedUpError:
            return  # refused: no grant
        self.grants.append(
            EmergencyGrant(
                len(self.grants) + 1,
                request.user_id,
                request.role.value,
                request.agency.value,
                request.purpose.value,
                request.child_id,
                WHY,
                self.now,
                self.now + timedelta(minutes=minutes),
            )
        )
        self.check(request.__class__(**{**_fields(request), "emergency": True}))

    @invariant()
    def caches_belong_to_the_current_policies(self) -> None:
        assert self.pdp.agreements == tuple(self.agreements)


def _fields(request: AccessRequest) -> dict:
    return {name: getattr(request, name) for name in request.__slots__}


AccessSequence.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAccessSequence = AccessSequence.TestCase
