"""``ssda903-csv/1``: the SSDA903 return on looked-after children, as the DfE's CSV files.

``header.csv`` (one row per child: ``CHILD``, ``SEX``, ``DOB``, ``ETHNIC``, ``UPN``,
``MOTHER``, ``MC_DOB``) comes first and makes the person records (no names: the return
carries none; linkage uses the UPN, date of birth and sex). ``episodes.csv`` (each period of
care: ``DECOM`` to ``DEC``, legal status, placement) becomes LOOKED_AFTER events,
``missing.csv`` MISSING_EPISODE, ``reviews.csv`` CLA_REVIEW and ``uasc.csv`` UASC_CEASED
events. The return's other files (OC2, OC3, AD1...) are kept, as unused files. Dates are
``DD/MM/YYYY`` as the DfE writes them (ISO 8601 is accepted too).
"""

from __future__ import annotations

from joinedup.domain.model import SourcePersonRecord, SourceRef
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow, parsed
from joinedup.ingest.dfe_csv import AGENCY, ChildEvent, child_event_parser, uk_date
from joinedup.ingest.people import sex
from joinedup.ingest.reading import RawRow
from joinedup.ingest.school_census import ETHNICITY
from joinedup.ingest.validation import WARNING, RowChecks

HEADER = "ssda903_header"
HEADER_FILE = "header.csv"

EVENTS = (
    ChildEvent(
        "ssda903_episodes",
        "LOOKED_AFTER",
        "CHILD",
        "DECOM",
        "DEC",
        codes=("LS", "CIN", "PLACE"),
        detail=(
            "RNE",
            "PLACE_PROVIDER",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ),
    ),
    ChildEvent(
        "ssda903_missing",
        "MISSING_EPISODE",
        "CHILD",
        "MIS_START",
        "MIS_END",
        codes=("MISSING",),
        born="DOB",
    ),
    ChildEvent(
        "ssda903_reviews", "CLA_REVIEW", "CHILD", "REVIEW", codes=("REVIEW_CODE",), born="DOB"
    ),
    ChildEvent(
        "ssda903_uasc",
        "UASC_CEASED",
        "CHILD",
        "DUC",
        detail=("SEX",),
        start_required=False,
        born="DOB",
    ),
)
FILES = {
    "ssda903_episodes": "episodes.csv",
    "ssda903_missing": "missing.csv",
    "ssda903_reviews": "reviews.csv",
    "ssda903_uasc": "uasc.csv",
}


def parse_header(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    child = checks.text(row, "CHILD", required=True)
    born = uk_date(checks, row, "DOB")
    if born is not None and born > context.extract_date:
        checks.add("FUTURE_DATE", "DOB", "DOB is after the extract date; dropped", WARNING)
        born = None
    attributes = {
        "mother": checks.text(row, "MOTHER"),
        "child_of_child_dob": checks.text(row, "MC_DOB"),
    }
    person = SourcePersonRecord(
        ref=SourceRef(AGENCY, HEADER, child or ""),
        forenames=None,
        surname=None,
        date_of_birth=born,
        sex=sex(checks, row, "SEX"),
        upn=checks.upn_value(checks.text(row, "UPN"), "UPN"),
        ethnicity=checks.code(row, "ETHNIC", ETHNICITY),
        attributes={k: v for k, v in attributes.items() if v},
    )
    if child and not checks.has_errors:
        context.remember(HEADER, child)
        if born:
            context.births[child] = born
    return parsed(raw, HEADER, child, checks, person=person)


def _event_file(spec: ChildEvent) -> FileSpec:
    return FileSpec(
        FILES[spec.table],
        spec.table,
        (spec.child, spec.start),
        child_event_parser(spec, HEADER, HEADER_FILE),
        required_file=False,
        optional_columns=spec.columns,
    )


class Ssda903Adapter(FeedAdapter):
    format_id = "ssda903-csv/1"
    files = (
        FileSpec(
            HEADER_FILE,
            HEADER,
            ("CHILD", "SEX", "DOB"),
            parse_header,
            optional_columns=("ETHNIC", "UPN", "MOTHER", "MC_DOB"),
        ),
        *(_event_file(spec) for spec in EVENTS),
    )
