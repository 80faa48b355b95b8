"""``pre_birth_plans.csv`` (social care feed, optional; this contract's own table, not the SSD's):
child protection plans made before a child is born, recorded against the expectant mother.

CP-IS holds an unborn child's plan on the mother's NHS number, so the row carries it:
``pbpl_plan_id``, ``pbpl_mother_nhs_number``, ``pbpl_plan_start_date``, and optionally
``pbpl_mother_person_id`` (her SSD person id, when the local authority has one),
``pbpl_expected_delivery_date`` and ``pbpl_plan_end_date`` (the birth, or the plan ended).
The CP-IS point-of-care check (``alerts/cp_is_check.py``) reads them from the store; they
are no event of a child (the child is not born yet).
"""

from __future__ import annotations

from joinedup.ingest.base import DeliveryContext, FileSpec, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import ERROR, WARNING, RowChecks

TABLE = "pre_birth_plans"
COLUMNS = (
    "pbpl_plan_id",
    "pbpl_mother_nhs_number",
    "pbpl_mother_person_id",
    "pbpl_expected_delivery_date",
    "pbpl_plan_start_date",
    "pbpl_plan_end_date",
)


def parse_pre_birth_plan(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    plan_id = checks.text(row, "pbpl_plan_id", required=True)
    given = checks.text(row, "pbpl_mother_nhs_number", required=True)
    mother = checks.nhs_number_value(given, "pbpl_mother_nhs_number")
    if given and mother is None:  # without her NHS number the plan cannot be found
        checks.add(
            "INVALID_NHS_NUMBER",
            "pbpl_mother_nhs_number",
            "the mother's NHS number is not valid: CP-IS could not find this plan",
            ERROR,
        )
    checks.text(row, "pbpl_mother_person_id")  # kept in the row: the LA's own reference
    start = checks.date(row, "pbpl_plan_start_date", required=True, not_after=context.extract_date)
    end = checks.date(row, "pbpl_plan_end_date")
    checks.date(row, "pbpl_expected_delivery_date")
    if start and end and end < start:
        checks.add("INCONSISTENT", "pbpl_plan_end_date", "the plan ends before it starts", WARNING)
    return parsed(raw, TABLE, plan_id, checks)


PRE_BIRTH_PLANS = FileSpec(
    f"{TABLE}.csv",
    TABLE,
    ("pbpl_plan_id", "pbpl_mother_nhs_number", "pbpl_plan_start_date"),
    parse_pre_birth_plan,
    required_file=False,
    optional_columns=(
        "pbpl_mother_person_id",
        "pbpl_expected_delivery_date",
        "pbpl_plan_end_date",
    ),
)
