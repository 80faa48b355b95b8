"""What the HTTPS receiver answers an agency's system (``api.deliveries``): a delivery still
arriving (bytes per file, to resume from) or its receipt once the ingest has taken it. Counts
and finding codes only, never a value, as on every channel (``services.receiving.receipt``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from joinedup.domain.agencies import AgencyId, FeedFormat
from joinedup.ingest.manifest import MAX_PARTNERSHIP_CHARS, MAX_PATH_CHARS


class FileProgress(BaseModel):
    """How much of one file has arrived."""

    path: str
    received: int = Field(description="bytes held; the offset to send the next chunk from")
    complete: bool = Field(description="every byte arrived and the SHA-256 agrees")


class FileReceipt(BaseModel):
    """One file's row accounting, as the ingest counted it."""

    path: str
    rows: int
    accepted: int
    warnings: int
    quarantined: int
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    findings: dict[str, int] | None = Field(
        None, description="finding code -> rows it was found on (codes only, no values)"
    )


class Delivery(BaseModel):
    """A delivery: arriving (``receiving``, with ``files`` as progress) or taken by the ingest
    (``ingested`` or ``unchanged``, with the receipt's counts and ``receipt_files``)."""

    delivery: str = Field(description="the delivery's name (from its manifest's checksum)")
    status: Literal["receiving", "ingested", "unchanged"]
    max_chunk_bytes: int | None = Field(None, description="the largest chunk accepted")
    files: list[FileProgress] | dict[str, FileReceipt] = Field(
        description="while receiving, progress per file; once taken, the receipt per file path"
    )
    agency: str | None = None
    format: str | None = None
    delivery_id: int | None = None
    rows: int | None = None
    accepted: int | None = None
    warnings: int | None = None
    quarantined: int | None = None
    inserted: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    ignored_columns: dict[str, list[str]] | None = Field(
        None, description="per file, the columns the feed format does not read"
    )
    unlisted_files: list[str] | None = Field(
        None, description="files in the delivery its manifest did not list"
    )


def _manifest_schema() -> dict[str, Any]:
    """manifest.json as ``ingest.manifest.read_manifest`` reads it (the feed contract)."""
    return {
        "type": "object",
        "required": ["agency", "format", "extracted_at", "files"],
        "properties": {
            "agency": {"type": "string", "enum": [a.value for a in AgencyId]},
            "format": {"type": "string", "enum": [f.value for f in FeedFormat]},
            "partnership": {"type": "string", "maxLength": MAX_PARTNERSHIP_CHARS},
            "extracted_at": {
                "type": "string",
                "description": "ISO 8601 with a UTC offset or Z, when the agency extracted it",
            },
            "files": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["path", "rows", "sha256"],
                    "properties": {
                        "path": {"type": "string", "maxLength": MAX_PATH_CHARS},
                        "rows": {"type": "integer", "minimum": 0},
                        "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
                    },
                },
            },
        },
    }


# The request bodies, declared for the OpenAPI document (the routes read the raw bytes: the
# manifest's own bytes identify the delivery, and a chunk is bytes).
MANIFEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _manifest_schema()}},
    }
}
CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
