"""Every switch of the synthetic partnership generator, with documented defaults.

In: nothing (a frozen dataclass). Out: ``SynthOptions`` read by every stage of the generator.
Defaults are the figures documented in docs/synthetic-data.md; changing any of them changes
the output, but the same seed + the same options always gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class SynthOptions:
    # --- the world ------------------------------------------------------------------------
    as_of: date = date(2026, 11, 1)  # the extract date; output never depends on the clock
    history_years: int = 4  # how far back agency feeds reach
    partnership: str = "Exampleshire"
    laua: str = "E08000036"  # real ONS LA code whose postcodes become Exampleshire's
    la_number: int = 384  # the DfE LA number used in UPNs (must match the LA above)
    # Policing bias: police record this multiple of incidents in IMD deciles 1-2 for the SAME
    # underlying behaviour (1.0 = no bias; 2.0 = twice as likely to be recorded, capped at 1).
    recording_bias: float = 1.0
    # Place interventions with known true effects (synth/interventions.py); off by default so
    # the base rates and every other file stay as they were.
    interventions: bool = False
    # "default" or "extended": the extended error model of issue 20 (synth/extended_errors.py)
    # adds the recording habits that split people in held-out data, at rates by agency, on a
    # random stream of its own; "default" leaves every file byte-identical to before.
    error_model: str = "default"
    # Also write the returns social care already makes (CIN census XML, SSDA903, Annex A) as
    # three more social care deliveries, from the same SSD records (synth/returns.py), and
    # each school's School Census (synth/returns_school_census.py).
    returns: bool = False
    # Groups of adults who groom children, missing episodes, sightings at places and in
    # vehicles, CSE/CCE incidents and NRM referrals (synth/exploitation.py), on streams of
    # their own; off by default so every other file stays as it was.
    exploitation: bool = False
    # Prefix of every person_key and household_key ("" = P0000001 as before); a pair of
    # partnerships (synth/moves.py) uses "A"/"B" so keys are unique across both.
    key_prefix: str = ""
    # Where this partnership's NHS numbers start in the synthetic range (0 = as before): NHS
    # numbers are national, so the second of a pair starts half way and none is reused.
    nhs_start: int = 0

    # --- messiness (per record as delivered; see docs/synthetic-data.md) ------------------
    typo_rate: float = 0.02  # a name field has one keyboard typo
    nickname_rate: float = 0.08  # a known nickname instead of the legal forename (non-health)
    swap_names_rate: float = 0.005  # forename and surname recorded the wrong way round
    dob_error_rate: float = 0.015  # DOB has day/month swapped or one digit wrong
    nhs_missing_health: float = 0.01  # health has the best NHS numbers
    nhs_missing_social_care: float = 0.15  # no NHS row in ssd_linked_identifiers
    nhs_missing_adult: float = 0.45  # adult-service persons.csv nhs_number blank
    nhs_wrong_rate: float = 0.01  # NHS number wrong: half fail mod-11, half valid but nobody's
    upn_missing_social_care: float = 0.2  # no UPN row in ssd_linked_identifiers
    upn_wrong_check_rate: float = 0.01  # UPN with the wrong check letter
    former_upn_rate: float = 0.03  # pupil carries a former (temporary) UPN
    stale_postcode_rate: float = 0.3  # agency still has the pre-move postcode
    postcode_typo_rate: float = 0.005  # inward code letters transposed
    duplicate_nominal_rate: float = 0.08  # police create a second person_id for a nominal
    name_collision_rate: float = 0.003  # an adult shares a common name and DOB with another
    twin_rate: float = 0.015  # a child has a twin (same surname, DOB and address)
    surname_change_rate: float = 0.35  # mother takes a new partner's surname on re-partnering
    hyphenated_rate: float = 0.04  # child recorded with a hyphenated double surname
    extra: dict[str, float] = field(default_factory=dict)  # reserved; must stay empty

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out
