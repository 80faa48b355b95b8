"""A child's multi-agency chronology: every event the reader may see across agencies and the
concerns and engagements recorded in joinedup, filtered by agency, kind and period; and its
export as CSV or PDF (a share, in the audit log).

The routes call ``services.chronology`` and ``services.chronology_export`` (built on the
single view: one gate decision, minimised), so the JSON, the files and the page
(``/people/{id}/chronology``) hold the same entries.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from joinedup.api.answers import answers
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.services.chronology import Chronology, Filters, chronology
from joinedup.services.chronology_export import export_chronology

router = APIRouter(tags=["people"])

AGENCIES = Query([], max_length=20, description="only these agencies (repeat for several)")
KINDS = Query(
    [], max_length=40, description="only these kinds: a catalogue field or recorded.concern"
)
SINCE = Query(None, alias="from", description="entries on or after this day")
UNTIL = Query(None, alias="to", description="entries on or before this day")
FILES = {
    200: {
        "description": "the chronology as a file",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _filters(
    agency: list[str], kind: list[str], since: date | None, until: date | None, order: str
) -> Filters:
    return Filters.parse(agencies=agency, kinds=kind, since=since, until=until, order=order)


@router.get("/people/{person_id}/chronology", **answers(Chronology), **governed(uses.CHRONOLOGY))
def person_chronology(
    person_id: str,
    request: Request,
    agency: list[str] = AGENCIES,
    kind: list[str] = KINDS,
    since: date | None = SINCE,
    until: date | None = UNTIL,
    order: Literal["oldest", "newest"] = "oldest",
    reader: Reader = Depends(current_reader),
) -> Chronology:
    """The chronology as the page shows it: the entries (oldest first unless
    ``order=newest``), how many the reader may see before the filters, the agencies and
    kinds to filter by, and which agencies hold what the reader may not see."""
    filters = _filters(agency, kind, since, until, order)
    return chronology(engine_of(request), reader, person_id, filters)


@router.get(
    "/people/{person_id}/chronology/export",
    response_class=Response,
    responses=FILES,  # type: ignore[arg-type]
    **governed(uses.CHRONOLOGY_EXPORT),
)
def person_chronology_export(
    person_id: str,
    request: Request,
    format: Literal["csv", "pdf"] = "csv",
    agency: list[str] = AGENCIES,
    kind: list[str] = KINDS,
    since: date | None = SINCE,
    until: date | None = UNTIL,
    order: Literal["oldest", "newest"] = "oldest",
    reader: Reader = Depends(current_reader),
) -> Response:
    """The same chronology as a CSV or PDF file; recorded in the audit log as a share (who,
    which child, which kinds of data, how many entries, for which purpose)."""
    filters = _filters(agency, kind, since, until, order)
    export = export_chronology(engine_of(request), reader, person_id, filters, file_format=format)
    return Response(
        export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
