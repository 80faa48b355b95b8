"""Data-quality reports per agency (counts and codes only: no personal data). The keys are
those of ``ingest.quality`` (its docstring says what each means)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import answers
from joinedup.domain.agencies import AgencyId
from joinedup.governance import uses
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.services import oversight

router = APIRouter(tags=["data quality"])
ROLES = governed(uses.DATA_QUALITY)

Percent = float | None  # one decimal from 1%; null when there is nothing to divide by


class AgencySummary(BaseModel):
    """One agency's line in the side-by-side summary."""

    agency: str
    agency_name: str
    deliveries: int
    person_records: int
    rows_delivered: int
    quarantined_percent: Percent
    open_quarantined: int
    warning_percent: Percent
    completeness: dict[str, Percent] = Field(
        description="identifying field -> percent complete (null when the feed lacks it)"
    )
    same_name_and_dob_percent: Percent
    same_nhs_number_percent: Percent
    newest_age_days: float | None
    late: bool | None = Field(
        None, description="nothing received for longer than the agency's schedule (null: none)"
    )
    worst_problem: str | None


class QualitySummary(BaseModel):
    generated_at: str
    agencies: list[AgencySummary]


class Problem(BaseModel):
    kind: str = Field(description="completeness, duplicates, quarantine, warnings, timeliness")
    code: str | None
    field: str | None
    percent: float
    weight: int
    score: float = Field(description="weight x affected share")
    sentence: str


class FieldCompleteness(BaseModel):
    field: str
    label: str
    expected: bool = Field(description="whether this feed carries it")
    present: int
    missing: int
    invalid: int = Field(description="of the missing, delivered invalid and dropped")
    completeness_percent: Percent
    invalid_percent: Percent
    validity_percent: Percent


class Duplicates(BaseModel):
    groups: int
    records: int
    percent: Percent


class DuplicateKinds(BaseModel):
    same_nhs_number: Duplicates
    same_upn: Duplicates
    same_name_and_dob: Duplicates


class Timeliness(BaseModel):
    newest_delivery_id: int | None
    newest_extracted_at: str | None
    newest_received_at: str | None
    newest_age_days: float | None
    mean_lag_hours: float | None
    max_lag_hours: float | None
    expected_every_hours: float | None = Field(
        None, description="the agency's schedule (JOINEDUP_DELIVERY_SCHEDULE), if it has one"
    )
    hours_since_received: float | None = None
    late: bool | None = Field(None, description="nothing received for longer than the schedule")


class Quarantine(BaseModel):
    rows_delivered: int
    quarantined_at_ingest: int
    quarantined_percent: Percent
    open: int
    resolved: int
    open_by_code: dict[str, int]


class Warnings(BaseModel):
    rows_with_warnings: int
    percent: Percent


class DeliveryTrend(BaseModel):
    delivery_id: int
    extracted_at: str
    received_at: str
    lag_hours: float
    rows: int
    accepted: int
    warnings: int
    quarantined: int
    quarantined_percent: Percent
    warning_percent: Percent
    open_quarantined: int
    invalid: dict[str, int] = Field(description="finding code -> findings")
    records_current: int = Field(description="records whose current version it brought")
    completeness: dict[str, Percent] = Field(description="field -> percent of those records")


class Finding(BaseModel):
    code: str
    severity: str
    findings: int
    rows: int
    percent: Percent = Field(description="of rows delivered")
    weight: int
    score: float
    example: str | None = Field(description="a redacted message")


class AgencyQuality(BaseModel):
    agency: str
    agency_name: str
    feed_format: str
    generated_at: str
    deliveries: int
    person_records: int
    rows_delivered: int
    completeness: list[FieldCompleteness]
    duplicates: DuplicateKinds
    timeliness: Timeliness
    quarantine: Quarantine
    warnings: Warnings
    trend: list[DeliveryTrend] = Field(description="per delivery, oldest first")
    findings: list[Finding] = Field(description="per code and severity, worst first")
    worst_problems: list[Problem] = Field(description="up to 5, worst first")


@router.get("/quality", **answers(QualitySummary), **ROLES)
def every_agency(request: Request, account: Account = Depends(current_account)) -> QualitySummary:
    """Every agency side by side, with its worst problem."""
    return QualitySummary.model_validate(oversight.quality_summary(engine_of(request), account))


@router.get("/quality/{agency}", **answers(AgencyQuality), **ROLES)
def one_agency(
    agency: AgencyId, request: Request, account: Account = Depends(current_account)
) -> AgencyQuality:
    """One agency's report: completeness, validity, duplicates, timeliness, trend."""
    report = oversight.agency_quality(engine_of(request), account, agency.value)
    return AgencyQuality.model_validate(report)
