"""What the test OpenID Connect provider (tests/support/oidc_provider.py) keeps: the people
it knows, its registered clients, its sessions, codes and tokens, shaped as authlib's server
side expects (``ClientMixin``, the OIDC ``AuthorizationCodeMixin``, ``TokenMixin``)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ISSUER_NAME = "Exampleshire sign-in"
# The PAPE policy URI for multi-factor: joinedup's default JOINEDUP_OIDC_MFA_ACR.
MULTI_FACTOR_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
PASSWORD_ACR = "urn:exampleshire:acr:password"


@dataclass
class Person:
    """Someone the provider knows: a password, maybe an authenticator app (TOTP secret),
    and the claims it gives out about them."""

    username: str
    password: str
    claims: dict[str, Any]
    totp_secret: str | None = None
    sub: str = field(default_factory=lambda: secrets.token_hex(8))


@dataclass
class Client:
    """A registered relying party (authlib's ``ClientMixin``)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile", "email", "groups"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class SignedIn:
    """A session at the provider: who, how (``amr``) and when."""

    person: Person
    amr: list[str]
    auth_time: int


@dataclass
class Code:
    """An authorization code (authlib's OIDC ``AuthorizationCodeMixin``)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    who: SignedIn
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.who.auth_time

    def get_acr(self) -> str:
        return MULTI_FACTOR_ACR if "otp" in self.who.amr else PASSWORD_ACR

    def get_amr(self) -> list[str]:
        return list(self.who.amr)


@dataclass
class Token:
    """An access token (authlib's ``TokenMixin``)."""

    access_token: str
    client: Client
    person: Person
    scope: str
    expires_at: float

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - time.time())

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> Person:
        return self.person

    def get_client(self) -> Client:
        return self.client


@dataclass
class Provider:
    """The running provider: its issuer URL, the CA bundle to trust it with, and its state
    (people, clients, sessions), which the tests read and add to."""

    issuer: str
    ca_bundle: Path
    people: dict[str, Person] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    sessions: dict[str, SignedIn] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    ended_sessions: int = 0

    def add_person(self, person: Person) -> Person:
        self.people[person.username] = person
        return person

    def register_client(
        self, client_id: str, redirect_uri: str, post_logout_redirect_uri: str
    ) -> Client:
        client = Client(
            client_id, secrets.token_urlsafe(24), [redirect_uri], [post_logout_redirect_uri]
        )
        self.clients[client_id] = client
        return client
