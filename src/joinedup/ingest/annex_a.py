"""``annex-a-csv/1``: Ofsted's Annex A lists, one CSV per list, with Ofsted's column names.

The lists that carry children's social care events are read: ``list_1.csv`` contacts,
``list_2.csv`` early help, ``list_3.csv`` referrals, ``list_4.csv`` assessments,
``list_5.csv`` section 47 enquiries, ``list_6.csv`` children in need, ``list_7.csv`` child
protection plans and ``list_8.csv`` children looked after. Every row is one event about the
child named by ``Child Unique ID``, the authority's own child id, so it joins that child's
record from the authority's CIN census, SSDA903 or SSD delivery. The lists carry no names or
UPNs, so they make no person records of their own. Lists 9 to 11 (care leavers, adoption,
adopters) are kept as unused files. Dates are ``DD/MM/YYYY`` (ISO 8601 is accepted too).
"""

from __future__ import annotations

import re

from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow
from joinedup.ingest.dfe_csv import ChildEvent, child_event_parser
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import WARNING, RowChecks
from joinedup.ingest.xlsx_rows import SHEET

CHILD = "Child Unique ID"
BORN = "Date of Birth"
_PERSON = ("Gender", "Ethnicity", "Age", "Does the Child have a Disability")
_WORKER = ("Allocated Team", "Allocated Worker")


def _list(
    number: int,
    event_type: str,
    start: str,
    *,
    end: str | None = None,
    codes: tuple[str, ...] = (),
    detail: tuple[str, ...] = (),
) -> ChildEvent:
    """One list; what it says about the child (gender, ethnicity, age) goes with each event."""
    return ChildEvent(
        f"annex_a_list_{number}",
        event_type,
        CHILD,
        start,
        end,
        codes,
        (*_PERSON, *detail),
        born=BORN,
        numbered=True,
    )


LISTS = (
    _list(1, "CONTACT", "Date of Contact", codes=("Contact Source",)),
    _list(
        2,
        "EARLY_HELP",
        "Assessment start date",
        end="Assessment completion date",
        detail=("Organisation completing assessment",),
    ),
    _list(
        3,
        "REFERRAL",
        "Date of Referral",
        codes=("Referral Source",),
        detail=("Referral NFA?", "Number of Referrals in Last 12 Months", *_WORKER),
    ),
    _list(
        4,
        "ASSESSMENT",
        "Continuous Assessment Start Date",
        end="Continuous Assessment Date of Authorisation",
        detail=(
            "Child Seen During Continuous Assessment",
            "Was the child assessed as requiring LA children's social care support?",
            *_WORKER,
        ),
    ),
    _list(
        5,
        "S47_ENQUIRY",
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        detail=(
            "Was an Initial Child Protection Conference deemed unnecessary?",
            "Date of Initial Child Protection Conference",
            "Did the Initial Child Protection Conference Result in a Child Protection Plan",
            *_WORKER,
        ),
    ),
    _list(
        6,
        "CHILD_IN_NEED",
        "CIN Start Date",
        end="CIN Closure Date",
        codes=("Primary Need Code",),
        detail=("Reason for Closure", "Case Status", *_WORKER),
    ),
    _list(
        7,
        "CP_PLAN",
        "Child Protection Plan Start Date",
        end="Child Protection Plan End Date",
        codes=("Initial Category of Abuse", "Latest Category of Abuse"),
        detail=("Number of Previous Child Protection Plans", *_WORKER),
    ),
    _list(
        8,
        "LOOKED_AFTER",
        "Date Started to be Looked After",
        end="Date Ceased to be Looked After",
        codes=("Child's Category of Need", "Child's Legal Status", "Placement Type"),
        detail=("Reason Ceased to be Looked After", "Placement postcode", *_WORKER),
    ),
)


def _file(spec: ChildEvent) -> FileSpec:
    number = spec.table.rsplit("_", 1)[1]
    return FileSpec(
        f"list_{number}.csv",
        spec.table,
        (CHILD, spec.start),
        child_event_parser(spec, "", ""),
        required_file=False,
        optional_columns=spec.columns,
    )


_PARSERS = {int(spec.table.rsplit("_", 1)[1]): child_event_parser(spec, "", "") for spec in LISTS}
_SHEET_NUMBER = re.compile(r"\s*list\s*(\d+)\s*", re.IGNORECASE)
WORKBOOK = "annex_a.xlsx"
WORKBOOK_TABLE = "annex_a_workbook"


def parse_workbook_row(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    """A row of the workbook, parsed as its sheet's list (sheet ``List 3`` is ``list_3.csv``);
    a row of any other sheet (lists 9 to 11, notes) is kept, unused, with a warning."""
    sheet = str((raw.values or {}).get(SHEET, ""))
    found = _SHEET_NUMBER.fullmatch(sheet)
    parse = _PARSERS.get(int(found.group(1))) if found else None
    if parse is not None:
        row = parse(raw, checks, context)
        row.source_table = WORKBOOK_TABLE  # one table per file (its events keep their list's)
        return row
    checks.add(
        "UNUSED_FILE",
        SHEET,
        f"sheet {sheet[:60]!r} is not one of the lists this format reads; the row is kept "
        "but not used",
        WARNING,
    )
    key = f"{sheet[:60]}:row{raw.line_number}"
    return ParsedRow(WORKBOOK_TABLE, key, raw.row_number, raw.values or {}, checks.findings)


class AnnexAAdapter(FeedAdapter):
    format_id = "annex-a-csv/1"
    files = (
        *(_file(spec) for spec in LISTS),
        # the lists as the authority keeps them: one workbook, a sheet per list
        FileSpec(
            WORKBOOK, WORKBOOK_TABLE, (), parse_workbook_row, required_file=False, kind="xlsx"
        ),
    )
