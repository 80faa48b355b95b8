"""The partners file's ``max_deposit``: how many encodings a partner may deposit in one
exchange session (the bound on a dictionary of invented identities)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from joinedup.errors import BadInput
from joinedup.exchange import partners


def _file(tmp_path: Path, extra: str) -> Path:
    public = tmp_path / "otherbury.pub.pem"
    public.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    path = tmp_path / "partners.yaml"
    path.write_text(
        "partnership: exampleshire\npartners:\n  otherbury:\n"
        "    url: https://otherbury.example\n"
        f"    secret: {base64.b64encode(b'k' * 32).decode()}\n"
        f"    public_keys: [{public}]\n{extra}"
    )
    return path


def test_max_deposit_defaults_and_can_be_set(tmp_path: Path) -> None:
    default = partners.load(_file(tmp_path, "")).get("otherbury")
    assert default.max_deposit == partners.DEFAULT_MAX_DEPOSIT
    assert partners.load(_file(tmp_path, "    max_deposit: 40000\n")).get(
        "otherbury").max_deposit == 40_000  # fmt: skip


@pytest.mark.parametrize("value", ["0", "-3", "lots", "2.5", "true"])
def test_a_bad_max_deposit_is_named_in_one_line(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadInput, match=r"partners\.otherbury\.max_deposit: expected a whole"):
        partners.load(_file(tmp_path, f"    max_deposit: {value}\n"))


@pytest.mark.parametrize("value", ["lots", "[1]", "1.5"])
def test_a_bad_threshold_is_named_in_one_line(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadInput, match=r"partners\.otherbury\.threshold: expected 0.5 to 1.0"):
        partners.load(_file(tmp_path, f"    threshold: {value}\n"))
