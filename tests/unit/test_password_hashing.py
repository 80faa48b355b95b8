"""The product hashes passwords with argon2-cffi's RFC 9106 low-memory parameters, whatever
the tests swap in to make their accounts cheaply (tests/support/passwords.py), and a hash made
with weaker parameters is made again with the product's at the next sign-in."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import Engine, select

from joinedup.accounts import secrets
from joinedup.services import accounts
from joinedup.store.account_tables import account
from tests.support.passwords import PRODUCT_HASHER, TEST_HASHER

PASSWORD = "correct horse battery staple"


def test_the_product_hashes_with_the_rfc_9106_low_memory_parameters() -> None:
    stored = PRODUCT_HASHER.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == RFC_9106_LOW_MEMORY
    assert TEST_HASHER.hash(PASSWORD).startswith("$argon2id$")  # the tests' too, only cheaper


def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "_hasher", TEST_HASHER)
    accounts.add_user(
        engine, username="sw1", role="SOCIAL_WORKER", agency="social_care",
        display_name="Sam Worker", password=PASSWORD, practitioner_key="W00001",
    )  # fmt: skip
    with engine.connect() as connection:
        weak = connection.execute(select(account.c.password_hash)).scalar_one()
    assert extract_parameters(weak) != RFC_9106_LOW_MEMORY

    monkeypatch.setattr(secrets, "_hasher", PRODUCT_HASHER)
    accounts.sign_in(engine, "sw1", PASSWORD)
    with engine.connect() as connection:
        upgraded = connection.execute(select(account.c.password_hash)).scalar_one()
    assert extract_parameters(upgraded) == RFC_9106_LOW_MEMORY
    accounts.sign_in(engine, "sw1", PASSWORD)  # the upgraded hash verifies the same password
