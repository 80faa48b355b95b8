"""Each web request that appends to the audit log is followed by a signed head over it, in
the store and in the witness (issue 17, finding 7)."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import func, select

from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.governance.audit.witness import witnessed
from joinedup.store.audit_tables import audit_entry, audit_tree_head
from tests.support.webapp import LiveApp


def test_a_request_that_appends_is_sealed_once_it_is_answered(live_app: LiveApp) -> None:
    answer = httpx.post(
        f"{live_app.url}/api/v1/session",
        json={"username": live_app.username("PRIVACY_OFFICER"), "password": DEMO_PASSWORD},
    )
    assert answer.status_code == 201  # its LOGIN entry is in the log
    with live_app.engine.connect() as connection:
        appended = connection.scalar(select(func.max(audit_entry.c.seq)))
    assert appended is not None
    signed = witnessed_size = -1
    for _ in range(300):  # made after the answer is sent (then witnessed): look until there
        with live_app.engine.connect() as connection:
            signed = connection.scalar(select(func.max(audit_tree_head.c.tree_size))) or 0
        witnessed_size = max((h.tree_size for h in witnessed(live_app.engine.url)), default=0)
        if signed > appended and witnessed_size > appended:
            break
        time.sleep(0.1)
    assert signed > appended
    assert witnessed_size > appended
