"""This partnership's exchange partners, from the partners file
(``JOINEDUP_EXCHANGE_PARTNERS``)::

    partnership: otherbury            # this partnership's own name (as agreements say it)
    partners:
      exampleshire:
        url: https://joinedup.exampleshire.example
        secret_file: /etc/joinedup/exampleshire-otherbury.secret   # or secret: <base64>
        public_keys: [/etc/joinedup/exampleshire-audit.pub.pem]
        threshold: 0.94         # optional: the Dice score a match needs
        max_deposit: 300000     # optional: the most encodings it may deposit in a session

The secret (at least 32 bytes) is the one the two partnerships share for discovery; the
public keys are the partner's Ed25519 audit keys, which check its signed requests and its
signed summaries. A partner not in the file is unknown: nothing is sent to it or accepted
from it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, yaml_document
from joinedup.errors import BadInput, Forbidden
from joinedup.exchange.matching import DEFAULT_THRESHOLD
from joinedup.governance.audit.keys import key_id_of

DEFAULT_MAX_DEPOSIT = 300_000
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


class UnknownPartner(Forbidden):
    """A partnership this one has no exchange with."""


@dataclass(frozen=True)
class Partner:
    name: str
    url: str
    secret: bytes
    public_keys: dict[str, Ed25519PublicKey]  # key id -> key
    threshold: float = DEFAULT_THRESHOLD
    max_deposit: int = DEFAULT_MAX_DEPOSIT


@dataclass(frozen=True)
class Partners:
    ours: str
    partners: dict[str, Partner]

    def get(self, name: str) -> Partner:
        partner = self.partners.get(name)
        if partner is None:
            raise UnknownPartner(f"{name!r} is not an exchange partner of {self.ours}")
        return partner


def _bad(path: Path, where: str, message: str) -> BadInput:
    return BadInput(f"{path}: {where}: {message}")


def _secret(path: Path, name: str, entry: dict[str, Any]) -> bytes:
    if entry.get("secret_file"):
        try:
            raw = Path(str(entry["secret_file"])).read_bytes().strip()
        except OSError as error:
            raise _bad(path, f"partners.{name}.secret_file", str(error.strerror)) from None
    else:
        raw = str(entry.get("secret") or "").encode()
    try:
        secret = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) < 32:
        raise _bad(path, f"partners.{name}.secret", "expected at least 32 bytes, base64")
    return secret


def _keys(path: Path, name: str, entry: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    files = entry.get("public_keys")
    if not isinstance(files, list) or not files:
        raise _bad(path, f"partners.{name}.public_keys", "list the partner's public key files")
    keys: dict[str, Ed25519PublicKey] = {}
    for n, file in enumerate(files):
        where = f"partners.{name}.public_keys[{n}]"
        try:
            key = serialization.load_pem_public_key(Path(str(file)).read_bytes())
        except OSError as error:
            raise _bad(path, where, str(error.strerror)) from None
        except ValueError:
            raise _bad(path, where, "not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise _bad(path, where, "not an Ed25519 key")
        keys[key_id_of(key)] = key
    return keys


def load(path: Path) -> Partners:
    """The partners file at ``path``; ``BadInput`` naming the file and field at fault."""
    try:
        data = yaml_document(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(f"{path}: cannot be read: {error.strerror}") from None
    except NestedTooDeep:
        raise BadInput(f"{path}: {TOO_DEEP}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: is not UTF-8 text") from None
    except yaml.YAMLError:
        raise BadInput(f"{path}: not valid YAML") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected partnership and partners")
    ours = str(data.get("partnership") or "")
    if not _SLUG.match(ours):
        raise _bad(path, "partnership", "name this partnership (lower case, digits, hyphens)")
    found: dict[str, Partner] = {}
    for name, entry in (data.get("partners") or {}).items():
        if not _SLUG.match(str(name)) or not isinstance(entry, dict):
            raise _bad(path, f"partners.{name}", "a partner is a name with its settings")
        url = str(entry.get("url") or "").rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise _bad(path, f"partners.{name}.url", "expected an http(s) URL")
        try:
            threshold = float(entry.get("threshold", DEFAULT_THRESHOLD))
        except (TypeError, ValueError):
            threshold = -1.0  # named below, as any threshold out of range
        if not 0.5 <= threshold <= 1.0:
            raise _bad(path, f"partners.{name}.threshold", "expected 0.5 to 1.0")
        most = entry.get("max_deposit", DEFAULT_MAX_DEPOSIT)
        if not isinstance(most, int) or isinstance(most, bool) or most < 1:
            raise _bad(path, f"partners.{name}.max_deposit", "expected a whole number above 0")
        found[str(name)] = Partner(
            str(name), url, _secret(path, str(name), entry), _keys(path, str(name), entry),
            threshold, most,
        )  # fmt: skip
    return Partners(ours, found)
