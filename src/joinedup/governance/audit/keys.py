"""The audit log's signing keys: where the private key lives, which public keys are trusted
to check a head, retiring and moving keys.

The signing key, in order of preference:

* ``JOINEDUP_AUDIT_SIGNING_KEY``: a path to a PEM (PKCS#8) or base64 raw Ed25519 private
  key, or the base64 raw key itself;
* otherwise a key file generated once with mode 0600 (its folder 0700), away from the store:
  in ``JOINEDUP_AUDIT_KEY_DIR`` when set, else ``$XDG_CONFIG_HOME/joinedup`` (default
  ``~/.config/joinedup``), as ``audit-signing-key.pem``. Never beside a SQLite database:
  whoever can rewrite the database could re-sign it with a key that sits next to it, so such a
  key directory is refused, and a key generated there by an older joinedup
  (``<db file>.audit-key.pem``) is not trusted until ``move_legacy_key`` retires it.

Public keys trusted when verifying: the current key's, the retired keys' kept beside the key
file (``*.retired-<id>.pub``, each trusted only for heads up to the tree size it last signed,
from ``*.retired-<id>.json``) and any PEM files listed (``os.pathsep`` separated) in
``JOINEDUP_AUDIT_TRUSTED_KEYS``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import URL, make_url

from joinedup.config import settings
from joinedup.errors import BadInput
from joinedup.governance.audit.chain import as_utc
from joinedup.governance.audit.treehead import TreeHead, head_message

KEY_ENV = "JOINEDUP_AUDIT_SIGNING_KEY"
KEY_DIR_ENV = "JOINEDUP_AUDIT_KEY_DIR"
TRUSTED_KEYS_ENV = "JOINEDUP_AUDIT_TRUSTED_KEYS"
KEY_FILE_NAME = "audit-signing-key.pem"
_log = logging.getLogger(__name__)


class AuditKeyError(BadInput):
    """The audit signing key cannot be loaded or created."""


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: names a key in heads and files."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key and where it came from (a path or the environment)."""

    private_key: Ed25519PrivateKey
    source: str
    key_file: Path | None  # None when the key comes from the environment

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, tree_size: int, root_hash: str, signed_at: datetime) -> TreeHead:
        """A signed head over ``tree_size`` entries with Merkle root ``root_hash`` (hex)."""
        signed_at = as_utc(signed_at)
        signature = self.private_key.sign(head_message(tree_size, root_hash, signed_at))
        return TreeHead(
            tree_size, root_hash, signed_at, self.key_id, base64.b64encode(signature).decode()
        )


def sqlite_file(database_url: str | URL) -> Path | None:
    """The database file of a SQLite store (None for PostgreSQL or an in-memory store)."""
    url = make_url(database_url) if isinstance(database_url, str) else database_url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).expanduser().resolve()


def legacy_key_file(database_url: str | URL) -> Path | None:
    """Where older versions of joinedup generated a SQLite store's key: beside the database."""
    database = sqlite_file(database_url)
    return None if database is None else database.with_name(database.name + ".audit-key.pem")


def refuse_beside_store(path: Path, database_url: str | URL, what: str) -> None:
    """``AuditKeyError`` when ``path`` is in the folder of a SQLite database: whoever can
    replace the database there could replace, or read, that file too."""
    database = sqlite_file(database_url)
    if database is not None and path.expanduser().resolve().parent == database.parent:
        raise AuditKeyError(
            f"the audit {what} {path} would sit beside the database {database}: keep it "
            f"in a folder of its own (JOINEDUP_AUDIT_KEY_DIR, or the default "
            f"~/.config/joinedup)"
        )


def key_file_for(database_url: str | URL) -> Path:
    """Where the generated signing key lives (see the module docstring); refused beside a
    SQLite database."""
    path = settings().audit.key_folder / KEY_FILE_NAME
    refuse_beside_store(path, database_url, "signing key")
    return path


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _parse_private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as error:
            raise AuditKeyError(f"{source}: not a readable PEM private key ({error})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise AuditKeyError(f"{source}: the PEM key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise AuditKeyError(
            f"{source}: expected a PEM private key or 32 bytes of base64 (an Ed25519 seed)"
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def _write_new_key(path: Path, *, replace: bool) -> None:
    """Write a fresh key with mode 0600. Without ``replace`` it never overwrites: when two
    processes race to create the first key, one wins and the other reads the winner's."""
    private_folder(path.parent)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # atomic create-if-absent
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=16)
def _load_signer(env_value: str, key_file: str) -> Signer:
    if env_value:
        candidate = Path(env_value).expanduser()
        if len(env_value) < 4096 and candidate.is_file():
            return Signer(
                _parse_private_key(candidate.read_bytes(), str(candidate)), str(candidate), None
            )
        return Signer(_parse_private_key(env_value.encode(), KEY_ENV), KEY_ENV, None)
    path = Path(key_file)
    if not path.exists():
        try:
            _write_new_key(path, replace=False)
        except OSError as error:
            raise AuditKeyError(f"cannot create the audit signing key {path}: {error}") from None
        _log.warning("created a new audit signing key at %s", path)
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            _log.warning("audit signing key %s is readable by others: chmod 600 it", path)
        data = path.read_bytes()
    except OSError as error:
        raise AuditKeyError(f"cannot read the audit signing key {path}: {error}") from None
    return Signer(_parse_private_key(data, str(path)), str(path), path)


def load_signer(database_url: str | URL) -> Signer:
    """The signing key for this database, creating the key file on first use."""
    return _load_signer(settings().audit.signing_key or "", str(key_file_for(database_url)))


def _read_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise AuditKeyError(f"{path}: not a readable PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{path}: not an Ed25519 public key")
    return key


class TrustedKeys(dict[str, Ed25519PublicKey]):
    """Public keys by key id; ``up_to`` names the retired ones trusted only for heads of at
    most that many entries (those they signed before they were retired)."""

    def __init__(self, keys: dict[str, Ed25519PublicKey], up_to: dict[str, int] | None = None):
        super().__init__(keys)
        self.up_to = dict(up_to or {})


def _retirement(pub: Path) -> int | None:
    """The tree size a retired key last signed, from the record kept beside its public key
    (None: no record, as for a key retired before records were kept)."""
    record = pub.with_suffix(".json")
    try:
        return int(json.loads(record.read_text())["last_tree_size"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AuditKeyError(f"{record}: not a readable retirement record ({error})") from None


def trusted_keys(database_url: str | URL, only: list[Path] | None = None) -> TrustedKeys:
    """Public keys, by key id, that heads may be signed with. ``only`` (e.g. a key the data
    protection officer holds outside the system) replaces the defaults."""
    if only:
        return TrustedKeys({key_id_of(k): k for k in map(_read_public_key, only)})
    signer = load_signer(database_url)
    keys = {signer.key_id: signer.public_key}
    up_to: dict[str, int] = {}
    if signer.key_file is not None:
        for pub in sorted(signer.key_file.parent.glob(f"{signer.key_file.name}.retired-*.pub")):
            key = _read_public_key(pub)
            keys[key_id_of(key)] = key
            limit = _retirement(pub)
            if limit is not None:
                up_to[key_id_of(key)] = limit
    keys.update({key_id_of(k): k for k in map(_read_public_key, settings().audit.trusted_keys)})
    return TrustedKeys(keys, up_to)


def signature_problem(head: TreeHead, keys: dict[str, Ed25519PublicKey]) -> str | None:
    """Why the head's signature does not hold (None when it does)."""
    key = keys.get(head.key_id)
    if key is None:
        return f"it is signed by an untrusted key {head.key_id[:16]}"
    limit = getattr(keys, "up_to", {}).get(head.key_id)
    if limit is not None and head.tree_size > limit:
        return (
            f"it is signed by the retired key {head.key_id[:16]}, which signed no head over "
            f"more than {limit} entries before it was retired"
        )
    try:
        key.verify(base64.b64decode(head.signature, validate=True), head.message())
    except (InvalidSignature, binascii.Error, ValueError):
        return "its signature does not verify"
    return None


def retire(signer: Signer, key_file: Path, last_tree_size: int) -> Path:
    """Keep ``signer``'s public half beside ``key_file`` as a retired key, trusted for heads
    up to ``last_tree_size`` entries; returns the public key file."""
    retired = key_file.with_name(f"{key_file.name}.retired-{signer.key_id[:16]}.pub")
    retired.write_text(public_pem(signer.public_key))
    record = {"key_id": signer.key_id, "last_tree_size": last_tree_size}
    retired.with_suffix(".json").write_text(json.dumps(record) + "\n")
    return retired


def rotate_key(database_url: str | URL, last_tree_size: int) -> tuple[str, str]:
    """Retire the generated key (its public half kept beside it, still trusted for the heads
    it signed, up to ``last_tree_size`` entries) and create a new one; returns (old key id,
    new key id). Checkpoint first so every entry so far is under a head signed by the old
    key."""
    signer = load_signer(database_url)
    if signer.key_file is None:
        raise AuditKeyError(
            f"the key comes from {KEY_ENV}: set a new key there and add the old public key "
            f"to {TRUSTED_KEYS_ENV}"
        )
    retire(signer, signer.key_file, last_tree_size)
    _write_new_key(signer.key_file, replace=True)
    _load_signer.cache_clear()
    return signer.key_id, load_signer(database_url).key_id


def legacy_signer(database_url: str | URL) -> Signer | None:
    """The key an older joinedup generated beside this SQLite store, if it is still there."""
    path = legacy_key_file(database_url)
    if path is None or not path.exists():
        return None
    try:
        key = _parse_private_key(path.read_bytes(), str(path))
    except OSError as error:
        raise AuditKeyError(f"cannot read {path}: {error}") from None
    return Signer(key, str(path), path)
