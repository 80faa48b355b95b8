"""The manifest check that comes before anything is read: paths, counts and SHA-256.

A delivery whose files do not match its manifest is rejected whole (``DeliveryRejected``)
with a message naming the file and the mismatch. Paths must stay inside the delivery folder
and must not be symlinks: a manifest can never make the platform read outside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from joinedup.domain.agencies import AGENCIES, AgencyId, FeedFormat
from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, bounded
from joinedup.errors import DeliveryRejected
from joinedup.ingest import xlsx_rows, xml_rows
from joinedup.ingest.reading import HeaderError, count_data_rows

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1_000_000
MAX_PARTNERSHIP_CHARS = 200  # the store's delivery.partnership column
MAX_PATH_CHARS = 255  # a file name (the store's file columns hold 400)
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class ManifestFile:
    path: str
    rows: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    folder: Path
    agency: AgencyId
    feed_format: FeedFormat
    partnership: str
    extracted_at: datetime
    files: tuple[ManifestFile, ...]
    sha256: str  # of manifest.json's bytes: identifies the delivery for idempotency

    def file(self, path: str) -> ManifestFile | None:
        return next((f for f in self.files if f.path == path), None)


def _shown(value: object) -> str:
    """A delivered value quoted for a one-line message (hostile values can be huge)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _reject(folder: Path, reason: str) -> DeliveryRejected:
    return DeliveryRejected(f"delivery {folder} rejected: {reason}")


def _safe_member(folder: Path, relative: str, *, present: bool = True) -> Path:
    """The file's path inside the delivery; refuses traversal, absolute paths and symlinks.
    ``present=False``: the file need not be there yet (a delivery still arriving)."""
    if not relative.isprintable() or len(relative) > MAX_PATH_CHARS:
        raise _reject(
            folder,
            f"file path {_shown(relative)} in manifest.json is not a plausible file name "
            f"(unprintable characters, or over {MAX_PATH_CHARS} characters)",
        )
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts or "\\" in relative:
        raise _reject(
            folder, f"file path {_shown(relative)} in manifest.json leaves the delivery folder"
        )
    if len(pure.parts) != 1:
        raise _reject(
            folder, f"file path {_shown(relative)}: files must sit directly in the folder"
        )
    candidate = folder / pure.name
    if not present:
        return candidate
    if candidate.is_symlink():
        raise _reject(folder, f"{relative} is a symbolic link; deliveries must hold real files")
    if not candidate.is_file():
        raise _reject(folder, f"{relative} is listed in manifest.json but is not in the delivery")
    return candidate


def read_manifest(folder: Path, *, files_present: bool = True) -> Manifest:
    """Parse and structurally validate ``manifest.json`` (no file contents read yet).
    ``files_present=False`` checks the manifest alone, before its files have arrived (a
    delivery pushed over the API: the manifest comes first)."""
    if not folder.is_dir():
        raise DeliveryRejected(f"delivery {folder} rejected: not a folder")
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        raise _reject(folder, "manifest.json is missing (or is not a regular file)")
    raw = path.read_bytes()
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _reject(folder, "manifest.json is larger than 1 MB")
    try:
        data = bounded(json.loads, raw.decode("utf-8-sig"))
    except NestedTooDeep:  # one way, whatever the recursion limit (``domain.nesting``)
        raise _reject(folder, f"manifest.json {TOO_DEEP}") from None
    except ValueError as error:  # bad UTF-8 or JSON, absurd numbers
        raise _reject(folder, f"manifest.json is not valid JSON ({str(error)[:200]})") from None
    if not isinstance(data, dict):
        raise _reject(folder, "manifest.json must hold a JSON object")
    for key in ("agency", "format", "extracted_at", "files"):
        if key not in data:
            raise _reject(folder, f"manifest.json has no {key!r}")
    try:
        agency = AgencyId(data["agency"])
    except ValueError:
        raise _reject(
            folder, f"manifest.json names unknown agency {_shown(data['agency'])}"
        ) from None
    try:
        feed_format = FeedFormat(data["format"])
    except ValueError:
        raise _reject(
            folder, f"manifest.json names unknown format {_shown(data['format'])}"
        ) from None
    if not AGENCIES[agency].delivers(feed_format):
        known = ", ".join(
            f.value for f in (AGENCIES[agency].feed_format, *AGENCIES[agency].other_formats)
        )
        raise _reject(
            folder,
            f"manifest.json: agency {agency.value} delivers {known}, not {feed_format.value}",
        )
    try:
        if not isinstance(data["extracted_at"], str):
            raise ValueError
        extracted_at = datetime.fromisoformat(data["extracted_at"].replace("Z", "+00:00"))
    except ValueError:
        raise _reject(
            folder, f"manifest.json: extracted_at {_shown(data['extracted_at'])} is not ISO 8601"
        ) from None
    if extracted_at.tzinfo is None:
        raise _reject(folder, "manifest.json: extracted_at needs a UTC offset or Z")
    if not 1900 <= extracted_at.year <= 9998:  # also keeps UTC conversion in range
        raise _reject(
            folder,
            f"manifest.json: extracted_at {_shown(data['extracted_at'])} is not a plausible time",
        )
    partnership = data.get("partnership")
    if partnership is None:
        partnership = ""
    if (
        not isinstance(partnership, str)
        or len(partnership) > MAX_PARTNERSHIP_CHARS
        or not partnership.isprintable()
    ):
        raise _reject(
            folder,
            f"manifest.json: partnership must be a name of at most {MAX_PARTNERSHIP_CHARS} "
            "printable characters",
        )
    if not isinstance(data["files"], list) or not data["files"]:
        raise _reject(folder, "manifest.json lists no files")
    files = []
    seen: set[str] = set()
    for i, entry in enumerate(data["files"]):
        if not isinstance(entry, dict) or not {"path", "rows", "sha256"} <= entry.keys():
            raise _reject(folder, f"manifest.json files[{i}] needs path, rows and sha256")
        relative, rows, digest = entry["path"], entry["rows"], entry["sha256"]
        if not isinstance(relative, str):
            raise _reject(folder, f"manifest.json files[{i}].path must be a string")
        _safe_member(folder, relative, present=files_present)
        if relative in seen:
            raise _reject(folder, f"{relative} is listed twice in manifest.json")
        seen.add(relative)
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise _reject(folder, f"{relative}: rows must be a whole number, not {_shown(rows)}")
        if not isinstance(digest, str) or len(digest) != 64 or not _HEX.issuperset(digest):
            raise _reject(folder, f"{relative}: sha256 must be 64 hex characters")
        files.append(ManifestFile(relative, rows, digest.lower()))
    return Manifest(
        folder=folder,
        agency=agency,
        feed_format=feed_format,
        partnership=partnership,
        extracted_at=extracted_at,
        files=tuple(files),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def delivered_rows(path: Path) -> int:
    """Data rows as the manifest counts them: CSV records after the header, NDJSON lines,
    XML record elements, workbook rows below each sheet's heading (``HeaderError`` for an
    XML file or workbook that cannot be read at all)."""
    if path.suffix == ".xml":
        return xml_rows.count_rows(path)
    if path.suffix == ".xlsx":
        return xlsx_rows.count_rows(path)
    return count_data_rows(path)


def verify_files(manifest: Manifest, progress: Callable[[str], None] | None = None) -> None:
    """Check every file's SHA-256 and data-row count against the manifest."""
    for entry in manifest.files:
        path = _safe_member(manifest.folder, entry.path)
        if progress:
            progress(entry.path)
        actual_sha = sha256_of(path)
        if actual_sha != entry.sha256:
            raise _reject(
                manifest.folder,
                f"{entry.path}: SHA-256 expected {entry.sha256}, actual {actual_sha}",
            )
        try:
            actual_rows = delivered_rows(path)
        except HeaderError as error:  # an XML file that cannot be read at all
            raise _reject(manifest.folder, f"{entry.path}: {error}") from None
        if actual_rows != entry.rows:
            raise _reject(
                manifest.folder,
                f"{entry.path}: rows expected {entry.rows}, actual {actual_rows}",
            )


def unlisted_files(manifest: Manifest) -> list[str]:
    """Files in the folder that the manifest does not list (reported, never read)."""
    listed = {f.path for f in manifest.files} | {MANIFEST}
    return sorted(n for n in os.listdir(manifest.folder) if n not in listed)
