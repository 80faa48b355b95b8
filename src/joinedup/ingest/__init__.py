"""Ingest: each agency's delivery in, validated, every row kept, every problem explained."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from joinedup.ingest.pipeline import ADAPTERS, IngestReport, ingest_delivery

__all__ = ["ADAPTERS", "IngestReport", "ingest_delivery"]


def __getattr__(name: str) -> Any:
    # Imported when first asked for, not with the package: the process that parses a large
    # delivery (parse_process) imports only the parse side, not the pipeline's store and
    # configuration, and starts in less CPU time.
    if name in __all__:
        return getattr(importlib.import_module("joinedup.ingest.pipeline"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
