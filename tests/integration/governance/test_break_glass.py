"""Emergency access: granted, time-limited, flagged, audited, reviewed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from joinedup.errors import BadInput, Conflict, Forbidden
from joinedup.governance.access import AccessRequest
from joinedup.governance.agreement_store import save
from joinedup.governance.agreements import shipped_agreements
from joinedup.governance.emergency import break_glass, review, review_tasks
from joinedup.governance.recording import decide_and_record
from joinedup.governance.roles import Role
from joinedup.store import UnitOfWork
from joinedup.store.audit_tables import audit_entry

NOW = datetime(2026, 11, 21, 2, 15, tzinfo=UTC)
WHY = "Child found alone at 2am, mother admitted to A&E, need to know who else is known"
FIELDS = ["health.encounters", "social_care.cp_plans", "health.sexual_health"]


def request(**kw) -> AccessRequest:
    values = dict(
        user_id="sw-9",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose="CHILD_PROTECTION_ENQUIRY",
        child_id="C5",
        fields=FIELDS,
    )
    values.update(kw)
    return AccessRequest.build(**values)


@pytest.fixture
def store(engine: Engine) -> Engine:
    with UnitOfWork(engine) as uow:
        for agreement in shipped_agreements():
            save(uow.connection, agreement, source="examples", loaded_by="dpo", now=NOW)
        uow.commit()
    return engine


def kinds(engine: Engine) -> list[tuple[str, dict]]:
    with engine.connect() as c:
        rows = c.execute(
            select(audit_entry.c.kind, audit_entry.c.details).order_by(audit_entry.c.seq)
        ).all()
    return [(r.kind, r.details) for r in rows if r.kind != "AGREEMENT_LOADED"]


def test_break_glass_lifecycle(store: Engine) -> None:
    with UnitOfWork(store) as uow:
        # Without a relationship, nothing.
        before = decide_and_record(uow.connection, request(), now=NOW)
        assert not before.allowed
        grant, decision = break_glass(uow.connection, request(), WHY, minutes=30, now=NOW)
        uow.commit()
    assert grant.expires_at == NOW + timedelta(minutes=30)
    assert decision.emergency and any("EMERGENCY ACCESS" in r for r in decision.reasons)
    # The agreements still bound it: sexual health reaches a social worker for s47.
    assert decision.allowed_fields == set(FIELDS)
    audit = kinds(store)
    assert [k for k, _ in audit] == ["ACCESS", "BREAK_GLASS", "ACCESS"]
    assert audit[1][1]["justification"] == WHY and audit[1][1]["emergency"] is True
    assert audit[2][1]["emergency"] is True
    with UnitOfWork(store) as uow:
        (task,) = review_tasks(uow.connection)
        assert (task["task_id"], task["user_id"], task["status"]) == (
            grant.review_task_id,
            "sw-9",
            "OPEN",
        )
        # While the grant lasts, the practitioner's reads carry the emergency.
        during = decide_and_record(
            uow.connection, request(emergency=True), now=NOW + timedelta(minutes=29)
        )
        assert during.emergency and during.allowed
        # After it expires, claiming an emergency gets nothing and says why.
        after = decide_and_record(
            uow.connection, request(emergency=True), now=NOW + timedelta(minutes=31)
        )
        assert not after.emergency and not after.allowed
        assert "emergency access not in force" in after.reasons[0]
        # Another user cannot ride on the grant.
        other = decide_and_record(
            uow.connection, request(user_id="sw-10", emergency=True), now=NOW + timedelta(minutes=1)
        )
        assert not other.allowed
        with pytest.raises(Forbidden, match="nobody reviews their own"):
            review(uow.connection, grant.review_task_id, "sw-9", "APPROPRIATE")
        with pytest.raises(Forbidden, match="for privacy officers"):
            review(
                uow.connection,
                grant.review_task_id,
                "boss",
                "APPROPRIATE",
                reviewer_role=Role.SOCIAL_WORKER,
            )
        with pytest.raises(BadInput, match="needs a note"):
            review(uow.connection, grant.review_task_id, "po-1", "INAPPROPRIATE")
        result = review(
            uow.connection,
            grant.review_task_id,
            "po-1",
            "needs_follow_up",
            "Check why the MASH referral was not made first",
            now=NOW + timedelta(days=1),
        )
        assert result["outcome"] == "NEEDS_FOLLOW_UP"
        with pytest.raises(Conflict, match="already reviewed"):
            review(uow.connection, grant.review_task_id, "po-2", "APPROPRIATE")
        uow.commit()
    with UnitOfWork(store) as uow:
        assert review_tasks(uow.connection) == []
        (closed,) = review_tasks(uow.connection, None)
    assert (closed["reviewer"], closed["outcome"]) == ("po-1", "NEEDS_FOLLOW_UP")
    last_kind, last = kinds(store)[-1]
    assert last_kind == "BREAK_GLASS_REVIEW"
    assert (last["outcome"], last["accessed_by"]) == ("NEEDS_FOLLOW_UP", "sw-9")


def test_break_glass_is_refused_outside_its_purpose(store: Engine) -> None:
    with UnitOfWork(store) as uow:
        c = uow.connection
        with pytest.raises(Forbidden, match="only for a safeguarding purpose"):
            break_glass(c, request(purpose="EARLY_HELP"), WHY, now=NOW)
        with pytest.raises(Forbidden, match="only for practitioners"):
            break_glass(c, request(role="PRIVACY_OFFICER", purpose="MASH_TRIAGE"), WHY, now=NOW)
        with pytest.raises(BadInput, match="typed justification"):
            break_glass(c, request(), "urgent!!", now=NOW)
        with pytest.raises(BadInput, match="1 to 240 minutes"):
            break_glass(c, request(), WHY, minutes=600, now=NOW)
        assert review_tasks(c) == []
