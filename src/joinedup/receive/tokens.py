"""An agency's credential for pushing deliveries: a JSON Web Token signed with the agency's
Ed25519 private key (RFC 8037 keys, RFC 9864's ``Ed25519`` algorithm), one per request.

The partnership holds only the public key (``joinedup receive keys add``), so a stolen copy of
the partnership's database cannot be used to push a delivery in an agency's name, and the
agency's key never leaves the agency. Each token names its agency (``iss``), the audience
``joinedup-deliveries`` (a token minted for another service is refused), a lifetime of at most
``MAX_LIFETIME`` seconds and a unique id (``jti``) that the service records so that a token
replayed, even within its lifetime, is refused.

joserfc (the JOSE library authlib itself now builds on) does the signing and the checks;
nothing here parses a token by hand.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from joinedup.domain.nesting import bounded
from joinedup.errors import BadInput, Unauthenticated

ALGORITHM = "Ed25519"
AUDIENCE = "joinedup-deliveries"
MAX_LIFETIME = 600  # seconds: a token is minted for one request, not for a session
CLOCK_SKEW = 60


class CredentialRefused(Unauthenticated):
    """The request's agency credential is missing, malformed, unknown, expired or replayed
    (answered 401 with the reason; the reason never includes the token)."""


@dataclass(frozen=True)
class AgencyToken:
    agency: str
    key_id: str
    token_id: str
    expires_at: int


def new_key_pair() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as PEM: (private, public)."""
    key = OKPKey.generate_key("Ed25519")
    return key.as_pem(private=True), key.as_pem(private=False)


def public_key(pem: bytes) -> OKPKey:
    """An agency's public key from its PEM, refused with one line when it is not Ed25519."""
    try:
        key = OKPKey.import_key(pem)
    except (JoseError, ValueError, TypeError) as error:
        raise BadInput(f"not an Ed25519 public key in PEM form ({error})") from None
    if key.curve_name != "Ed25519":
        raise BadInput(f"an agency's key must be Ed25519, not {key.curve_name}")
    if key.is_private:
        raise BadInput("that is a private key: register the agency's PUBLIC key only")
    return key


def key_id(pem: bytes) -> str:
    """The key's RFC 7638 thumbprint: the ``kid`` the agency's tokens carry."""
    return str(public_key(pem).thumbprint())


def mint(agency: str, private_pem: bytes, *, lifetime: int = 120, now: float | None = None) -> str:
    """A token for one request by ``agency`` (what the agency's system does)."""
    key = OKPKey.import_key(private_pem)
    issued = int(now if now is not None else time.time())
    kid = str(OKPKey.import_key(key.as_pem(private=False)).thumbprint())
    claims = {
        "iss": agency,
        "sub": agency,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": secrets.token_urlsafe(18),
    }
    return jwt.encode({"alg": ALGORITHM, "kid": kid}, claims, key, algorithms=[ALGORITHM])


def verify(
    token: str,
    key_for: Callable[[str, str], bytes | None],
    *,
    now: float | None = None,
) -> AgencyToken:
    """Check a token: signature by the registered key its header names for its agency,
    audience, lifetime. ``key_for(agency, kid)`` gives the registered (unrevoked) public key's
    PEM or None. Replay is the caller's check (it needs the store)."""
    at = int(now if now is not None else time.time())
    try:
        # read (not trusted yet) to find the agency and the key that must have signed it
        unverified = jws.extract_compact(token.encode("ascii"))
        header = unverified.protected
        claims = bounded(json.loads, unverified.payload)  # NestedTooDeep is a ValueError
        if not isinstance(claims, dict):
            raise ValueError
    except (JoseError, ValueError, UnicodeError, TypeError):
        raise CredentialRefused("the agency credential is not a signed token") from None
    agency, kid = claims.get("iss"), header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise CredentialRefused(f"the token must be signed with {ALGORITHM} and name its key")
    if not isinstance(agency, str):
        raise CredentialRefused("the token names no agency (iss)")
    pem = key_for(agency, kid)
    if pem is None:
        raise CredentialRefused(f"no delivery key {kid[:12]}… is registered for {agency[:40]}")
    try:
        decoded = jwt.decode(token, public_key(pem), algorithms=[ALGORITHM])
    except (JoseError, ValueError):
        raise CredentialRefused("the token's signature does not verify") from None
    claims = decoded.claims
    expires, issued, token_id = claims.get("exp"), claims.get("iat"), claims.get("jti")
    if claims.get("aud") != AUDIENCE:
        raise CredentialRefused(f"the token is not for {AUDIENCE}")
    if not isinstance(expires, int) or not isinstance(issued, int):
        raise CredentialRefused("the token needs iat and exp")
    if expires - issued > MAX_LIFETIME:
        raise CredentialRefused(f"a token may live at most {MAX_LIFETIME} seconds")
    if expires < at - CLOCK_SKEW or issued > at + CLOCK_SKEW:
        raise CredentialRefused("the token has expired (or is not valid yet)")
    if not isinstance(token_id, str) or not 8 <= len(token_id) <= 100:
        raise CredentialRefused("the token needs a unique id (jti)")
    return AgencyToken(agency, kid, token_id, expires)
