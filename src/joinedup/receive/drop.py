"""The SFTP drop: the route most councils already use. Each agency has an account on the
partnership's OpenSSH server, with its own key, locked (chrooted) into its own folder:

    DROP/AGENCY/            the agency's chroot (owned by root, as OpenSSH requires)
    DROP/AGENCY/upload/     where it writes: one folder per delivery, manifest.json last
    DROP/AGENCY/receipts/   where it reads the receipt of each delivery (it cannot write here)

The receiver (``joinedup receive sftp``) looks in each agency's ``upload`` folder for
deliveries whose every listed file is there and hashes to the manifest's SHA-256 (a file
still arriving never does), moves each out of the agency's reach, and hands it to the ingest.
A delivery that has not become whole within the stale window is refused and moved aside with
a receipt saying what is missing, so the agency is told instead of waiting for ever.
``sshd_config`` prints the OpenSSH configuration for the accounts.

Nothing here touches the store (``services.receiving_sftp`` does).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joinedup.domain.agencies import AgencyId
from joinedup.errors import DeliveryRejected
from joinedup.ingest.manifest import MANIFEST, read_manifest, sha256_of

UPLOAD, RECEIPTS, REFUSED = "upload", "receipts", "refused"


@dataclass(frozen=True)
class Dropped:
    agency: str
    name: str  # the delivery folder's name in the agency's upload folder
    folder: Path
    complete: bool
    reason: str  # why it is not complete (empty when it is)
    quiet_for: float  # seconds since anything in it last changed


def scan(root: Path, *, now: float | None = None) -> list[Dropped]:
    """Every delivery folder waiting in every agency's upload folder."""
    at = now if now is not None else time.time()
    found = []
    for agency in sorted(AgencyId, key=lambda a: a.value):
        upload = root / agency.value / UPLOAD
        if not upload.is_dir():
            continue
        for folder in sorted(p for p in upload.iterdir() if p.is_dir() and not p.is_symlink()):
            complete, reason = _whole(folder)
            changed = max((p.lstat().st_mtime for p in [folder, *folder.iterdir()]), default=at)
            found.append(
                Dropped(agency.value, folder.name, folder, complete, reason, max(0.0, at - changed))
            )
    return found


def _whole(folder: Path) -> tuple[bool, str]:
    if not (folder / MANIFEST).is_file():
        return False, "manifest.json has not arrived"
    try:
        manifest = read_manifest(folder, files_present=False)
    except DeliveryRejected as rejected:
        return False, str(rejected)
    for entry in manifest.files:
        path = folder / entry.path
        if path.is_symlink() or not path.is_file():
            return False, f"{entry.path} has not arrived"
        if sha256_of(path) != entry.sha256:
            return False, f"{entry.path} does not match the manifest's SHA-256 (yet)"
    return True, ""


def take_out(dropped: Dropped, into: Path) -> Path:
    """Move a whole delivery out of the agency's reach, into the receiving folder."""
    target = into / dropped.agency / f"sftp-{dropped.name}"[:120]
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(dropped.folder), str(target))
    return target


def set_aside(root: Path, dropped: Dropped) -> None:
    """A delivery refused while still in the drop: moved to the agency's refused folder
    (outside its chroot's upload folder, kept for the data steward)."""
    aside = root / dropped.agency / REFUSED
    aside.mkdir(exist_ok=True)
    target = aside / f"{dropped.name}-{int(time.time())}"
    shutil.move(str(dropped.folder), str(target))


def write_receipt(root: Path, agency: str, name: str, receipt: dict[str, Any]) -> Path:
    """The receipt where the agency reads it (written whole, then put in place)."""
    folder = root / agency / RECEIPTS
    folder.mkdir(exist_ok=True)
    target = folder / f"{name}.json"
    scratch = folder / f".{name}.json.part"
    scratch.write_text(json.dumps(receipt, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(scratch, 0o644)
    os.replace(scratch, target)
    return target


def sshd_config(root: Path, agencies: list[str], *, group_prefix: str = "joinedup-") -> str:
    """OpenSSH's configuration for the drop: each agency's account in its own chroot, SFTP
    only, keys only, nothing forwarded."""
    blocks = []
    for agency in agencies:
        blocks.append(
            f"Match User {group_prefix}{agency}\n"
            f"    ChrootDirectory {root / agency}\n"
            "    ForceCommand internal-sftp -d /upload\n"
            "    PasswordAuthentication no\n"
            "    AuthenticationMethods publickey\n"
            "    AllowTcpForwarding no\n"
            "    AllowAgentForwarding no\n"
            "    PermitTunnel no\n"
            "    X11Forwarding no\n"
        )
    return "Subsystem sftp internal-sftp\n\n" + "\n".join(blocks)
