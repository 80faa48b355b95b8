"""OIDC sign-in (authorization code flow with PKCE and a nonce) through authlib.

Off unless configured. Configuration, all from the environment:

``JOINEDUP_OIDC_ISSUER``          the identity provider's issuer URL (turns OIDC on)
``JOINEDUP_OIDC_CLIENT_ID``       this service's client id at the provider
``JOINEDUP_OIDC_CLIENT_SECRET``   its client secret
``JOINEDUP_OIDC_AUTHORIZATION_ENDPOINT``, ``..._TOKEN_ENDPOINT``, ``..._JWKS_URI``
                                  the provider's endpoints; unset: read from the issuer's
                                  ``/.well-known/openid-configuration`` at the first sign-in
``JOINEDUP_OIDC_REDIRECT_URI``    the callback URL registered at the provider (default: this
                                  site's ``/auth/oidc/callback``)
``JOINEDUP_OIDC_SCOPE``           default ``openid profile email``
``JOINEDUP_OIDC_ROLE_CLAIM``      the claim that carries groups or roles (default ``roles``)
``JOINEDUP_OIDC_ROLE_MAP``        ``idp-value=ROLE,...``: which provider value means which
                                  joinedup role (a value that is already a role name counts)
``JOINEDUP_OIDC_AGENCY_CLAIM``    the claim naming the agency (default ``agency``)
``JOINEDUP_OIDC_AGENCY_MAP``      ``idp-value=agency_id,...`` (an agency id counts as itself)
``JOINEDUP_OIDC_DEFAULT_AGENCY``  the agency when the claim is absent (one-agency providers)
``JOINEDUP_OIDC_TEAM_CLAIM``, ``..._PRACTITIONER_KEY_CLAIM`` (default ``email``)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput, Forbidden
from joinedup.governance.roles import Role

PREFIX = "JOINEDUP_OIDC_"


def parse_map(value: str, what: str) -> dict[str, str]:
    """``a=B, c=D`` as a dict; raises ``BadInput`` naming the bad item."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise BadInput(f"{PREFIX}{what}: {item!r} is not idp-value=name")
        mapping[key.strip()] = target.strip()
    return mapping


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
        """The settings, or None when OIDC is not configured (no issuer)."""
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(PREFIX + name, default).strip()

        issuer = get("ISSUER")
        if not issuer:
            return None
        if not issuer.startswith("https://"):
            raise BadInput(f"{PREFIX}ISSUER must be an https URL, not {issuer!r}")
        client_id, secret = get("CLIENT_ID"), get("CLIENT_SECRET")
        if not client_id or not secret:
            raise BadInput(f"OIDC needs {PREFIX}CLIENT_ID and {PREFIX}CLIENT_SECRET")
        roles = {}
        for key, name in parse_map(get("ROLE_MAP"), "ROLE_MAP").items():
            try:
                roles[key] = Role(name.upper())
            except ValueError:
                raise BadInput(f"{PREFIX}ROLE_MAP: {name!r} is not a joinedup role") from None
        agencies = {}
        for key, name in parse_map(get("AGENCY_MAP"), "AGENCY_MAP").items():
            agencies[key] = _agency(name, "AGENCY_MAP")
        default_agency = get("DEFAULT_AGENCY")
        return cls(
            issuer=issuer.rstrip("/"),
            client_id=client_id,
            client_secret=secret,
            authorization_endpoint=get("AUTHORIZATION_ENDPOINT") or None,
            token_endpoint=get("TOKEN_ENDPOINT") or None,
            jwks_uri=get("JWKS_URI") or None,
            redirect_uri=get("REDIRECT_URI") or None,
            scope=get("SCOPE", "openid profile email") or "openid profile email",
            role_claim=get("ROLE_CLAIM", "roles") or "roles",
            role_map=roles,
            agency_claim=get("AGENCY_CLAIM", "agency") or "agency",
            agency_map=agencies,
            default_agency=_agency(default_agency, "DEFAULT_AGENCY") if default_agency else None,
            team_claim=get("TEAM_CLAIM") or None,
            practitioner_key_claim=get("PRACTITIONER_KEY_CLAIM", "email") or "email",
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
