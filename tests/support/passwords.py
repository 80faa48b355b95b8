"""Argon2 work for the tests' accounts: the product hashes every password with argon2-cffi's
RFC 9106 low-memory parameters (64 MiB, three passes, four lanes), ~0.3 CPU-s a hash or
sign-in on the shared machine; the suite makes and signs in hundreds of test accounts, so a
session fixture (tests/conftest.py) swaps in the cheapest argon2id parameters. The hashes
stay argon2id and are verified by the same code; tests/unit/test_password_hashing.py checks
the product's own parameters, and that a hash made with weaker ones is upgraded at sign-in."""

from __future__ import annotations

from argon2 import PasswordHasher

from joinedup.accounts import secrets

PRODUCT_HASHER = secrets._hasher
# argon2's floor: one pass over 8 KiB per lane, one lane (argon2id, as the product's).
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
