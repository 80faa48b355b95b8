"""``ssd-csv/1``, the episode tables (contacts, referrals, assessments, enquiries, plans,
care episodes, missing episodes, NRM referrals) and assessment factors, as social care events.

Episode tables share one parser, driven by ``EPISODES`` (key column, person column, dates,
codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.domain.model import Event, EventCategory, SourceRef
from joinedup.ingest.base import DeliveryContext, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.ssd_people import AGENCY, known_person
from joinedup.ingest.validation import WARNING, RowChecks


@dataclass(frozen=True, slots=True)
class Episode:
    """How one SSD episode table becomes events."""

    table: str
    event_type: str
    key: str
    person: str
    start: str
    end: str | None = None
    codes: tuple[str, ...] = ()
    json_codes: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()


EPISODES = (
    Episode(
        "ssd_contacts",
        "CONTACT",
        "cont_contact_id",
        "cont_person_id",
        "cont_contact_date",
        codes=("cont_contact_source_code",),
        json_codes=("cont_contact_outcome_json",),
        detail=("cont_contact_source_desc",),
    ),
    Episode(
        "ssd_early_help_episodes",
        "EARLY_HELP",
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        detail=(
            "earl_episode_reason",
            "earl_episode_end_reason",
            "earl_episode_organisation",
            "earl_episode_worker_id",
        ),
    ),
    Episode(
        "ssd_cin_episodes",
        "REFERRAL",
        "cine_referral_id",
        "cine_person_id",
        "cine_referral_date",
        "cine_close_date",
        codes=("cine_cin_primary_need_code", "cine_referral_source_code"),
        json_codes=("cine_referral_outcome_json",),
        detail=(
            "cine_referral_source_desc",
            "cine_referral_nfa",
            "cine_close_reason",
            "cine_referral_team",
            "cine_referral_worker_id",
        ),
    ),
    Episode(
        "ssd_cin_assessments",
        "ASSESSMENT",
        "cina_assessment_id",
        "cina_person_id",
        "cina_assessment_start_date",
        "cina_assessment_auth_date",
        json_codes=("cina_assessment_outcome_json",),
        detail=(
            "cina_referral_id",
            "cina_assessment_child_seen",
            "cina_assessment_outcome_nfa",
            "cina_assessment_team",
            "cina_assessment_worker_id",
        ),
    ),
    Episode(
        "ssd_s47_enquiry",
        "S47_ENQUIRY",
        "s47e_s47_enquiry_id",
        "s47e_person_id",
        "s47e_s47_start_date",
        "s47e_s47_end_date",
        json_codes=("s47e_s47_outcome_json",),
        detail=(
            "s47e_referral_id",
            "s47e_s47_nfa",
            "s47e_s47_completed_by_worker_id",
            "s47e_s47_completed_by_team",
        ),
    ),
    Episode(
        "ssd_cp_plans",
        "CP_PLAN",
        "cppl_cp_plan_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        codes=("cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category"),
        detail=("cppl_referral_id", "cppl_icpc_id", "cppl_cp_plan_ola"),
    ),
    Episode(
        "ssd_cla_episodes",
        "LOOKED_AFTER",
        "clae_cla_episode_id",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_ceased_date",
        codes=("clae_cla_episode_start_reason", "clae_cla_primary_need_code"),
        detail=(
            "clae_cla_episode_ceased_reason",
            "clae_referral_id",
            "clae_entered_care_date",
            "clae_cla_placement_id",
        ),
    ),
    Episode(
        "ssd_missing",
        "MISSING_EPISODE",
        "miss_table_id",
        "miss_person_id",
        "miss_missing_episode_start_date",
        "miss_missing_episode_end_date",
        codes=("miss_missing_episode_type",),
        detail=("miss_missing_rhi_offered", "miss_missing_rhi_accepted"),
    ),
    # National Referral Mechanism referrals (a table the SSD does not define yet: issue 22)
    Episode(
        "ssd_nrm_referrals",
        "NRM_REFERRAL",
        "nrm_referral_id",
        "nrm_person_id",
        "nrm_referral_date",
        codes=("nrm_exploitation_type",),
        detail=("nrm_referring_agency",),
    ),
)


def episode_parser(spec: Episode):  # type: ignore[no-untyped-def]
    def parse(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
        row = raw.values or {}
        key = checks.text(row, spec.key, required=True)
        person_id = known_person(checks, context, row, spec.person)
        start = checks.date(row, spec.start, required=True, not_after=context.extract_date)
        end = checks.date(row, spec.end) if spec.end else None
        if start and end and end < start:
            checks.add("INCONSISTENT", spec.end, f"{spec.end} is before {spec.start}", WARNING)
        if person_id:
            checks.not_before_birth(start, context.births.get(person_id), spec.start)
        codes = [c for c in (checks.text(row, name) for name in spec.codes) if c]
        for name in spec.json_codes:
            codes.extend(checks.json_codes(row, name))
        detail = {
            name: value for name in spec.detail if (value := checks.text(row, name, free_text=True))
        }
        if spec.table == "ssd_cin_assessments" and key and person_id and not checks.has_errors:
            context.fact("assessment_person")[key] = (person_id, start)
        events = []
        if person_id and start:
            events.append(
                Event(
                    ref=SourceRef(AGENCY, spec.table, key or ""),
                    person_source_id=person_id,
                    category=EventCategory.SOCIAL_CARE,
                    event_type=spec.event_type,
                    occurred_on=start,
                    ended_on=end,
                    codes=codes,
                    detail=detail,
                )
            )
        if key and not checks.has_errors:
            context.remember(spec.table, key)
        return parsed(raw, spec.table, key, checks, events=events)

    return parse


def parse_assessment_factors(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    key = checks.text(row, "cinf_table_id", required=True)
    assessment_id = checks.text(row, "cinf_assessment_id", required=True)
    factors = checks.json_codes(row, "cinf_assessment_factors_json")
    known = context.fact("assessment_person").get(assessment_id or "")
    if assessment_id and known is None:
        checks.add(
            "UNKNOWN_REFERENCE",
            "cinf_assessment_id",
            f"cinf_assessment_id {assessment_id!r} is not in ssd_cin_assessments.csv "
            "of this delivery (or that assessment was quarantined)",
        )
    events = []
    if known is not None:
        person_id, started = known
        events.append(
            Event(
                ref=SourceRef(AGENCY, "ssd_assessment_factors", key or ""),
                person_source_id=person_id,
                category=EventCategory.SOCIAL_CARE,
                event_type="ASSESSMENT_FACTORS",
                occurred_on=started,
                codes=factors,
                detail={"assessment_id": assessment_id},
            )
        )
    return parsed(raw, "ssd_assessment_factors", key, checks, events=events)
