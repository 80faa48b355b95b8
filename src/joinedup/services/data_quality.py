"""Data quality of the agencies' deliveries, for the operator at the command line: the
quality report (counts and codes only, no delivered values) and the re-validation of
quarantined rows against what the store now knows. The privacy-relevant reads of quarantined
rows themselves are ``stewardship``'s; the web's quality pages are ``oversight``'s."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from joinedup.ingest.quality import agency_quality, all_agencies_quality
from joinedup.ingest.reprocess import ReprocessReport
from joinedup.ingest.reprocess import reprocess_quarantine as reprocess


def quality_report(
    engine: Engine, agency: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """One agency's quality report, worst problems first, or (``agency`` None) every agency
    side by side; timeliness is measured to ``now`` (default: now)."""
    with engine.connect() as connection:
        if agency is None:
            return all_agencies_quality(connection, now)
        return agency_quality(connection, agency, now)


def reprocess_quarantine(engine: Engine, agency: str | None = None) -> ReprocessReport:
    """Re-validate the open quarantined rows (of one agency, or all): rows that now pass are
    accepted and marked resolved, the rest stay open with refreshed reasons; one
    transaction."""
    return reprocess(engine, agency)
