"""Failed sign-ins are throttled, not locked, and tell nobody which accounts exist
(issue 17, finding 4); passwords attackers try first cannot be set.

Store-level tests run on SQLite and PostgreSQL with the clock given; the API tests run
against the live app, each from its own client address (uvicorn takes it from
X-Forwarded-For when the request comes from 127.0.0.1, as from a proxy in front).
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup.accounts import store, throttle
from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.accounts.model import NotSignedIn, SignInThrottled
from joinedup.accounts.passwords import check_new_password, is_common
from joinedup.cli import app
from joinedup.errors import BadInput, JoinedUpError
from joinedup.governance.audit.query import search
from joinedup.services import accounts
from joinedup.store.account_tables import sign_in_throttle
from joinedup.store.database import make_engine
from tests.support.webapp import LiveApp

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_addresses = itertools.count(1)


def add(engine: Engine, username: str = "sw1") -> None:
    accounts.add_user(
        engine,
        username=username,
        role="SOCIAL_WORKER",
        agency="social_care",
        display_name="Sam Worker",
        password=PASSWORD,
    )


def fresh_address() -> str:
    """A client address no other test has used (10.17.x.y)."""
    n = next(_addresses) + 256 * (uuid.uuid4().int % 200)
    return f"10.17.{n // 256 % 256}.{n % 256}"


def attempt(
    engine: Engine, username: str, password: str, source: str, now: datetime
) -> tuple[int, str]:
    """One sign-in at ``now``: 200 and the username, or the refusal's status and words."""
    with engine.begin() as connection:
        try:
            found = store.authenticate(connection, username, password, now, source=source)
        except JoinedUpError as refusal:
            return refusal.http_status, str(refusal)
    return 200, found.username


# --- the same answer, whatever the name ----------------------------------------------------


def test_an_unknown_name_and_a_real_one_get_the_same_answers_all_the_way(engine: Engine) -> None:
    add(engine)
    answers = {}
    for name in ("sw1", "nobody"):
        place = fresh_address()
        answers[name] = [
            attempt(engine, name, "not the password", place, T0 + timedelta(seconds=i))
            for i in range(12)
        ]
    assert answers["sw1"] == answers["nobody"]
    assert answers["sw1"][0] == (401, "wrong username or password")
    assert {status for status, _ in answers["sw1"]} == {401, 429}  # throttled, never "locked"


def test_the_api_answers_a_real_and_an_unknown_name_alike(live_app: LiveApp) -> None:
    real = f"throttled-{uuid.uuid4().hex[:8]}"
    accounts.add_user(
        live_app.engine,
        username=real,
        role="PARTNERSHIP_ANALYST",
        agency="social_care",
        display_name="Real Name",
        password=PASSWORD,
    )
    answers = {}
    for name in (real, f"nobody-{uuid.uuid4().hex[:8]}"):
        headers = {"X-Forwarded-For": fresh_address()}
        answers[name] = set()
        for _ in range(9):
            answer = httpx.post(
                f"{live_app.url}/api/v1/session",
                json={"username": name, "password": "not the password"},
                headers=headers,
            )
            # (the wait in the words grows with the failures: the kind of answer is compared)
            answers[name].add((answer.status_code, answer.json()["detail"].split(":")[0]))
    first, second = answers.values()
    assert first == second
    assert first == {(401, "wrong username or password"), (429, "too many failed sign-ins")}


# --- throttled, not locked -------------------------------------------------------------------


def test_the_right_password_from_a_clean_place_gets_in_while_the_account_is_attacked(
    live_app: LiveApp,
) -> None:
    """Someone guesses at the practitioner's account from one address, again and again;
    the practitioner, at a machine that has not failed, signs in with their password."""
    name = f"attacked-{uuid.uuid4().hex[:8]}"
    accounts.add_user(
        live_app.engine,
        username=name,
        role="PARTNERSHIP_ANALYST",
        agency="social_care",
        display_name="Attacked",
        password=PASSWORD,
    )
    attacker = {"X-Forwarded-For": fresh_address()}
    statuses = [
        httpx.post(
            f"{live_app.url}/api/v1/session",
            json={"username": name, "password": f"guess number {i}"},
            headers=attacker,
        ).status_code
        for i in range(12)
    ]
    assert 429 in statuses and 403 not in statuses
    practitioner = {"X-Forwarded-For": fresh_address()}
    answer = httpx.post(
        f"{live_app.url}/api/v1/session",
        json={"username": name, "password": PASSWORD},
        headers=practitioner,
    )
    assert answer.status_code == 201, answer.text


def test_delays_grow_with_each_failure_and_end(engine: Engine) -> None:
    add(engine)
    place = fresh_address()
    now = T0
    for _ in range(throttle.FREE_FAILURES):  # free: each is checked
        assert attempt(engine, "sw1", "wrong", place, now)[0] == 401
    waits = []
    for _ in range(4):
        status, words = attempt(engine, "sw1", PASSWORD, place, now)  # too soon
        assert status == 429 and "wait" in words
        with engine.connect() as connection:
            until = connection.execute(
                select(sign_in_throttle.c.blocked_until).where(
                    sign_in_throttle.c.scope == "source", sign_in_throttle.c.key == place
                )
            ).scalar_one()
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        waits.append(until - now)
        now = until + timedelta(milliseconds=1)
        assert attempt(engine, "sw1", "still wrong", place, now)[0] == 401  # after the wait
    assert waits == sorted(waits) and waits[-1] > waits[0]
    assert all(w <= throttle.MAX_DELAY for w in waits)
    later = now + throttle.MAX_DELAY + timedelta(seconds=1)
    assert attempt(engine, "sw1", PASSWORD, place, later) == (200, "sw1")
    # a success forgets the failures: the next mistake is free again
    assert attempt(engine, "sw1", "wrong", place, later)[0] == 401
    assert attempt(engine, "sw1", PASSWORD, place, later) == (200, "sw1")


def test_a_place_that_failed_meets_the_names_delay_but_a_clean_place_does_not(
    engine: Engine,
) -> None:
    add(engine)
    guessers = [fresh_address() for _ in range(throttle.FREE_FAILURES + 2)]
    for i, place in enumerate(guessers):  # one guess each: no place is throttled itself
        assert attempt(engine, "sw1", f"guess {i}", place, T0)[0] == 401
    assert attempt(engine, "sw1", PASSWORD, guessers[0], T0)[0] == 429  # the name waits
    assert attempt(engine, "sw1", PASSWORD, fresh_address(), T0) == (200, "sw1")


def test_every_server_process_sees_the_same_counts(engine: Engine) -> None:
    """Two engines on one store, as two server processes behind a load balancer."""
    add(engine)
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        place = fresh_address()
        for i in range(throttle.FREE_FAILURES):
            answer = attempt(engine if i % 2 else other, "sw1", "wrong", place, T0)
            assert answer[0] == 401
        assert attempt(other, "sw1", PASSWORD, place, T0)[0] == 429
        assert attempt(engine, "sw1", PASSWORD, place, T0)[0] == 429
    finally:
        other.dispose()


def test_every_failure_and_each_start_of_a_delay_is_audited_with_its_source(
    engine: Engine,
) -> None:
    add(engine)
    place = fresh_address()
    for _ in range(throttle.FREE_FAILURES):
        attempt(engine, "sw1", "wrong", place, T0)
    attempt(engine, "nobody", "wrong", fresh_address(), T0)
    with engine.connect() as connection:
        failed = search(connection, kind="LOGIN_FAILED")
        throttled = search(connection, kind="SIGN_IN_THROTTLED")
    assert len(failed) == throttle.FREE_FAILURES + 1
    assert {e.details["source"] for e in failed[:-1]} == {place}
    assert failed[-1].details["reason"] == "unknown username"
    assert {(e.details["scope"], e.details["key"]) for e in throttled} == {
        ("account", "sw1"),
        ("source", place),
    }


def test_the_service_commits_a_failure_before_refusing(engine: Engine) -> None:
    add(engine)
    with pytest.raises(NotSignedIn):
        accounts.sign_in(engine, "sw1", "wrong", source="192.0.2.1")
    with engine.connect() as connection:
        counted = connection.execute(
            select(sign_in_throttle.c.scope, sign_in_throttle.c.failures)
        ).all()
    assert sorted(counted) == [("account", 1), ("source", 1)]
    with pytest.raises(SignInThrottled):
        for _ in range(throttle.FREE_FAILURES + 1):
            try:
                accounts.sign_in(engine, "sw1", "wrong", source="192.0.2.1")
            except NotSignedIn:
                continue


def test_an_ipv6_machine_is_one_place() -> None:
    assert throttle.source_key("2001:db8:1:2:aaaa::1") == throttle.source_key("2001:db8:1:2::9")
    assert throttle.source_key("2001:db8:1:3::1") != throttle.source_key("2001:db8:1:2::1")
    assert throttle.source_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert throttle.source_key(None) == throttle.UNKNOWN_SOURCE


# --- passwords attackers try first ---------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        (" " * 12, "spaces"),
        ("\t" * 6 + " " * 6, "spaces"),
        ("password1234", "common"),
        ("PASSWORD1234", "common"),
        ("Password123!", "common"),
        ("qwertyuiop12", "common"),
        ("iloveyou2024", "common"),
        ("zzzzzzzzzzzz", "repeated"),
        ("sam.worker.2026", "username"),
        ("short pass", "12 characters"),
    ],
)
def test_passwords_attackers_try_first_are_refused(password: str, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        check_new_password(password, "sam.worker")


@pytest.mark.parametrize(
    "password", [PASSWORD, DEMO_PASSWORD, "a-long-enough-password", "Tulip Kettle Orbit 9"]
)
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    check_new_password(password, "sam.worker")
    assert not is_common(password)


def test_the_deny_list_is_the_vendored_one() -> None:
    from joinedup.accounts.passwords import common_passwords

    listed = common_passwords()
    assert len(listed) > 40_000
    assert {"password", "123456", "qwerty", "iloveyou", "monkey"} <= listed
    assert all(p == p.lower() for p in listed)


def test_an_account_cannot_be_given_a_common_password(engine: Engine) -> None:
    for password in (" " * 12, "password1234"):
        with pytest.raises(BadInput):
            accounts.add_user(
                engine,
                username=f"u{uuid.uuid4().hex[:6]}",
                role="SOCIAL_WORKER",
                agency="social_care",
                display_name="U",
                password=password,
            )
    add(engine)
    with pytest.raises(BadInput):
        accounts.set_password(engine, "sw1", "password1234")
    accounts.set_password(engine, "sw1", "Tulip Kettle Orbit 9")
    assert attempt(engine, "sw1", "Tulip Kettle Orbit 9", fresh_address(), T0)[0] == 200


def test_the_cli_refuses_a_common_password_in_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", database_url)
    runner = CliRunner()
    for password in ("password1234", " " * 12):
        monkeypatch.setenv("JOINEDUP_NEW_PASSWORD", password)
        result = runner.invoke(
            app, ["users", "add", "ann", "--role", "SOCIAL_WORKER", "--agency", "social_care"]
        )
        assert result.exit_code == BadInput.exit_code, result.output
        assert "Traceback" not in result.output
    monkeypatch.setenv("JOINEDUP_NEW_PASSWORD", PASSWORD)
    result = runner.invoke(
        app, ["users", "add", "ann", "--role", "SOCIAL_WORKER", "--agency", "social_care"]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("JOINEDUP_NEW_PASSWORD", "password1234")
    result = runner.invoke(app, ["users", "set-password", "ann"])
    assert result.exit_code == BadInput.exit_code, result.output
