"""Interventions with a known true effect, placed by need (opt-in: ``SynthOptions.interventions``).

In: each household's planned social-care careers (``careers.plan_household``) and what the
other agencies recorded. Out: the careers thinned for children an intervention helped, an
intervention record file for the platform (``interventions/interventions.csv``, format
``interventions-csv/1``, see docs/interventions.md) and the answer key in
``truth/interventions.csv`` and ``truth/intervention_types.csv``.

The causal model (potential outcomes):

- Y(0) is the career the generator plans anyway (nothing here changes the planning).
- Every child draws one candidate start date, uniform over the part of the window that has
  12 months of history before it and 12 months of follow-up after it. Need at that date is
  computed from what the platform can see: referrals of the child in the 12 months before,
  police incidents the child was recorded in during the 12 months before, and any CP plan
  before. ``P(intervention) = sigmoid(-2.2 + 1.5 * need)``: the needier get them first, so a
  naive comparison is confounded. The type is drawn uniformly among the types open to the
  child's age. At most one intervention per child.
- Y(1) is Y(0) thinned: with probability |true effect| the intervention "works" for the child
  and every statutory outcome event (referral, CP plan start, start of care) dated in the 12
  months from the start is removed (a referral removed takes its assessment, enquiry, plan
  and care with it). So for each of those outcomes, and for "any statutory outcome", the
  risk ratio within 12 months is exactly 1 + true effect in expectation.

Its own random stream per household (a string seed), so nothing else in the partnership moves
unless a child's career is thinned.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from joinedup.synth.model import Household, Person, iso

if TYPE_CHECKING:
    from joinedup.ingest.feed_writer import Delivery
    from joinedup.synth.careers import Episode
    from joinedup.synth.feeds import Feeds


@dataclass(frozen=True)
class SynthType:
    code: str
    true_effect: float  # relative change in the 12-month risk of each statutory outcome
    min_age: float
    max_age: float
    provider: str
    cost_gbp: int  # typical cost per child
    weeks: int  # typical length


# The three types the generator places; docs/interventions.md tabulates the same figures.
TYPES = (
    SynthType("EARLY_HELP_FAMILY_SUPPORT", -0.30, 0, 18, "Exampleshire Family Hubs", 2_400, 20),
    SynthType("PARENTING_PROGRAMME", -0.10, 0, 13, "Exampleshire Parenting Service", 1_100, 12),
    SynthType("SCHOOL_ATTENDANCE_SUPPORT", 0.0, 5, 16, "Exampleshire Attendance Service", 650, 16),
)
IMPORT_COLUMNS = [
    "intervention_id",
    "type",
    "agency",
    "person_id",
    "start_date",
    "end_date",
    "provider",
    "cost_gbp",
]
TRUTH_COLUMNS = [
    "intervention_id",
    "person_key",
    "type",
    "start_date",
    "need",
    "propensity",
    "true_effect",
    "worked",
    "events_prevented",
]
STATUTORY = ("REFERRAL", "CP_PLAN", "LOOKED_AFTER")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class InterventionPlanner:
    """Decides, per household, who receives what and when; thins the careers it helped."""

    def __init__(
        self, out: Path, truth: Delivery, seed: int, window_start: int, as_of: int
    ) -> None:
        self.seed, self.lo, self.hi = seed, window_start + 365, as_of - 365
        types = truth.table(
            "intervention_types.csv", ["type", "true_effect", "outcomes", "min_age", "max_age"]
        )
        for t in TYPES:
            types.row([t.code, f"{t.true_effect:.2f}", " ".join(STATUTORY), t.min_age, t.max_age])
        self._truth = truth.table("interventions.csv", TRUTH_COLUMNS)
        folder = out / "interventions"
        folder.mkdir(parents=True, exist_ok=True)
        self._fh = (folder / "interventions.csv").open("w", encoding="utf-8", newline="")
        self._rows = csv.writer(self._fh, lineterminator="\n")
        self._rows.writerow(IMPORT_COLUMNS)
        self.made = 0

    def apply(
        self, fd: Feeds, hh: Household, contacts: list[tuple], episodes: list[Episode]
    ) -> tuple[list[tuple], list[Episode]]:
        """The household's contacts and episodes as they happen with the interventions."""
        if self.hi <= self.lo:
            return contacts, episodes
        rng = random.Random(f"interventions/{self.seed}/{hh.index}")
        dropped: set[int] = set()
        for child in (p for p in hh.people if p.is_child and p.hh_key == hh.key):
            start = self.lo + rng.randrange(self.hi - self.lo)
            u_assign, u_type, u_work, u_len = rng.random(), rng.random(), rng.random(), rng.random()
            if child.dob > start or not hh.present(child, start):
                continue
            mine = [e for e in episodes if e.child is child]
            need = _need(fd, hh, child, mine, start)
            propensity = _sigmoid(-2.2 + 1.5 * need)
            if u_assign >= propensity:
                continue
            age = child.age_on(start)
            open_types = [t for t in TYPES if t.min_age <= age < t.max_age]
            reference = _reference(fd, child)
            if not open_types or reference is None:
                continue
            kind = open_types[int(u_type * len(open_types))]
            worked = u_work < abs(kind.true_effect)
            prevented = _thin(mine, start, dropped) if worked else 0
            self.made += 1
            iid = f"IV{self.made:06d}"
            end = start + int(kind.weeks * 7 * (0.6 + 0.8 * u_len))
            cost = round(kind.cost_gbp * (0.7 + 0.6 * u_len))
            self._rows.writerow(
                [iid, kind.code, *reference, iso(start), iso(end), kind.provider, cost]
            )
            self._truth.row(
                [
                    iid,
                    child.key,
                    kind.code,
                    iso(start),
                    f"{need:.2f}",
                    f"{propensity:.4f}",
                    f"{kind.true_effect:.2f}",
                    "1" if worked else "0",
                    str(prevented),
                ]
            )
        if not dropped:
            return contacts, episodes
        kept = [e for e in episodes if id(e) not in dropped]
        gone = {(e.contact_day, e.child.key, e.source) for e in episodes if id(e) in dropped}
        contacts = [
            (day, k, src, "ADVICE" if (day, k.key, src) in gone and out == "NEW_REFERRAL" else out)
            for day, k, src, out in contacts
        ]
        return contacts, kept

    def close(self) -> dict[str, int]:
        self._fh.close()
        return {"interventions/interventions.csv": self.made}


def _need(fd: Feeds, hh: Household, child: Person, mine: list[Episode], start: int) -> float:
    """Need as the platform can see it at ``start`` (what the covariates measure)."""
    before = start - 365
    referrals = sum(1 for e in mine if before <= e.referral < start)
    incidents = sum(
        1
        for h in hh.happenings
        if h[0] == "POL"
        and before <= h[1] < start
        and id(h) in fd.recorded_police
        and any(p is child for p, _ in h[3])
    )
    plan_before = any(e.cp is not None and e.cp[0] < start for e in mine)
    return 1.4 * min(referrals, 2) + 0.6 * min(incidents, 3) + 0.8 * plan_before


def _reference(fd: Feeds, child: Person) -> tuple[str, str] | None:
    """The agency record the provider quotes: the child's health record, else their UPN."""
    patient = fd.patient_id.get(child.key)
    if patient:
        return "health", patient
    if child.upn:
        return "education", child.upn
    return None


def _thin(mine: list[Episode], start: int, dropped: set[int]) -> int:
    """Remove every statutory outcome event of the child dated in the 12 months from start."""
    end, prevented = start + 365, 0
    for e in mine:
        if start <= e.referral < end:
            dropped.add(id(e))
            prevented += 1 + (e.cp is not None) + (e.cla is not None)
            continue
        if e.cp is not None and start <= e.cp[0] < end:
            e.cp, prevented = None, prevented + 1
        if e.cla is not None and start <= e.cla[0] < end:
            e.cla, prevented = None, prevented + 1
    return prevented
