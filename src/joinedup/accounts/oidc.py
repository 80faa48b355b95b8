"""OIDC sign-in (authorization code flow with PKCE and a nonce) through authlib.

Off unless configured: the ``JOINEDUP_OIDC_*`` settings (``config.groups.OidcConfig``, listed
in the README's Configuration) turn it on with an issuer. The provider's endpoints not
configured are read from the issuer's ``/.well-known/openid-configuration`` at the first
sign-in; provider values map to joinedup roles and agencies (``ROLE_MAP``, ``AGENCY_MAP``),
checked here, where the roles and agencies are known. Roles and agencies come from the ID
token's claims, or from the provider's userinfo endpoint when the ID token leaves them out
(providers often send groups only there).

The provider's TLS is checked against ``CA_BUNDLE`` when set (a partnership's private CA).
The roles in ``MFA_ROLES`` must have signed in with a second factor: the ID token's ``amr``
names one (``mfa``, ``otp``, ``hwk``) or its ``acr`` is one of ``MFA_ACR``, which the
sign-in asks the provider for (``acr_values``). Signing out ends the provider's session too,
at its ``end_session_endpoint`` with the ID token as the hint.
"""

from __future__ import annotations

import logging
import secrets
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from joinedup import config
from joinedup.config.groups import OidcConfig
from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput, Forbidden, JoinedUpError
from joinedup.governance.roles import Role

PREFIX = "JOINEDUP_OIDC_"
# RFC 8176 authentication method references that are a second factor.
SECOND_FACTOR_AMR = frozenset({"mfa", "otp", "hwk"})
# Claims only the signed ID token may carry (never taken from the userinfo answer).
ID_TOKEN_ONLY = frozenset({"iss", "aud", "exp", "iat", "nonce", "auth_time", "acr", "amr", "azp"})
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
_log = logging.getLogger(__name__)


class ProviderUnreachable(JoinedUpError):
    """The identity provider did not answer, or not over TLS joinedup trusts."""

    http_status = 502


class SecondFactorMissing(Forbidden):
    """A role that must use a second factor signed in at the provider without one."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    jwks_uri: str | None = None
    redirect_uri: str | None = None
    scope: str = "openid profile email"
    role_claim: str = "roles"
    role_map: dict[str, Role] = field(default_factory=dict)
    agency_claim: str = "agency"
    agency_map: dict[str, AgencyId] = field(default_factory=dict)
    default_agency: AgencyId | None = None
    team_claim: str | None = None
    practitioner_key_claim: str = "email"
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    ca_bundle: str | None = None
    mfa_roles: frozenset[Role] = frozenset()
    mfa_acr: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> OidcSettings | None:
        """The settings, or None when OIDC is not configured (no issuer). ``env``: the
        variables to read instead of the environment's (tests)."""
        given = config.settings().oidc if env is None else config.read_group(OidcConfig, env)
        if not given.issuer or not given.client_id or not given.client_secret:
            return None  # (the settings refuse an issuer without a client)
        roles = {}
        for key, name in given.role_map.items():
            try:
                roles[key] = Role(name.upper())
            except ValueError:
                raise BadInput(f"{PREFIX}ROLE_MAP: {name!r} is not a joinedup role") from None
        agencies = {key: _agency(name, "AGENCY_MAP") for key, name in given.agency_map.items()}
        default_agency = given.default_agency
        mfa_roles = set()
        for name in _words(given.mfa_roles):
            if name.lower() == "none":
                continue
            try:
                mfa_roles.add(Role(name.upper()))
            except ValueError:
                raise BadInput(f"{PREFIX}MFA_ROLES: {name!r} is not a joinedup role") from None
        return cls(
            issuer=given.issuer.rstrip("/"),
            client_id=given.client_id,
            client_secret=given.client_secret,
            authorization_endpoint=given.authorization_endpoint,
            token_endpoint=given.token_endpoint,
            jwks_uri=given.jwks_uri,
            redirect_uri=given.redirect_uri,
            scope=given.scope,
            role_claim=given.role_claim,
            role_map=roles,
            agency_claim=given.agency_claim,
            agency_map=agencies,
            default_agency=_agency(default_agency, "DEFAULT_AGENCY") if default_agency else None,
            team_claim=given.team_claim,
            practitioner_key_claim=given.practitioner_key_claim,
            end_session_endpoint=given.end_session_endpoint,
            ca_bundle=given.ca_bundle,
            mfa_roles=frozenset(mfa_roles),
            mfa_acr=tuple(_words(given.mfa_acr)),
        )

    def tls(self) -> ssl.SSLContext:
        """The TLS context for every call to the provider: the system's trusted
        certificates, or only those of ``CA_BUNDLE``."""
        return ssl.create_default_context(cafile=self.ca_bundle)

    def discovered(self, *needed: str) -> OidcSettings:
        """The settings with the ``needed`` endpoints (attribute names) known: when one is not
        configured, every endpoint not configured is read from the issuer's discovery
        document (the only network call, to the configured provider)."""
        if all(getattr(self, name) for name in needed):
            return self
        document = _discovery(self)
        return replace(
            self,
            authorization_endpoint=self.authorization_endpoint
            or document["authorization_endpoint"],
            token_endpoint=self.token_endpoint or document["token_endpoint"],
            jwks_uri=self.jwks_uri or document["jwks_uri"],
            userinfo_endpoint=self.userinfo_endpoint or document.get("userinfo_endpoint"),
            end_session_endpoint=self.end_session_endpoint or document.get("end_session_endpoint"),
        )


# The discovery documents read, by (issuer, CA bundle): (when, document). A sign-in reads it
# at the redirect, the callback and the logout; a provider's endpoints rarely move.
_DISCOVERED: dict[tuple[str, str | None], tuple[float, dict[str, Any]]] = {}
DISCOVERY_KEPT = 300.0  # seconds


def _discovery(settings: OidcSettings) -> dict[str, Any]:
    """The issuer's discovery document (kept ``DISCOVERY_KEPT`` seconds), checked to name
    the configured issuer and the endpoints a sign-in needs; ``ProviderUnreachable`` when it
    cannot be had, over TLS that ``CA_BUNDLE`` (or the system) trusts."""
    import httpx

    key = (settings.issuer, settings.ca_bundle)
    held = _DISCOVERED.get(key)
    if held is not None and time.monotonic() - held[0] < DISCOVERY_KEPT:
        return held[1]
    url = f"{settings.issuer}/.well-known/openid-configuration"
    try:
        document = httpx.get(url, timeout=10, verify=settings.tls()).raise_for_status().json()
        if not isinstance(document, dict) or not all(map(document.get, ENDPOINTS)):
            raise ValueError("the discovery document lacks a required endpoint")
        if str(document.get("issuer", "")).rstrip("/") != settings.issuer:
            raise ValueError("the discovery document names another issuer")
    except (httpx.HTTPError, ValueError) as error:
        _log.warning("the identity provider's discovery failed: %r", error)
        raise ProviderUnreachable(
            "your organisation's sign-in service could not be reached or is not trusted "
            f"({type(error).__name__}): try again later, or tell the administrator"
        ) from None
    _DISCOVERED[key] = (time.monotonic(), document)
    return document


def _words(value: str | None) -> list[str]:
    return [word.strip() for word in (value or "").split(",") if word.strip()]


def _agency(name: str, what: str) -> AgencyId:
    try:
        return AgencyId(name.strip().lower())
    except ValueError:
        raise BadInput(f"{PREFIX}{what}: {name!r} is not an agency id") from None


def _client(settings: OidcSettings, redirect_uri: str) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scope=settings.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        verify=settings.tls(),
        timeout=10,
    )


def authorization_redirect(settings: OidcSettings, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider URL to send the browser to, and the state to keep (signed, in a cookie)
    until the callback: ``state``, ``nonce`` and the PKCE ``code_verifier``."""
    settings = settings.discovered("authorization_endpoint")
    assert settings.authorization_endpoint is not None
    pending = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "code_verifier": secrets.token_urlsafe(48),
        "redirect_uri": redirect_uri,
    }
    url, _state = _client(settings, redirect_uri).create_authorization_url(
        settings.authorization_endpoint,
        state=pending["state"],
        code_verifier=pending["code_verifier"],
        nonce=pending["nonce"],
        **_second_factor_asked(settings),
    )
    return url, pending


def _second_factor_asked(settings: OidcSettings) -> dict[str, str]:
    """``acr_values`` asking for a second factor, when any role needs one."""
    if settings.mfa_roles and settings.mfa_acr:
        return {"acr_values": " ".join(settings.mfa_acr)}
    return {}


@dataclass(frozen=True)
class SignedIn:
    """What the provider said about the person: the ID token's verified claims (with any
    the userinfo endpoint added), and the ID token itself (the hint for signing out)."""

    claims: dict[str, Any]
    id_token: str


def exchange_code(settings: OidcSettings, pending: dict[str, str], callback_url: str) -> SignedIn:
    """Swap the callback's code for tokens and verify the ID token (signature against the
    provider's keys, issuer, audience, expiry and nonce). When the ID token carries no role
    or agency claim, the provider's userinfo endpoint is asked for the rest of the claims."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    settings = settings.discovered("token_endpoint", "jwks_uri")
    assert settings.token_endpoint is not None and settings.jwks_uri is not None
    with _client(settings, pending["redirect_uri"]) as client:
        token = client.fetch_token(
            settings.token_endpoint,
            authorization_response=callback_url,
            state=pending["state"],
            code_verifier=pending["code_verifier"],
        )
        keys = KeySet.import_key_set(client.get(settings.jwks_uri).raise_for_status().json())
        decoded = jwt.decode(token["id_token"], keys)
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.client_id},
            nonce={"essential": True, "value": pending["nonce"]},
            sub={"essential": True},
        )
        registry.validate(decoded.claims)
        claims = dict(decoded.claims)
        missing = settings.role_claim not in claims or settings.agency_claim not in claims
        if missing and settings.userinfo_endpoint:
            info = client.get(settings.userinfo_endpoint).raise_for_status().json()
            if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: else not to be used
                for name, value in info.items():
                    if name not in ID_TOKEN_ONLY:
                        claims.setdefault(name, value)
    return SignedIn(claims, str(token["id_token"]))


def second_factor_used(claims: Mapping[str, Any], mfa_acr: tuple[str, ...] = ()) -> bool:
    """Whether the provider says the person signed in with a second factor: an ``amr``
    (RFC 8176) of ``mfa``, ``otp`` or ``hwk``, or an ``acr`` among ``mfa_acr``."""
    amr = claims.get("amr")
    methods = {str(m).lower() for m in amr} if isinstance(amr, list | tuple) else set()
    return bool(methods & SECOND_FACTOR_AMR) or str(claims.get("acr") or "") in mfa_acr


def require_second_factor(settings: OidcSettings, role: str, claims: Mapping[str, Any]) -> None:
    """``SecondFactorMissing`` when ``role`` must use a second factor and did not."""
    if role in {r.value for r in settings.mfa_roles} and not second_factor_used(
        claims, settings.mfa_acr
    ):
        raise SecondFactorMissing(
            "your organisation's sign-in did not ask for a second factor, which your role "
            "needs here: ask its administrators to require one (for example a code from an "
            "authenticator app) for your account, then sign in again"
        )


def logout_url(settings: OidcSettings, id_token: str, after_logout: str) -> str | None:
    """The provider's end-session URL that ends its session and sends the browser back to
    ``after_logout`` (OIDC RP-Initiated Logout), or None when the provider has none."""
    try:
        settings = settings.discovered("end_session_endpoint")
    except Exception as error:  # noqa: BLE001 - signing out here goes on regardless
        _log.warning("the identity provider's discovery failed at logout: %s", error)
        return None
    if not settings.end_session_endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": after_logout,
            "client_id": settings.client_id,
        }
    )
    separator = "&" if "?" in settings.end_session_endpoint else "?"
    return f"{settings.end_session_endpoint}{separator}{query}"


def profile_from_claims(settings: OidcSettings, claims: Mapping[str, Any]) -> dict[str, Any]:
    """The account a provider's claims describe: role and agency through the maps; refused
    (``Forbidden``) when no claim value maps to a joinedup role or agency."""
    role = _first_mapped(claims.get(settings.role_claim), settings.role_map, Role)
    if role is None:
        raise Forbidden(
            f"your identity provider's {settings.role_claim!r} claim names no joinedup role"
        )
    agency = _first_mapped(claims.get(settings.agency_claim), settings.agency_map, AgencyId)
    agency = agency or settings.default_agency
    if agency is None:
        raise Forbidden(f"your identity provider's {settings.agency_claim!r} claim names no agency")
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise Forbidden("the identity provider sent no subject")
    email = str(claims.get("email") or "").strip()
    username = str(claims.get("preferred_username") or email or subject).strip().lower()
    return {
        "subject": subject,
        "username": username.replace(" ", "."),
        "role": role.value,
        "agency": agency.value,
        "display_name": str(claims.get("name") or username),
        "team": str(claims.get(settings.team_claim) or "") if settings.team_claim else None,
        "practitioner_key": str(claims.get(settings.practitioner_key_claim) or "") or None,
    }


def _first_mapped(value: Any, mapping: Mapping[str, Any], kind: Any) -> Any:
    values = value if isinstance(value, list | tuple) else [value] if value else []
    for item in values:
        text = str(item).strip()
        if text in mapping:
            return mapping[text]
        for candidate in (text.upper(), text.lower()):
            try:
                return kind(candidate)
            except ValueError:
                continue
    return None
