"""Ingest: each agency's delivery in, validated, every row kept, every problem explained."""

from joinedup.ingest.pipeline import ADAPTERS, IngestReport, ingest_delivery

__all__ = ["ADAPTERS", "IngestReport", "ingest_delivery"]
