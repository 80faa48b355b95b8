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

from joinedup.ingest.base import FeedAdapter, FileSpec
from joinedup.ingest.dfe_csv import ChildEvent, child_event_parser

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


class AnnexAAdapter(FeedAdapter):
    format_id = "annex-a-csv/1"
    files = tuple(_file(spec) for spec in LISTS)
