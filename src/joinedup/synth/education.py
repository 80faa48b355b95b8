"""School census (school-census-csv/1) for the 2025/26 academic year.

In: a ``Feeds`` (schools already chosen) and one ``Household``. Out: pupils.csv,
attendance.csv (terms 2025-AUT, 2026-SPR, 2026-SUM) and exclusions.csv rows, plus truth
records (source_table ``pupils``, source_id = the UPN as delivered). Absence propensity is
latent: higher with deprivation and while household risk is active.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from joinedup.synth import messy
from joinedup.synth.identity import record_person
from joinedup.synth.model import Household, iso

if TYPE_CHECKING:
    from joinedup.synth.feeds import Feeds

YEAR_START = date(2025, 9, 1).toordinal()
TERMS = (
    ("2025-AUT", date(2025, 9, 3).toordinal(), date(2025, 12, 19).toordinal(), 140),
    ("2026-SPR", date(2026, 1, 5).toordinal(), date(2026, 3, 27).toordinal(), 118),
    ("2026-SUM", date(2026, 4, 13).toordinal(), date(2026, 7, 22).toordinal(), 122),
)
# The local authority's term dates with their half-term breaks (term_dates.csv, blank URN).
HALF_TERMS = {
    "2025-AUT": (date(2025, 10, 27), date(2025, 10, 31)),
    "2026-SPR": (date(2026, 2, 16), date(2026, 2, 20)),
    "2026-SUM": (date(2026, 5, 25), date(2026, 5, 29)),
}
TERM_DATE_COLUMNS = [
    "urn",
    "term",
    "first_day",
    "last_day",
    "half_term_first_day",
    "half_term_last_day",
]


def term_date_rows() -> list[list[str]]:
    """term_dates.csv: the local authority's dates, which every school here follows."""
    return [
        [
            "",
            term,
            iso(t0),
            iso(t1),
            HALF_TERMS[term][0].isoformat(),
            HALF_TERMS[term][1].isoformat(),
        ]
        for term, t0, t1, _ in TERMS
    ]


_FACTOR = (0.0, 0.5, 1.0, 1.6, 2.2)


def _ncy(dob: int) -> int:
    """National curriculum year in 2025/26 (0 = reception) from date of birth."""
    d = date.fromordinal(dob)
    cohort = d.year if d.month < 9 else d.year + 1  # academic birth year
    return 2025 - cohort - 4


def emit_education(fd: Feeds, hh: Household, rng: random.Random) -> None:
    o = fd.opts
    active = hh.onset is not None and hh.onset < TERMS[-1][2] and (hh.offset or 0) > YEAR_START
    f = _FACTOR[hh.level] if active else 0.0
    for k in hh.people:
        if not k.is_child or k.hh_key != hh.key:
            continue
        ncy = _ncy(k.dob)
        if ncy in (12, 13):  # why: left school, but social care may still hold their UPN
            k.upn = fd.allocate_upn(
                fd.school_for(fd.geo.sector_of[hh.periods[0][2]], 0, rng), 2025 - ncy
            )
            continue
        if not 0 <= ncy <= 11 or k.present_from > TERMS[-1][1]:
            continue
        sector = fd.geo.sector_of[hh.period_at(YEAR_START)[2]]
        school = fd.school_for(sector, ncy, rng)
        entry_ncy = (
            max(0, ncy - int((YEAR_START - k.present_from) / 365.25))
            if k.present_from > YEAR_START - 4000
            else 0
        )
        first_school = school if entry_ncy >= 7 or ncy <= 6 else fd.school_for(sector, 0, rng)
        entry_year = 2025 - ncy + entry_ncy
        k.upn = fd.allocate_upn(first_school, entry_year)
        upn = k.upn
        if rng.random() < o.upn_wrong_check_rate:
            upn = messy.upn_wrong_check(rng, upn)
        former = ""
        if rng.random() < o.former_upn_rate:
            fd.seq["tmp_upn"] += 1
            former = messy.temporary_upn(
                fd.opts.la_number, fd.schools[first_school][4], entry_year, fd.seq["tmp_upn"]
            )
        if k.prior_upn:  # moved in: the common transfer file brings the UPN, or a former UPN
            if sum(k.prior_upn.encode()) % 10 < 7:
                upn = k.upn = k.prior_upn
            else:
                former = k.prior_upn
        r = record_person(
            o,
            fd.geo,
            rng,
            k,
            hh,
            "education",
            max(k.present_from, YEAR_START - 365),
            fd.as_of,
            allow_nickname=False,
            extended=fd.extended,
        )
        pref = messy.nickname(rng, k.forename) if rng.random() < 0.1 else r.forename
        pref_sur = r.surname.split("-")[0] if "-" in r.surname and rng.random() < 0.5 else r.surname
        # entered this school at reception (primary) or year 7 (secondary), or on moving in
        entry = max(k.present_from, date(2025 - (ncy if ncy < 7 else ncy - 7), 9, 1).toordinal())
        fsm = rng.random() < 0.08 + 0.35 * hh.dep + 0.08 * hh.level
        sen = rng.choices(("N", "K", "E"), (83 - 4 * hh.level, 13 + 3 * hh.level, 4 + hh.level))[0]
        if sen == "E" and rng.random() < 0.35:
            school = fd.special_school()
        urn = fd.schools[school][0]
        excls = sorted(
            (
                h
                for h in hh.happenings
                if h[0] == "EXC" and h[2] is k and TERMS[0][1] <= h[1] <= TERMS[-1][2]
            ),
            key=lambda h: h[1],
        )
        perm = next((h for h in excls if h[3] == "PERM"), None)
        leaving = perm[1] + 1 if perm else None
        fd.pupils.row(
            [
                upn,
                former,
                r.forename,
                r.surname,
                pref,
                pref_sur,
                iso(r.dob),
                k.sex,
                r.postcode,
                urn,
                iso(entry),
                iso(leaving),
                "true" if fsm else "false",
                sen,
                k.eth,
            ]
        )
        fd.truth_record("education", "pupils", upn, k.key, r.errors)
        pru_urn = fd.schools[fd.pru()][0]
        if perm:
            fd.pupils.row(
                [
                    upn,
                    former,
                    r.forename,
                    r.surname,
                    pref,
                    pref_sur,
                    iso(r.dob),
                    k.sex,
                    r.postcode,
                    pru_urn,
                    iso(perm[1] + 7),
                    "",
                    "true" if fsm else "false",
                    sen,
                    k.eth,
                ]
            )
        # attendance: a latent propensity, then term-by-term noise
        base = (
            rng.betavariate(2.3, 50.0)
            * (1 + 0.5 * hh.dep)
            * (1 + 0.9 * f)
            * (1.3 if sen != "N" else 1.0)
        )
        for term, t0, t1, possible in TERMS:
            if k.present_from > t1:
                continue
            poss = (
                possible
                if k.present_from <= t0
                else int(possible * (t1 - k.present_from) / (t1 - t0))
            )
            where = urn
            if leaving is not None and t0 >= leaving:
                where = pru_urn
            rate = min(
                0.95,
                max(0.0, base * (0.6 + 0.8 * rng.random()) + (0.02 if term == "2026-SPR" else 0)),
            )
            absent = int(round(poss * rate))
            unauth = int(round(absent * min(0.9, 0.25 + 0.12 * f + 0.2 * hh.dep)))
            fd.attendance.row([upn, where, term, poss, absent - unauth, unauth])
        for h in excls:
            fd.exclusions.row([upn, urn, iso(h[1]), h[3], h[4], h[5]])
