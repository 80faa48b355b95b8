"""Break glass's controls (issue 16): a justification that says something, and a volume
limit per account with the privacy officer told at once; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, select

from joinedup.errors import BadInput, TooManyRequests
from joinedup.governance.reader import Reader
from joinedup.services.casework_actions import break_glass
from joinedup.store.governance_tables import emergency_access, privacy_notice
from tests.support.casework import child_known_to_social_care

WHY = "Child found alone at night, mother taken to hospital, need to know who is known"


def _worker(user: str) -> Reader:
    return Reader.build(
        user_id=user, role="SOCIAL_WORKER", agency="social_care",
        purpose="CHILD_PROTECTION_ENQUIRY",
    )  # fmt: skip


@pytest.mark.parametrize(
    "justification",
    [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "test test test test test test test test",
        "asdf qwer zxcv uiop hjkl asdf qwer zxcv",
        "123456 789012 345678 901234 567890 1234",
        "............................................",
        "please need access urgent emergency please need access",
    ],
)
def test_a_justification_that_says_nothing_is_refused(store: Engine, justification: str) -> None:
    person, _source = child_known_to_social_care(store, skip=30)
    with pytest.raises(BadInput, match="justification"):
        break_glass(store, _worker(f"sw-{uuid.uuid4().hex[:6]}"), person, justification)


def test_an_account_breaking_the_glass_often_is_reported_then_refused(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_BREAK_GLASS_NOTICE_PER_DAY", "2")
    monkeypatch.setenv("JOINEDUP_BREAK_GLASS_LIMIT_PER_DAY", "3")
    user = f"sw-{uuid.uuid4().hex[:6]}"
    children = [child_known_to_social_care(store, skip=31 + i)[0] for i in range(4)]
    for child in children[:3]:
        break_glass(store, _worker(user), child, WHY)
    with store.connect() as connection:
        notice = connection.execute(
            select(privacy_notice).where(privacy_notice.c.actor == user)
        ).one()
    assert notice.kind == "BREAK_GLASS_VOLUME" and notice.details["highest_count"] == 3
    with pytest.raises(TooManyRequests):
        break_glass(store, _worker(user), children[3], WHY)
    with store.connect() as connection:
        grants = connection.execute(
            select(emergency_access.c.child_id).where(emergency_access.c.user_id == user)
        ).scalars().all()  # fmt: skip
        refused = connection.execute(
            select(privacy_notice.c.details).where(privacy_notice.c.actor == user)
        ).scalar_one()
    assert sorted(grants) == sorted(children[:3]) and refused["refused"] is True
