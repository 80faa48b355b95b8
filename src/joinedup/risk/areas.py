"""Areas of concern: the factors grouped as a practitioner reads a family, and what the model
weighs.

Pure data. Each factor of ``joinedup.risk.factors`` belongs to exactly one area (checked at
import). The model's features are per area, not per factor, because a statutory outcome
follows the household's risk, which shows across several factors of one area (a parent's
diagnosis, a crisis at A&E, a mental health team's referral); with a few hundred outcomes to
learn from, sixty per-factor features were fitted to noise and scored below a plain count of
factors on a partnership the model had not seen (AUC 0.69 against 0.77). Per area, with its
whole recorded history ("ever"), the same data gives 0.86-0.88 (docs/model-card.md).

Contributions to a score are reported per area and for the few features that are not areas
(age, what is open, several areas together, breadth, free school meals, deprivation), each
with words for the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.risk.factors import FACTORS


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    label: str  # in words, as the explanation shows it
    factors: frozenset[str]


def _area(code: str, label: str, *factors: str) -> Area:
    return Area(code, label, frozenset(factors))


AREAS: dict[str, Area] = {
    a.code: a
    for a in (
        _area(
            "domestic_abuse", "domestic abuse in the household",
            "hh_domestic_abuse", "da_child_present", "da_high_risk",
            "hh_da_perpetrator_programme", "cin_domestic_abuse",
        ),
        _area(
            "parental_mental_health", "an adult's mental ill-health",
            "hh_mental_health_crisis", "hh_mental_health_condition",
            "hh_mental_health_service", "hh_mha_detention", "cin_parental_mental_health",
        ),
        _area(
            "parental_substance_misuse", "an adult's drug or alcohol misuse",
            "hh_substance_treatment", "hh_substance_health", "hh_drugs_police",
            "cin_parental_substance",
        ),
        _area(
            "harm_and_neglect", "injuries, missed care and signs of abuse or neglect",
            "injury_under_2", "injury_attendance", "missed_health_appointment", "cin_neglect",
            "cin_physical_abuse", "cin_emotional_abuse", "cin_sexual_abuse",
            "concern_for_welfare",
        ),
        _area(
            "social_care_history", "history with children's social care",
            "sc_contact", "sc_referral", "sc_s47", "sc_previous_cp_plan", "sc_previous_care",
            "hh_sibling_social_care", "sc_early_help", "cin_other_factor", "cin_no_factor",
        ),
        _area(
            "exploitation_and_missing", "going missing or exploited; the child's mental health",
            "police_missing", "sc_missing_episode", "exploitation_victim", "child_self_harm",
            "cin_exploitation", "cin_child_mental_health", "cin_child_substance",
            "sc_nrm_referral", "exploitation_association",
        ),
        _area(
            "education", "absence and exclusion from school",
            "persistent_absence", "severe_absence", "suspension", "permanent_exclusion",
        ),
        _area("offending", "offending (the child, or an adult known to probation)",
              "hh_probation", "hh_mappa", "child_offending"),
        _area("housing", "housing crisis or stress", "hh_housing_crisis", "hh_housing_stress"),
    )
}  # fmt: skip

AREA_OF: dict[str, str] = {f: a.code for a in AREAS.values() for f in a.factors}
_unplaced = set(FACTORS) - set(AREA_OF)
if _unplaced or len(AREA_OF) != sum(len(a.factors) for a in AREAS.values()):
    raise RuntimeError(f"every factor must be in exactly one area: {sorted(_unplaced)}")

# Contributions that are not an area, in words.
OTHER_LABELS: dict[str, str] = {
    "age_years": "age",
    "open_to_social_care": "open to children's social care (child in need)",
    "open_early_help": "open to early help",
    "toxic_trio": "domestic abuse or drugs together with mental ill-health",
    "breadth": "how many kinds of concern are on record",
    "free_school_meals": "eligible for free school meals",
    "area_deprivation_decile": "deprivation of the home area (IMD decile)",
}


def contribution_label(key: str) -> str:
    """Words for a contribution key (an area, or one of ``OTHER_LABELS``)."""
    if key in AREAS:
        return AREAS[key].label
    return OTHER_LABELS.get(key, key.replace("_", " "))
