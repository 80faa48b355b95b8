"""A delivery arriving in pieces, kept on disk until it is whole.

The manifest comes first (``begin``): it is checked as the ingest checks it, except that its
files need not be there yet, and it fixes the delivery's name (the first 24 hex characters of
its SHA-256, so the same manifest sent twice is the same delivery and a sender that lost its
place finds it again). Each file then arrives in chunks appended at the offset the sender
names (``append``): a chunk at another offset than the bytes already held is refused with the
offset to resume from, so a retried chunk is never written twice and a transfer killed half way
resumes where it stopped. A file counts as received only when its bytes hash to the
manifest's SHA-256 (it is then renamed from ``NAME.part`` to ``NAME``); a file that reaches
its declared size with other bytes is discarded and must be sent again.

Nothing here touches the store: ``services.receiving`` takes the whole folder to the ingest.
Layout: ``ROOT/AGENCY/DELIVERY/manifest.json`` and its files, the folder the ingest reads.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from joinedup.errors import BadInput, Conflict, DeliveryRejected
from joinedup.ingest.manifest import MANIFEST, MAX_MANIFEST_BYTES, Manifest, read_manifest

PART = ".part"
_DELIVERY_NAME = re.compile(r"^[0-9a-f]{24}$")


class WrongOffset(Conflict):
    """A chunk sent at another offset than the bytes already received (answered 409 with
    ``received``: the offset to send from)."""

    def __init__(self, path: str, received: int, offered: int) -> None:
        super().__init__(
            f"{path}: {received:,} bytes are already received; send from byte {received}, "
            f"not {offered}"
        )
        self.received = received


@dataclass(frozen=True)
class FileProgress:
    path: str
    received: int  # bytes held so far
    complete: bool  # whole and matching the manifest's SHA-256


class UploadArea:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, agency: str, delivery: str) -> Path:
        if not _DELIVERY_NAME.match(delivery):
            raise BadInput(f"{delivery[:40]!r} is not a delivery this service named")
        return self.root / agency / delivery

    def begin(self, agency: str, manifest_bytes: bytes) -> tuple[str, Manifest]:
        """Keep a delivery's manifest (checked, its files not there yet); its name."""
        if len(manifest_bytes) > MAX_MANIFEST_BYTES:
            raise DeliveryRejected("manifest.json is larger than 1 MB")
        delivery = hashlib.sha256(manifest_bytes).hexdigest()[:24]
        folder = self.folder(agency, delivery)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / MANIFEST
        if not target.is_file() or target.read_bytes() != manifest_bytes:
            scratch = folder / (MANIFEST + PART)  # written whole, then put in place at once
            scratch.write_bytes(manifest_bytes)
            os.replace(scratch, target)
        try:
            manifest = read_manifest(folder, files_present=False)
        except DeliveryRejected:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if manifest.agency.value != agency:
            shutil.rmtree(folder, ignore_errors=True)
            raise DeliveryRejected(
                f"manifest.json names agency {manifest.agency.value}, but the credential is "
                f"{agency}'s"
            )
        return delivery, manifest

    def manifest(self, agency: str, delivery: str) -> Manifest:
        folder = self.folder(agency, delivery)
        if not (folder / MANIFEST).is_file():
            raise LookupError(delivery)
        return read_manifest(folder, files_present=False)

    def progress(self, agency: str, delivery: str) -> list[FileProgress]:
        manifest = self.manifest(agency, delivery)
        folder = manifest.folder
        found = []
        for entry in manifest.files:
            whole, part = folder / entry.path, folder / (entry.path + PART)
            if whole.is_file():
                found.append(FileProgress(entry.path, whole.stat().st_size, True))
            else:
                size = part.stat().st_size if part.is_file() else 0
                found.append(FileProgress(entry.path, size, False))
        return found

    def append(
        self, agency: str, delivery: str, path: str, offset: int, total: int, data: bytes
    ) -> FileProgress:
        """Write one chunk at ``offset`` of a file of ``total`` bytes."""
        manifest = self.manifest(agency, delivery)
        entry = manifest.file(path)
        if entry is None:
            raise BadInput(f"{path[:80]!r} is not a file in this delivery's manifest")
        folder = manifest.folder
        whole, part = folder / entry.path, folder / (entry.path + PART)
        if whole.is_file():  # a retry after the last chunk's answer was lost
            size = whole.stat().st_size
            if offset + len(data) == size == total:
                return FileProgress(path, size, True)
            raise WrongOffset(path, size, offset)
        held = part.stat().st_size if part.is_file() else 0
        if offset != held:
            raise WrongOffset(path, held, offset)
        if offset + len(data) > total:
            raise BadInput(f"{path}: the chunk runs past the file's size of {total:,} bytes")
        with part.open("ab") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        held += len(data)
        if held < total:
            return FileProgress(path, held, False)
        digest = _sha256(part)
        if digest != entry.sha256:
            part.unlink()
            raise DeliveryRejected(
                f"{path}: the {total:,} bytes received do not match the manifest's SHA-256 "
                "(send the file again from byte 0)"
            )
        os.replace(part, whole)
        return FileProgress(path, held, True)

    def missing(self, agency: str, delivery: str) -> list[str]:
        return [p.path for p in self.progress(agency, delivery) if not p.complete]

    def remove(self, agency: str, delivery: str) -> None:
        shutil.rmtree(self.folder(agency, delivery), ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
