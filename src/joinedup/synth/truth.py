"""What truth/ holds of each household as it is generated: its addresses over time, its
people with their latent factors and risk, and the outcomes (risk onset, serious incidents)
that the risk model is validated against."""

from __future__ import annotations

from typing import TYPE_CHECKING

from joinedup.synth.model import Household, iso

if TYPE_CHECKING:
    from joinedup.synth.feeds import Feeds

PEOPLE_COLUMNS = [
    "person_key",
    "household_key",
    "role",
    "date_of_birth",
    "sex",
    "ethnicity",
    "imd_decile",
    "latent_domestic_abuse",
    "latent_mental_health",
    "latent_substance_misuse",
    "household_adversity",
    "household_risk_level",
    "household_risk_onset",
    "household_risk_offset",
    "present_from",
    "present_to",
]


def write_truth(fd: Feeds, hh: Household) -> None:
    for f, to, pc, _ in hh.periods:
        fd.households_t.row([hh.key, iso(f), iso(to), fd.geo.postcodes[pc]])
    for p in hh.people:
        if p.hh_key != hh.key:
            continue
        fd.people_t.row(
            [
                p.key,
                hh.key,
                p.role,
                iso(p.dob),
                p.sex,
                p.eth,
                hh.decile,
                p.da,
                p.mh,
                p.sub,
                f"{hh.z:.3f}",
                hh.level,
                iso(hh.onset),
                iso(hh.offset),
                iso(p.present_from),
                iso(p.present_to),
            ]
        )
        if p.is_child and hh.onset is not None and hh.onset < fd.as_of:
            fd.outcome(p.key, "RISK_ONSET", max(hh.onset, p.dob))
    for day, idx in sorted(hh.serious):
        fd.outcome(hh.people[idx].key, "SERIOUS_INCIDENT", day)
