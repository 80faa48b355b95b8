"""Households and their life events over the history window (the generative core).

In: a ``World`` (options, geography, names, counters) and a household index. Out: a
``Household`` (plus, after a separation, the leaving adult's new one-person household) with
people, address periods, latent adversity/risk and the true "happenings" that agencies may
later record. Each household uses its own ``random.Random`` seeded from (seed, index), so
households are independent and the whole run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from joinedup.errors import BadInput
from joinedup.synth.geography import Geography
from joinedup.synth.messy import nhs_from_index, nhs_slot_valid
from joinedup.synth.model import Household, Person, sigmoid
from joinedup.synth.names import MIXED_PARENTS, NameBook
from joinedup.synth.options import SynthOptions
from joinedup.synth.signals import add_happenings

YEAR = 365.25
# Latent severity thresholds on the household risk score R (calibrated so a 20,000-child
# run lands mid-band for referrals, CP plans and looked-after children; see the doc).
LEVEL_THRESHOLDS = (1.6, 2.3, 2.8, 3.45)


@dataclass
class World:
    opts: SynthOptions
    seed: int
    geo: Geography
    names: NameBook
    as_of: int
    window_start: int
    n_gps: int
    person_seq: int = 0
    household_seq: int = 0
    nhs_seq: int = 0
    collision_pool: list[tuple[str, str, str, int]] = field(default_factory=list)

    def rng(self, index: int, stream: int) -> random.Random:
        # why: independent streams per household and purpose (life, social care, recording)
        return random.Random((self.seed * 1_000_003 + index) * 8 + stream)

    def next_person_key(self) -> str:
        self.person_seq += 1
        return f"{self.opts.key_prefix}P{self.person_seq:07d}"

    def next_household_key(self) -> str:
        self.household_seq += 1
        return f"{self.opts.key_prefix}H{self.household_seq:07d}"

    def next_nhs(self) -> str:
        self.nhs_seq += 1
        while not nhs_slot_valid(self.nhs_seq):  # why: skip slots with no valid check digit
            self.nhs_seq += 1
        if self.nhs_seq >= 900_000:
            raise BadInput("too many people for the synthetic NHS number range")
        return nhs_from_index(self.nhs_seq)


def _pick_postcode(rng: random.Random, geo: Geography, near: int | None) -> int:
    if near is not None and rng.random() < 0.6:  # why: most moves are local
        sector = geo.sector_of[near]
        lo = near
        while lo > 0 and geo.sector_of[lo - 1] == sector:
            lo -= 1
        hi = near
        while hi + 1 < len(geo.sector_of) and geo.sector_of[hi + 1] == sector:
            hi += 1
        return rng.randint(lo, hi)
    return rng.randrange(len(geo.postcodes))


def _adult(
    w: World,
    rng: random.Random,
    hh: Household,
    role: str,
    sex: str,
    dob: int,
    eth: str,
    surname: str | None,
    joined: int,
) -> Person:
    group = w.names.group_of(eth)
    forename = w.names.forename(rng, group, sex)
    surname = surname or w.names.surname(rng, group)
    if w.opts.name_collision_rate and rng.random() < w.opts.name_collision_rate:
        # why: unrelated people who share a common name and a date of birth
        same = [c for c in w.collision_pool if c[0] == sex]
        if same and rng.random() < 0.5:
            _, forename, surname, dob = same[rng.randrange(len(same))]
        else:
            forename = w.names.common_forenames[sex][rng.randrange(5)]
            surname = w.names.common_surnames[rng.randrange(5)]
            w.collision_pool.append((sex, forename, surname, dob))
    p = Person(
        len(hh.people),
        w.next_person_key(),
        role,
        sex,
        dob,
        eth,
        forename,
        surname,
        w.next_nhs(),
        joined,
        hh_key=hh.key,
        gp=rng.randrange(w.n_gps),
    )
    z = hh.z
    p.mh = int(rng.random() < sigmoid(-1.9 + 0.7 * z + (0.3 if sex == "F" else 0.0)))
    p.sub = int(rng.random() < sigmoid(-3.0 + 0.8 * z + (0.5 if sex == "M" else 0.0)))
    if sex == "M" and role in ("PARENT", "CARER"):
        p.da = int(
            rng.random() < sigmoid(-2.9 + 0.9 * z + 0.8 * p.sub + (0.5 if role == "CARER" else 0))
        )
    hh.people.append(p)
    return p


def build_household(w: World, index: int, children_left: int) -> list[Household]:
    """One household (and maybe a separated adult's new household); see module docstring."""
    rng = w.rng(index, 0)
    o, geo = w.opts, w.geo
    ws, as_of = w.window_start, w.as_of
    pc = rng.randrange(len(geo.postcodes))
    decile = geo.decile(pc)
    dep = (10 - decile) / 9.0
    hh = Household(w.next_household_key(), index, [], decile, rng.gauss(0, 1) + 1.1 * dep - 0.6)
    eth = w.names.ethnicity(rng)
    mum_eth, dad_eth = MIXED_PARENTS.get(eth, (eth, eth))
    # Children: ages at as_of, youngest first; births inside the window are "new babies".
    n_children = min(children_left, rng.choices((1, 2, 3, 4, 5), (40, 36, 15, 6, 3))[0])
    ages: list[float] = []
    age = rng.random() * 18 * (0.55 if n_children > 2 else 1.0)
    for _ in range(n_children):
        if age >= 18:
            break
        ages.append(age)
        age += 1.0 + rng.random() * 4.5
    eldest = max(ages)
    mum_age_at_first = 17.0 + rng.random() * (16 - 5 * dep) + rng.random() * 6
    mum_dob = as_of - int((eldest + mum_age_at_first) * YEAR) - rng.randrange(365)
    since = max(mum_dob + int(18 * YEAR), as_of - int((eldest + 1 + rng.random() * 3) * YEAR))
    hh.periods.append((since, None, pc, 1 + rng.randrange(180)))
    lone = rng.random() < 0.18 + 0.17 * dep
    dad_surname = w.names.surname(rng, w.names.group_of(dad_eth))
    married = rng.random() < 0.65
    mum = _adult(
        w,
        rng,
        hh,
        "PARENT",
        "F",
        mum_dob,
        mum_eth,
        dad_surname if (married and not lone) else None,
        since,
    )
    dad = None
    if not lone:
        dad = _adult(
            w,
            rng,
            hh,
            "PARENT",
            "M",
            mum_dob - int(rng.gauss(2.5, 3) * YEAR),
            dad_eth,
            dad_surname,
            since,
        )
    child_surname = dad_surname if (dad or rng.random() < 0.5) else mum.surname
    for a in sorted(ages, reverse=True):
        dob = as_of - int(a * YEAR) - rng.randrange(1, 30)
        sex = "M" if rng.random() < 0.512 else "F"
        kid = Person(
            len(hh.people),
            w.next_person_key(),
            "CHILD",
            sex,
            dob,
            eth,
            w.names.forename(rng, w.names.group_of(eth), sex),
            child_surname,
            w.next_nhs(),
            max(dob, since),
            hh_key=hh.key,
            gp=mum.gp,
        )
        if o.hyphenated_rate and dad and rng.random() < o.hyphenated_rate:
            kid.surname = (
                f"{mum.surname}-{dad_surname}" if mum.surname != dad_surname else kid.surname
            )
        hh.people.append(kid)
        if o.twin_rate and rng.random() < o.twin_rate and len(hh.people) < 9:
            sex2 = "M" if rng.random() < 0.5 else "F"
            twin = Person(
                len(hh.people),
                w.next_person_key(),
                "CHILD",
                sex2,
                dob,
                eth,
                w.names.forename(rng, w.names.group_of(eth), sex2),
                kid.surname,
                w.next_nhs(),
                kid.present_from,
                hh_key=hh.key,
                twin=True,
                gp=mum.gp,
            )
            kid.twin = True
            hh.people.append(twin)
    if rng.random() < 0.05:
        _adult(
            w,
            rng,
            hh,
            "OTHER_ADULT",
            "F" if rng.random() < 0.6 else "M",
            mum_dob - int((20 + rng.random() * 10) * YEAR),
            mum_eth,
            mum.surname,
            since,
        )
    if eldest > 14 and rng.random() < 0.12:
        sib = _adult(
            w,
            rng,
            hh,
            "SIBLING",
            "M" if rng.random() < 0.5 else "F",
            as_of - int((18 + rng.random() * 5) * YEAR),
            eth,
            child_surname,
            since,
        )
        sib.mh = sib.da = 0
    out = [hh]
    # Separation (more likely where there is abuse) and the leaver's new household.
    start = max(ws, since)
    if dad and rng.random() < 0.08 + 0.25 * dad.da:
        t_sep = start + rng.randrange(max(1, as_of - start))
        dad.present_to = t_sep
        sat = Household(w.next_household_key(), index, [], decile, hh.z, satellite_of=hh.key)
        sat.periods.append((t_sep, None, _pick_postcode(rng, geo, pc), 1 + rng.randrange(180)))
        dad.hh_key = sat.key
        sat.people.append(dad)  # why: same Person object; emitters use present_to for old hh
        out.append(sat)
        lone = True
    # Re-partnering: a new adult joins a lone-parent household.
    if lone and rng.random() < 0.3:
        lo = dad.present_to if dad and dad.present_to else start
        if as_of - lo > 60:
            joined = lo + 30 + rng.randrange(as_of - lo - 30)
            partner = _adult(
                w,
                rng,
                hh,
                "CARER",
                "M",
                mum_dob - int(rng.gauss(2, 4) * YEAR),
                w.names.ethnicity(rng),
                None,
                joined,
            )
            if o.surname_change_rate and rng.random() < o.surname_change_rate:
                mum.former_surname, mum.surname = mum.surname, partner.surname
    # House moves.
    n_moves = rng.choices((0, 1, 2), (70, 24, 6))[0]
    for t in sorted(start + rng.randrange(max(1, as_of - start)) for _ in range(n_moves)):
        f, _, last_pc, _ = hh.periods[-1]
        if t - f < 90:
            continue
        hh.periods[-1] = (f, t, last_pc, hh.periods[-1][3])
        hh.periods.append((t, None, _pick_postcode(rng, geo, last_pc), 1 + rng.randrange(180)))
    _latent_risk(w, rng, hh, mum)
    add_happenings(w, rng, hh)
    for sat in out[1:]:
        add_happenings(w, rng, sat)
    return out


def _latent_risk(w: World, rng: random.Random, hh: Household, mum: Person) -> None:
    """Household severity level 0..4 and the dates its risk is active."""
    adults = [p for p in hh.people if not p.is_child]
    da = max((p.da for p in adults), default=0)
    mh = max((p.mh for p in adults if p.role != "SIBLING"), default=0)
    sub = max((p.sub for p in adults), default=0)
    young_mum = mum.age_on(max((p.dob for p in hh.people if p.is_child), default=mum.dob)) < 21
    r = 1.25 * da + 0.85 * mh + 1.0 * sub + 0.6 * hh.dep + 0.3 * young_mum + 0.55 * rng.gauss(0, 1)
    r += 0.35 * (da * mh + sub * mh)  # why: the "toxic trio" compounds
    hh.level = sum(r > t for t in LEVEL_THRESHOLDS)
    if hh.level == 0:
        return
    ws, as_of = w.window_start, w.as_of
    onset = ws - int(2.5 * YEAR) + rng.randrange(int((w.opts.history_years + 3.2) * YEAR))
    carer = next((p for p in adults if p.role == "CARER" and p.da), None)
    if carer is not None:  # why: a new abusive partner starts the risk when he arrives
        onset = carer.present_from + rng.randrange(180)
    first_birth = min((p.dob for p in hh.people if p.is_child), default=onset)
    hh.onset = max(onset, first_birth - 120)
    hh.offset = hh.onset + int((1.5 + rng.random() * (2 + hh.level)) * YEAR)
    del as_of
