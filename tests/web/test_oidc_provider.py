"""Signing in through a real OpenID Connect provider (tests/support/oidc_provider.py, over
TLS on loopback, trusted through JOINEDUP_OIDC_CA_BUNDLE) in Chromium: a privileged role
with a password and a code from an authenticator app; the same role without the second
factor refused; and signing out ending the provider's session as well as joinedup's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joinedup import config
from joinedup.governance.audit.query import search
from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import purposes_for
from joinedup.store.account_tables import account, account_session
from tests.support.oidc_provider import (
    ISSUER_NAME,
    Person,
    Provider,
    make_certificates,
    oidc_environment,
    running_provider,
    totp_now,
)
from tests.support.webapp import LiveApp, served_copy

PASSWORD = "a provider's own long password"
ORGANISATION_LINK = "Sign in with your organisation's account"
ROLE = "PRIVACY_OFFICER"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("idp")) as running:
        yield running


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "oidc") as app:
        client = provider.register_client(
            "joinedup", f"{app.url}/auth/oidc/callback", f"{app.url}/login"
        )
        settings = oidc_environment(provider, client) | {
            "JOINEDUP_OIDC_ROLE_MAP": (
                "information-governance=PRIVACY_OFFICER,childrens-services=SOCIAL_WORKER"
            ),
            "JOINEDUP_OIDC_AGENCY_MAP": "Exampleshire Council=social_care",
        }
        with config.use_in_this_process(settings):
            yield app


@pytest.fixture
def oidc_page(browser: Any, oidc_app: LiveApp) -> Iterator[Any]:
    # The provider's certificate is trusted by joinedup through its CA bundle; the browser
    # is told not to mind it (it is joinedup's trust under test, not Chromium's).
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=oidc_app.url, ignore_https_errors=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def person(provider: Provider, *, with_app: bool, group: str = "information-governance") -> Person:
    name = f"{group[:2]}-{uuid.uuid4().hex[:8]}"
    return provider.add_person(
        Person(
            username=name,
            password=PASSWORD,
            claims={
                "name": f"Information Governance {name}",
                "email": f"{name}@exampleshire.example",
                "groups": ["staff", group],
                "agency": "Exampleshire Council",
            },
            totp_secret=pyotp.random_base32() if with_app else None,
        )
    )


def sign_in_at_provider(page: Any, who: Person) -> None:
    """From joinedup's sign-in page through the provider's password (and code) forms."""
    page.goto("/login")
    page.get_by_role("link", name=ORGANISATION_LINK).click()
    expect(page.get_by_role("heading", name=f"Sign in to {ISSUER_NAME}")).to_be_visible()
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Continue").click()
    if who.totp_secret:
        expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
        page.get_by_label("Code from your authenticator app").fill(totp_now(who.totp_secret))
        page.get_by_role("button", name="Verify").click()


def test_a_privileged_role_signs_in_with_a_password_and_a_code_and_lands_on_its_home_page(
    oidc_page: Any, oidc_app: LiveApp, provider: Provider
) -> None:
    who = person(provider, with_app=True)
    sign_in_at_provider(oidc_page, who)
    expect(oidc_page).to_have_url(re.compile(r"/purpose"))
    title = PURPOSES[purposes_for(ROLE)[0]].title
    oidc_page.get_by_label(title).check()
    oidc_page.get_by_role("button", name="Continue").click()
    expect(oidc_page.get_by_role("heading", name="What you can do")).to_be_visible()
    expect(oidc_page.get_by_text(f"Your declared purpose is {title}")).to_be_visible()
    with oidc_app.engine.connect() as connection:
        made = connection.execute(
            select(account.c.role, account.c.agency, account.c.provider, account.c.id).where(
                account.c.subject == who.sub
            )
        ).one()
        kept = connection.execute(
            select(account_session.c.id_token).where(account_session.c.account_id == made.id)
        ).scalar_one()
    # The role and agency came from the provider's groups and agency, sent by its userinfo
    # endpoint; the ID token is kept server-side for the logout.
    assert (made.role, made.agency, made.provider) == (ROLE, "social_care", provider.issuer)
    assert kept and kept.count(".") == 2
    with oidc_app.engine.connect() as connection:
        signed_in = search(connection, kind="LOGIN", actor=who.username)
    assert [e.details.get("via") for e in signed_in] == [provider.issuer]


def test_the_same_role_without_a_second_factor_is_refused_and_the_refusal_audited(
    oidc_page: Any, oidc_app: LiveApp, provider: Provider
) -> None:
    who = person(provider, with_app=False)
    sign_in_at_provider(oidc_page, who)
    expect(
        oidc_page.get_by_role("heading", name="Your sign-in needs a second factor")
    ).to_be_visible()
    expect(oidc_page.get_by_test_id("error-detail")).to_contain_text("second factor")
    oidc_page.goto("/")
    expect(oidc_page).to_have_url(re.compile(r"/login"))
    with oidc_app.engine.connect() as connection:
        refused = search(connection, kind="LOGIN_FAILED", actor=who.username)
    assert [e.details.get("reason") for e in refused] == ["no second factor"]
    with oidc_app.engine.connect() as connection:
        made = connection.execute(select(account.c.id).where(account.c.subject == who.sub))
        assert made.first() is None  # no account, no session
    # The way out: signing out of the provider, so that it asks again.
    oidc_page.goto("/login")
    oidc_page.get_by_role("link", name=ORGANISATION_LINK).click()
    expect(
        oidc_page.get_by_role("heading", name="Your sign-in needs a second factor")
    ).to_be_visible()
    oidc_page.get_by_role("link", name="Sign out of your organisation's account").click()
    expect(oidc_page).to_have_url(f"{oidc_app.url}/login")
    oidc_page.get_by_role("link", name=ORGANISATION_LINK).click()
    expect(oidc_page.get_by_role("heading", name=f"Sign in to {ISSUER_NAME}")).to_be_visible()


def test_a_practitioner_role_needs_only_what_the_provider_asks(
    oidc_page: Any, oidc_app: LiveApp, provider: Provider
) -> None:
    who = person(provider, with_app=False, group="childrens-services")
    sign_in_at_provider(oidc_page, who)
    expect(oidc_page).to_have_url(re.compile(r"/purpose"))
    offered = oidc_page.get_by_role("radio")
    expect(offered).to_have_count(len(purposes_for("SOCIAL_WORKER")))


def test_signing_out_ends_the_providers_session_too(
    oidc_page: Any, oidc_app: LiveApp, provider: Provider
) -> None:
    who = person(provider, with_app=True)
    sign_in_at_provider(oidc_page, who)
    expect(oidc_page).to_have_url(re.compile(r"/purpose"))
    sessions_before = len(provider.sessions)
    # Signed in at the provider: a second trip there comes straight back without a form.
    oidc_page.goto("/auth/oidc/login")
    expect(oidc_page).to_have_url(re.compile(r"/purpose"))
    oidc_page.get_by_role("button", name="Sign out").click()
    expect(oidc_page).to_have_url(f"{oidc_app.url}/login")
    assert len(provider.sessions) == sessions_before - 1
    oidc_page.goto("/")
    expect(oidc_page).to_have_url(re.compile(r"/login"))
    oidc_page.get_by_role("link", name=ORGANISATION_LINK).click()
    expect(oidc_page.get_by_role("heading", name=f"Sign in to {ISSUER_NAME}")).to_be_visible()
    with oidc_app.engine.connect() as connection:
        kept = connection.execute(
            select(account_session.c.id_token)
            .join(account, account.c.id == account_session.c.account_id)
            .where(account.c.subject == who.sub)
        ).scalars()
        assert all(token is None for token in kept)  # forgotten with the ended sessions


def test_a_provider_whose_certificate_joinedup_does_not_trust_is_a_clear_refusal(
    tmp_path: Any, oidc_app: LiveApp, provider: Provider
) -> None:
    """TLS is verified against the CA bundle: another CA's bundle (or none, the system's)
    does not vouch for the provider, and the sign-in stops with a page saying so."""
    other_ca, _certificate, _key = make_certificates(tmp_path)
    with config.use_in_this_process({"JOINEDUP_OIDC_CA_BUNDLE": str(other_ca)}):
        answer = httpx.get(f"{oidc_app.url}/auth/oidc/login", timeout=30)
    assert answer.status_code == 502
    assert "not trusted" in answer.text and "Traceback" not in answer.text
    trusted = httpx.get(f"{oidc_app.url}/auth/oidc/login", timeout=30)
    assert trusted.status_code == 303
    assert trusted.headers["location"].startswith(f"{provider.issuer}/authorize?")


def test_the_sign_out_form_may_reach_the_provider_and_nowhere_else(oidc_app: LiveApp) -> None:
    policy = httpx.get(f"{oidc_app.url}/login", timeout=30).headers["content-security-policy"]
    issuer = config.settings().oidc.issuer
    assert f"form-action 'self' {issuer};" in policy
