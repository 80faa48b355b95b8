"""OIDC sign-in (authorization code flow with PKCE and a nonce) through authlib.

Off unless configured: the ``JOINEDUP_OIDC_*`` settings (``config.groups.OidcConfig``, listed
in the README's Configuration) turn it on with an issuer. The provider's endpoints not
configured are read from the issuer's ``/.well-known/openid-configuration`` at the first
sign-in; provider values map to joinedup roles and agencies (``ROLE_MAP``, ``AGENCY_MAP``),
checked here, where the roles and agencies are known.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from joinedup import config
from joinedup.config.groups import OidcConfig
from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput, Forbidden
from joinedup.governance.roles import Role

PREFIX = "JOINEDUP_OIDC_"


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
        )

    def discovered(self) -> OidcSettings:
        """The settings with every endpoint known: those not configured are read from the
        issuer's discovery document (the only network call, to the configured provider)."""
        if self.authorization_endpoint and self.token_endpoint and self.jwks_uri:
            return self
        import httpx

        document = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10).json()
        return replace(
            self,
            authorization_endpoint=self.authorization_endpoint
            or document["authorization_endpoint"],
            token_endpoint=self.token_endpoint or document["token_endpoint"],
            jwks_uri=self.jwks_uri or document["jwks_uri"],
        )


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
    )


def authorization_redirect(settings: OidcSettings, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider URL to send the browser to, and the state to keep (signed, in a cookie)
    until the callback: ``state``, ``nonce`` and the PKCE ``code_verifier``."""
    settings = settings.discovered()
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
    )
    return url, pending


def exchange_code(settings: OidcSettings, pending: dict[str, str], callback_url: str) -> dict:
    """Swap the callback's code for tokens and return the ID token's verified claims
    (signature against the provider's keys, issuer, audience, expiry and nonce)."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    settings = settings.discovered()
    assert settings.token_endpoint is not None and settings.jwks_uri is not None
    client = _client(settings, pending["redirect_uri"])
    token = client.fetch_token(
        settings.token_endpoint,
        authorization_response=callback_url,
        state=pending["state"],
        code_verifier=pending["code_verifier"],
    )
    keys = KeySet.import_key_set(client.get(settings.jwks_uri).json())
    decoded = jwt.decode(token["id_token"], keys)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": settings.issuer},
        aud={"essential": True, "value": settings.client_id},
        nonce={"essential": True, "value": pending["nonce"]},
        sub={"essential": True},
    )
    registry.validate(decoded.claims)
    return dict(decoded.claims)


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
