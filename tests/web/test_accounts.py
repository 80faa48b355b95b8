"""Accounts and sessions in the store (SQLite and PostgreSQL), and the OIDC settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from joinedup.accounts import oidc, store
from joinedup.accounts.model import SESSION_IDLE, NotSignedIn
from joinedup.errors import BadInput, Conflict, Forbidden
from joinedup.governance.audit.query import search
from joinedup.services import accounts
from joinedup.store.account_tables import account, account_session, sign_in_throttle

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add(engine: Engine, username: str = "sw1", role: str = "SOCIAL_WORKER") -> None:
    accounts.add_user(
        engine,
        username=username,
        role=role,
        agency="social_care",
        display_name="Sam Worker",
        password=PASSWORD,
        practitioner_key="W00001",
    )


def test_only_a_hash_of_the_password_and_of_the_session_token_is_stored(engine: Engine) -> None:
    add(engine)
    token, session = accounts.sign_in(engine, "SW1", PASSWORD)
    with engine.connect() as connection:
        stored_hash = connection.execute(select(account.c.password_hash)).scalar_one()
        stored_token = connection.execute(select(account_session.c.token_sha256)).scalar_one()
    assert stored_hash.startswith("$argon2id$") and PASSWORD not in stored_hash
    assert token not in stored_token and len(stored_token) == 64
    assert accounts.session_for(engine, token).account.username == "sw1"
    reader = accounts.reader_for(session, "EARLY_HELP")
    assert (reader.user_id, reader.practitioner_key, reader.purpose.value) == (
        "sw1",
        "W00001",
        "EARLY_HELP",
    )


def test_a_role_cannot_work_for_an_agency_that_does_not_employ_it(engine: Engine) -> None:
    with pytest.raises(BadInput):
        accounts.add_user(
            engine,
            username="x",
            role="SCHOOL_DSL",
            agency="police",
            display_name="X",
            password=PASSWORD,
        )
    add(engine)
    with pytest.raises(Conflict):
        add(engine)


def test_a_failed_sign_in_is_committed_before_it_is_refused(engine: Engine) -> None:
    add(engine)
    with pytest.raises(NotSignedIn):
        accounts.sign_in(engine, "sw1", "wrong")
    with pytest.raises(NotSignedIn):
        accounts.sign_in(engine, "nobody", "wrong")
    with engine.connect() as connection:
        counted = dict(
            connection.execute(
                select(sign_in_throttle.c.key, sign_in_throttle.c.failures).where(
                    sign_in_throttle.c.scope == "account"
                )
            ).all()
        )
        assert counted == {"sw1": 1, "nobody": 1}
        assert [e.kind for e in search(connection, kind="LOGIN_FAILED")] == ["LOGIN_FAILED"] * 2


def test_sign_out_idle_time_and_disabling_end_a_session(engine: Engine) -> None:
    add(engine)
    token, session = accounts.sign_in(engine, "sw1", PASSWORD)
    accounts.sign_out(engine, session)
    with pytest.raises(NotSignedIn):
        accounts.session_for(engine, token)
    with engine.begin() as connection:
        found = store.get(connection, "sw1")
        token, _ = store.open_session(connection, found, now=T0)
        with pytest.raises(NotSignedIn):
            store.session_for(connection, token, now=T0 + SESSION_IDLE + timedelta(seconds=1))
    token, _ = accounts.sign_in(engine, "sw1", PASSWORD)
    accounts.disable_user(engine, "sw1")
    with pytest.raises(NotSignedIn):
        accounts.session_for(engine, token)
    with pytest.raises(Forbidden):
        accounts.sign_in(engine, "sw1", PASSWORD)


def test_a_purpose_the_role_may_not_declare_is_refused(engine: Engine) -> None:
    add(engine)
    _, session = accounts.sign_in(engine, "sw1", PASSWORD)
    with pytest.raises(Forbidden):
        accounts.declare_purpose(engine, session, "AUDIT")
    declared = accounts.declare_purpose(engine, session, "CHILD_PROTECTION_ENQUIRY")
    assert declared.purpose == "CHILD_PROTECTION_ENQUIRY"


OIDC_ENV = {
    "JOINEDUP_OIDC_ISSUER": "https://login.exampleshire.example/realms/partnership",
    "JOINEDUP_OIDC_CLIENT_ID": "joinedup",
    "JOINEDUP_OIDC_CLIENT_SECRET": "s3cret",
    "JOINEDUP_OIDC_AUTHORIZATION_ENDPOINT": "https://login.exampleshire.example/auth",
    "JOINEDUP_OIDC_TOKEN_ENDPOINT": "https://login.exampleshire.example/token",
    "JOINEDUP_OIDC_JWKS_URI": "https://login.exampleshire.example/certs",
    "JOINEDUP_OIDC_ROLE_CLAIM": "groups",
    "JOINEDUP_OIDC_ROLE_MAP": "mash-team=MASH_PRACTITIONER, dpo=privacy_officer",
    "JOINEDUP_OIDC_AGENCY_MAP": "LA=social_care",
}


def test_oidc_is_off_unless_configured_and_refuses_bad_settings() -> None:
    assert oidc.OidcSettings.from_environment({}) is None
    with pytest.raises(BadInput):
        oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_ISSUER": "http://idp"})
    with pytest.raises(BadInput):
        oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_ROLE_MAP": "a=KING"})
    with pytest.raises(BadInput):
        oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_CLIENT_SECRET": ""})


def test_the_oidc_redirect_asks_for_a_code_with_pkce_state_and_nonce() -> None:
    settings = oidc.OidcSettings.from_environment(OIDC_ENV)
    assert settings is not None
    url, pending = oidc.authorization_redirect(settings, "https://joinedup.example/cb")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == OIDC_ENV["JOINEDUP_OIDC_AUTHORIZATION_ENDPOINT"]
    )
    assert query["response_type"] == "code" and query["client_id"] == "joinedup"
    assert query["redirect_uri"] == "https://joinedup.example/cb"
    assert "openid" in query["scope"].split()
    assert query["state"] == pending["state"] and query["nonce"] == pending["nonce"]
    assert query["code_challenge_method"] == "S256" and pending["code_verifier"] not in url


def test_oidc_claims_map_to_a_role_and_agency_or_are_refused() -> None:
    settings = oidc.OidcSettings.from_environment(OIDC_ENV)
    assert settings is not None
    profile = oidc.profile_from_claims(
        settings,
        {
            "sub": "abc",
            "email": "Ann@LA.example",
            "name": "Ann",
            "groups": ["staff", "mash-team"],
            "agency": "LA",
        },
    )
    assert profile["role"] == "MASH_PRACTITIONER" and profile["agency"] == "social_care"
    assert profile["username"] == "ann@la.example" and profile["practitioner_key"]
    with pytest.raises(Forbidden):
        oidc.profile_from_claims(settings, {"sub": "abc", "groups": ["staff"], "agency": "LA"})
    with pytest.raises(Forbidden):
        oidc.profile_from_claims(settings, {"sub": "abc", "groups": ["dpo"]})


def test_an_oidc_account_follows_the_providers_role_and_its_id_token_ends_with_the_session(
    engine: Engine,
) -> None:
    issuer = OIDC_ENV["JOINEDUP_OIDC_ISSUER"]
    profile = {
        "subject": "s-1",
        "username": "ann@la.example",
        "role": "MASH_PRACTITIONER",
        "agency": "social_care",
        "display_name": "Ann",
    }
    first = accounts.oidc_account(engine, profile, provider=issuer)
    moved = accounts.oidc_account(engine, profile | {"role": "SOCIAL_WORKER"}, provider=issuer)
    assert (moved.id, moved.role) == (first.id, "SOCIAL_WORKER")
    again = accounts.oidc_account(engine, profile | {"role": "SOCIAL_WORKER"}, provider=issuer)
    assert again == moved
    with pytest.raises(BadInput):  # a role the agency does not employ is not taken
        accounts.oidc_account(engine, profile | {"role": "SCHOOL_DSL"}, provider=issuer)
    with engine.connect() as connection:
        changes = search(connection, kind="ACCOUNT_CHANGED")
    assert [(e.details["was_role"], e.details["role"]) for e in changes] == [
        ("MASH_PRACTITIONER", "SOCIAL_WORKER")
    ]
    _token, session = accounts.sign_in_account(engine, moved, via=issuer, id_token="h.p.s")
    assert accounts.sign_out(engine, session) == "h.p.s"
    with engine.connect() as connection:
        assert connection.execute(select(account_session.c.id_token)).scalar_one() is None


def test_a_second_factor_is_an_amr_of_mfa_otp_or_hwk_or_a_configured_acr() -> None:
    pape = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
    assert oidc.second_factor_used({"amr": ["pwd", "otp"]})
    assert oidc.second_factor_used({"amr": ["HWK"]})
    assert oidc.second_factor_used({"acr": pape}, (pape,))
    assert not oidc.second_factor_used({"amr": ["pwd"], "acr": "1"}, (pape,))
    assert not oidc.second_factor_used({"amr": "otp"})  # amr is a list, or nothing
    assert not oidc.second_factor_used({"acr": pape})  # only the acr values configured


def test_privileged_roles_need_a_second_factor_and_the_sign_in_asks_for_one() -> None:
    settings = oidc.OidcSettings.from_environment(OIDC_ENV)
    assert settings is not None
    assert {r.value for r in settings.mfa_roles} == {
        "PRIVACY_OFFICER",
        "ADMINISTRATOR",
        "PARTNERSHIP_ANALYST",
    }
    with pytest.raises(oidc.SecondFactorMissing, match="second factor"):
        oidc.require_second_factor(settings, "PRIVACY_OFFICER", {"amr": ["pwd"]})
    oidc.require_second_factor(settings, "PRIVACY_OFFICER", {"amr": ["pwd", "mfa"]})
    oidc.require_second_factor(settings, "MASH_PRACTITIONER", {"amr": ["pwd"]})
    url, _pending = oidc.authorization_redirect(settings, "https://joinedup.example/cb")
    assert parse_qs(urlsplit(url).query)["acr_values"] == [settings.mfa_acr[0]]
    nobody = oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_MFA_ROLES": "none"})
    assert nobody is not None and not nobody.mfa_roles
    url, _pending = oidc.authorization_redirect(nobody, "https://joinedup.example/cb")
    assert "acr_values" not in parse_qs(urlsplit(url).query)
    with pytest.raises(BadInput, match="MFA_ROLES"):
        oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_MFA_ROLES": "ADMIN"})
    with pytest.raises(BadInput, match="CA_BUNDLE"):
        oidc.OidcSettings.from_environment(OIDC_ENV | {"JOINEDUP_OIDC_CA_BUNDLE": "/no/such.pem"})


def test_logout_at_the_provider_carries_the_id_token_and_the_way_back() -> None:
    end = "https://login.exampleshire.example/logout?realm=p"
    settings = oidc.OidcSettings.from_environment(
        OIDC_ENV | {"JOINEDUP_OIDC_END_SESSION_ENDPOINT": end}
    )
    assert settings is not None
    url = oidc.logout_url(settings, "a.b.c", "https://joinedup.example/login")
    assert url is not None and url.startswith(end + "&")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["id_token_hint"] == "a.b.c" and query["client_id"] == "joinedup"
    assert query["post_logout_redirect_uri"] == "https://joinedup.example/login"


def test_only_the_providers_https_origins_are_added_to_form_action() -> None:
    from joinedup.http.security import HEADERS, headers_for

    assert headers_for(None, None) == HEADERS
    policy = headers_for(
        "https://login.exampleshire.example/realms/p", "https://sso.exampleshire.example/x"
    )["Content-Security-Policy"]
    assert (
        "form-action 'self' https://login.exampleshire.example https://sso.exampleshire.example;"
        in policy
    )
    assert "default-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert headers_for("http://plain.example", None) == HEADERS


def test_a_session_lookup_is_a_read_and_marks_the_session_seen_about_once_a_minute(
    engine: Engine,
) -> None:
    from joinedup.accounts.model import TOUCH_EVERY

    add(engine)
    token, session = accounts.sign_in(engine, "sw1", PASSWORD)

    def last_seen() -> datetime:
        with engine.connect() as connection:
            value = connection.execute(
                select(account_session.c.last_seen_at).where(account_session.c.id == session.id)
            ).scalar_one()
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    first = last_seen()
    assert accounts.session_for(engine, token).last_seen_at == first  # recent: no write
    assert last_seen() == first
    stale = first - TOUCH_EVERY - timedelta(seconds=5)
    with engine.begin() as connection:
        connection.execute(
            account_session.update()
            .where(account_session.c.id == session.id)
            .values(last_seen_at=stale)
        )
    found = accounts.session_for(engine, token)
    assert found.last_seen_at > stale and last_seen() == found.last_seen_at


def test_on_sqlite_a_session_lookup_does_not_wait_for_a_writer(tmp_path: object) -> None:
    import sqlite3

    from joinedup.services import open_store

    path = f"{tmp_path}/sessions.db"
    engine = open_store(f"sqlite:///{path}")
    add(engine)
    token, _ = accounts.sign_in(engine, "sw1", PASSWORD)
    writer = sqlite3.connect(path, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # e.g. an ingest holding the write lock
        assert accounts.session_for(engine, token).account.username == "sw1"
    finally:
        writer.rollback()
        writer.close()
        engine.dispose()
