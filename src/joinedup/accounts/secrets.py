"""Password hashing and session tokens.

Hashing is argon2id through argon2-cffi (the RFC 9106 recommended parameters it defaults to);
tokens come from ``secrets``; only their SHA-256 is ever stored.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


# Verified when the username is unknown, so a wrong name costs as long as a wrong password
# and response times do not reveal which accounts exist.
@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: a hash costs as much as a sign-in, and every
    # `joinedup` command imports this module.
    return _hasher.hash("not a password: evens out the timing of unknown usernames")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing hash (OIDC-only account) never matches."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def new_token() -> str:
    """A 256-bit random token for a session cookie (URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
