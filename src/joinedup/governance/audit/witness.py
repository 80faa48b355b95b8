"""The witness: every signed head, appended to a file outside the database.

Someone who can write the database can delete entries together with the heads that cover
them, or empty the log, and the heads left (or none) still verify. The witness remembers what
was signed: one JSON line per head (``store``, ``tree_size``, ``root_hash``, ``signed_at``,
``key_id``, ``signature``), appended with ``O_APPEND`` and fsync'd, never rewritten.
``verify_log`` checks every witnessed head of the store like a head it holds, so a log shorter
than the last witnessed head, emptied after one, or with another root at a witnessed size, is
refused.

Where: ``JOINEDUP_AUDIT_WITNESS`` (a file the deployment names, e.g.
``/var/lib/joinedup/witness.log``, ideally on storage the database's writers cannot touch),
else ``$XDG_STATE_HOME/joinedup/audit-witness.log`` (default
``~/.local/state/joinedup``), mode 0600 in a folder of mode 0700; never beside a SQLite
database. One file may serve several stores: each line names its store (the database URL
without its password, a SQLite file by its full path).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from joinedup.config import settings
from joinedup.governance.audit.keys import private_folder, refuse_beside_store, sqlite_file
from joinedup.governance.audit.treehead import TreeHead

_log = logging.getLogger(__name__)
_lock = threading.Lock()
# The largest head this process has witnessed, per (witness file, store): no second line.
_witnessed: dict[tuple[str, str], int] = {}


def witness_file(database_url: str | URL) -> Path:
    path = settings().audit.witness_file
    refuse_beside_store(path, database_url, "witness")
    return path


def store_id(database_url: str | URL) -> str:
    """How the witness names a store: its URL without the password; a SQLite file by its
    full path."""
    database = sqlite_file(database_url)
    if database is not None:
        return f"sqlite:///{database}"
    url = make_url(database_url) if isinstance(database_url, str) else database_url
    return url.render_as_string(hide_password=True)


def record(database_url: str | URL, head: TreeHead) -> bool:
    """Append ``head`` to the witness unless it (or a larger head) already is; returns
    whether a line was written."""
    path = witness_file(database_url)
    store = store_id(database_url)
    line = json.dumps({"store": store, **head.to_dict()}, sort_keys=True) + "\n"
    with _lock:
        if _witnessed.get((str(path), store), -1) >= head.tree_size:
            return False
        private_folder(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _witnessed[(str(path), store)] = head.tree_size
    return True


def witnessed(database_url: str | URL) -> list[TreeHead]:
    """Every head the witness holds for this store, smallest first (several lines of one size
    are all returned: a disagreement between them is itself a finding)."""
    path = witness_file(database_url)
    store = store_id(database_url)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            data = json.loads(line)
            if data.get("store") != store:
                continue
            found.append(
                TreeHead(
                    int(data["tree_size"]),
                    str(data["root_hash"]),
                    datetime.fromisoformat(data["signed_at"]),
                    str(data["key_id"]),
                    str(data["signature"]),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            _log.warning("%s line %d is not a witnessed head: skipped", path, number)
    return sorted(found, key=lambda head: head.tree_size)
