"""True happenings of a household: what latent risk (and ordinary life) makes agencies see.

In: a ``World``, the household's ``random.Random`` and a ``Household`` with people and latent
risk. Out: ``hh.happenings``, a list of tuples (first item = kind):

- ``("ENC", day, person, reason, class)``       health encounter (FHIR Encounter)
- ``("COND", day, person, code)``               health condition onset
- ``("POL", day, category, [(person, role)], dash, u)``  police incident; ``u`` is the uniform
  draw that decides whether police record it (so recording bias changes nothing else)
- ``("ADL", day, agency, person, type, detail)`` adult-service event
- ``("EXC", day, person, category, reason, sessions)``   school exclusion
- ``("MISS", day, person, end_day)``            child missing from home

Risk-driven rates apply only while the household's risk is active (onset..offset), so
signals precede referrals and plans by months; ordinary noise happens to everyone.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from joinedup.synth.model import Household, Person, times_in

if TYPE_CHECKING:
    from joinedup.synth.population import World

YEAR = 365.25
_FACTOR = (0.0, 0.5, 1.0, 1.6, 2.2)  # signal intensity by latent level
_CHILD_INJURY = ("INJURY", "INJURY", "FRACTURE", "BURN", "HEAD_INJURY", "INGESTION")
_EXCL_REASONS = ("PP", "PA", "VP", "VA", "DA", "DB", "BU", "DM")


def _span(hh: Household, p: Person, lo: int, hi: int) -> tuple[int, int]:
    if hh.satellite_of:  # why: a separated adult lives here from the separation onwards
        return max(lo, hh.periods[0][0]), hi
    start = max(lo, p.present_from, p.dob)
    end = hi if p.present_to is None else min(hi, p.present_to)
    return start, end


def add_happenings(w: World, rng: random.Random, hh: Household) -> None:
    ws, as_of = w.window_start, w.as_of
    hap = hh.happenings
    f = _FACTOR[hh.level]
    r_lo = max(ws, hh.onset) if hh.onset is not None else as_of
    r_hi = min(as_of, hh.offset) if hh.offset is not None else as_of
    members = hh.people
    kids = [p for p in members if p.is_child]
    adults = [p for p in members if not p.is_child]
    # ---- ordinary life (noise, not risk) -------------------------------------------------
    for p in members:
        s, e = _span(hh, p, ws, as_of)
        young = p.is_child and p.age_on(as_of) < 6
        for d in times_in(rng, 0.35 if p.is_child else 0.2, s, e):
            hap.append(("ENC", d, p, "ILLNESS", "EMER"))
        for d in times_in(rng, 0.6, s, e):
            hap.append(("ENC", d, p, "ILLNESS" if rng.random() < 0.7 else "OTHER", "AMB"))
        for d in times_in(rng, 0.12 if young else 0.06, s, e):
            hap.append(("ENC", d, p, "INJURY", "EMER"))  # accidents happen to every child
        if p.is_child and p.dob >= ws - 730:  # health visiting for babies and toddlers
            for months in (0.5, 2, 4, 9, 12, 27):
                d = p.dob + int(months * 30.4)
                if ws <= d < as_of and rng.random() < 0.92 - 0.15 * f:
                    hap.append(("ENC", d, p, "HEALTH_VISITOR_CONTACT", "AMB"))
        if not p.is_child:
            if rng.random() < 0.05:
                hap.append(
                    (
                        "COND",
                        s + rng.randrange(max(1, e - s)),
                        p,
                        rng.choice(("ANXIETY", "DEPRESSION", "PHYSICAL_DISABILITY")),
                    )
                )
            for d in times_in(rng, 0.025 * (1 + hh.dep), s, e):
                cat = rng.choice(
                    ("THEFT", "THEFT", "ANTISOCIAL_BEHAVIOUR", "CRIMINAL_DAMAGE", "ASSAULT")
                )
                hap.append(
                    (
                        "POL",
                        d,
                        cat,
                        [(p, "VICTIM" if cat != "ANTISOCIAL_BEHAVIOUR" else "REPORTING_PERSON")],
                        "",
                        rng.random(),
                    )
                )
            for d in times_in(rng, 0.04 + 0.25 * hh.dep * max(0.0, 1 + hh.z) * 0.5, s, e):
                typ = rng.choice(
                    (
                        "RENT_ARREARS",
                        "RENT_ARREARS",
                        "OVERCROWDING",
                        "EVICTION_NOTICE",
                        "HOMELESS_APPLICATION",
                        "ANTISOCIAL_BEHAVIOUR_WARNING",
                    )
                )
                hap.append(("ADL", d, "housing", p, typ, "tenancy"))
                if typ == "HOMELESS_APPLICATION" and rng.random() < 0.4:
                    hap.append(("ADL", d + 14, "housing", p, "TEMPORARY_ACCOMMODATION", "placed"))
            if rng.random() < 0.006:  # an ordinary offender on probation (not a risk to kids)
                d = s + rng.randrange(max(1, e - s))
                hap.append(("ADL", d, "probation", p, "ORDER_START", "community order"))
                hap.append(("ADL", d + 365, "probation", p, "ORDER_END", "completed"))
        elif p.age_on(as_of) > 2 and rng.random() < 0.01:
            hap.append(
                (
                    "COND",
                    s + rng.randrange(max(1, e - s)),
                    p,
                    rng.choice(("LEARNING_DISABILITY", "PHYSICAL_DISABILITY", "EATING_DISORDER")),
                )
            )
        if p.is_child and ws <= p.dob < as_of:  # a birth: the mother's pregnancy care
            mother = next((a for a in adults if a.sex == "F" and a.role == "PARENT"), None)
            if mother and p.dob - 200 >= ws:
                hap.append(("ENC", p.dob - 200, mother, "PREGNANCY", "AMB"))
                hap.append(("ENC", p.dob, mother, "PREGNANCY", "IMP"))
        if p.is_child and p.age_on(as_of) > 12:
            for d in times_in(rng, 0.03, max(s, p.dob + int(11 * YEAR)), e):
                hap.append(("POL", d, "ANTISOCIAL_BEHAVIOUR", [(p, "SUSPECT")], "", rng.random()))
    # ---- latent adult conditions: recorded by health and adult services ------------------
    for p in adults:
        s, e = _span(hh, p, ws, as_of)
        if e <= s:
            continue
        if p.mh:
            hap.append(
                (
                    "COND",
                    s + rng.randrange(max(1, e - s)) if rng.random() < 0.3 else s,
                    p,
                    rng.choices(
                        (
                            "DEPRESSION",
                            "ANXIETY",
                            "PSYCHOSIS",
                            "PERSONALITY_DISORDER",
                            "PERINATAL_MENTAL_HEALTH",
                        ),
                        (45, 30, 6, 9, 10),
                    )[0],
                )
            )
            for d in times_in(rng, 0.25 + 0.2 * f, s, e):
                hap.append(
                    (
                        "ENC",
                        d,
                        p,
                        rng.choice(("MENTAL_HEALTH_CRISIS", "SELF_HARM", "OVERDOSE")),
                        "EMER",
                    )
                )
                if rng.random() < 0.6:
                    hap.append(
                        (
                            "ADL",
                            d + rng.randrange(1, 20),
                            "adult_mental_health",
                            p,
                            rng.choice(("REFERRAL", "CRISIS_TEAM_CONTACT")),
                            "secondary care",
                        )
                    )
                if rng.random() < 0.06:
                    hap.append(("ADL", d + 2, "adult_mental_health", p, "DETAINED_UNDER_MHA", "s2"))
                    hap.append(
                        ("ADL", d + 30, "adult_mental_health", p, "DISCHARGE", "to community")
                    )
            if rng.random() < 0.3:
                d = s + rng.randrange(max(1, e - s))
                hap.append(("ADL", d, "adult_mental_health", p, "CARE_COORDINATOR_ASSIGNED", "CPA"))
        if p.sub:
            drug = rng.random() < 0.45
            hap.append(("COND", s, p, "DRUG_DEPENDENCE" if drug else "ALCOHOL_DEPENDENCE"))
            for d in times_in(rng, 0.3 + 0.2 * f, s, e):
                hap.append(("ENC", d, p, "OVERDOSE" if drug else "ALCOHOL_INTOXICATION", "EMER"))
            for d in times_in(rng, 0.35, s, e):
                hap.append(
                    (
                        "ADL",
                        d,
                        "substance_misuse",
                        p,
                        "TREATMENT_START",
                        "opiates" if drug else "alcohol",
                    )
                )
                end_type = rng.choices(
                    ("TREATMENT_END", "TREATMENT_DROPOUT", "RELAPSE"), (40, 40, 20)
                )[0]
                hap.append(
                    ("ADL", d + 60 + rng.randrange(200), "substance_misuse", p, end_type, "")
                )
            for d in times_in(rng, 0.15 if drug else 0.05, s, e):
                hap.append(("POL", d, "DRUGS", [(p, "SUSPECT")], "", rng.random()))
    # ---- risk-driven signals while the household's risk is active ------------------------
    if r_hi <= r_lo:
        return
    for p in adults:
        if not p.da:
            continue
        s, e = _span(hh, p, r_lo, r_hi)
        victim = next((a for a in adults if a.sex == "F" and a is not p), None)
        for d in times_in(rng, 1.1 * max(f, 0.5), s, e):
            dash = rng.choices(("STANDARD", "MEDIUM", "HIGH"), (50 - 8 * f, 33, 12 + 8 * f))[0]
            roles = [(p, "SUSPECT")] + ([(victim, "VICTIM")] if victim else [])
            roles += [(k, "CHILD_PRESENT") for k in hh.children_at(d) if rng.random() < 0.7]
            hap.append(("POL", d, "DOMESTIC_ABUSE", roles, dash, rng.random()))
            if victim and rng.random() < 0.15:
                hap.append(("ENC", d, victim, "ASSAULT", "EMER"))
        if rng.random() < 0.35:
            d = s + rng.randrange(max(1, e - s))
            hap.append(("ADL", d, "probation", p, "ORDER_START", "DA conviction"))
            hap.append(
                ("ADL", d + 30, "probation", p, "DOMESTIC_ABUSE_PERPETRATOR_PROGRAMME", "referred")
            )
            if rng.random() < 0.2:
                hap.append(
                    (
                        "ADL",
                        d + 40,
                        "probation",
                        p,
                        rng.choices(
                            ("MAPPA_LEVEL_1", "MAPPA_LEVEL_2", "MAPPA_LEVEL_3"), (70, 25, 5)
                        )[0],
                        "MAPPA",
                    )
                )
            if rng.random() < 0.15:
                hap.append(("ADL", d + 200, "probation", p, "RECALL", "breach"))
                hap.append(("ADL", d + 400, "probation", p, "LICENCE_START", "released"))
            hap.append(("ADL", d + 365 + rng.randrange(300), "probation", p, "ORDER_END", ""))
    for d in times_in(rng, 0.15 * f, r_lo, r_hi):
        ks = hh.children_at(d)
        if ks:
            hap.append(
                (
                    "POL",
                    d,
                    "CONCERN_FOR_WELFARE",
                    [(k, "SUBJECT_OF_CONCERN") for k in ks],
                    "",
                    rng.random(),
                )
            )
    for k in kids:
        s, e = _span(hh, k, r_lo, r_hi)
        if e <= s:
            continue
        a = k.age_on(s)
        rate = (0.55 if a < 2 else 0.3 if a < 5 else 0.12) * f
        for d in times_in(rng, rate, s, e):
            hap.append(("ENC", d, k, _CHILD_INJURY[rng.randrange(6)], "EMER"))
        if a < 5:
            for d in times_in(rng, 0.6 * f, s, e):
                hap.append(("ENC", d, k, "MISSED_APPOINTMENT", "AMB"))
        teen_start = max(s, k.dob + int(12 * YEAR))
        if hh.level >= 2:
            for d in times_in(rng, 0.35 * f, teen_start, e):
                back = d + 1 + rng.randrange(4)
                hap.append(("MISS", d, k, back))
                hap.append(("POL", d, "MISSING_PERSON", [(k, "MISSING_PERSON")], "", rng.random()))
            for d in times_in(rng, 0.06 * f, teen_start, e):
                cat = rng.choice(
                    ("CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION", "ONLINE_HARM")
                )
                hap.append(("POL", d, cat, [(k, "VICTIM")], "", rng.random()))
            for d in times_in(rng, 0.08 * f, teen_start, e):
                hap.append(("ENC", d, k, "SELF_HARM", "EMER"))
    # exclusions: school-age children, more when risk is active
    for k in kids:
        age = k.age_on(as_of)
        if not 5 <= age < 17:
            continue
        active = hh.onset is not None and hh.onset < as_of
        rate = (0.05 if age >= 11 else 0.008) * (1 + 3 * f * active) * (1 + hh.dep)
        for d in times_in(rng, rate, max(ws, as_of - 430), as_of - 100):
            perm = rng.random() < 0.03 * (1 + f)
            hap.append(
                (
                    "EXC",
                    d,
                    k,
                    "PERM" if perm else "SUSP",
                    _EXCL_REASONS[rng.randrange(8)],
                    0 if perm else 1 + rng.randrange(10),
                )
            )
    # serious incident: a hidden harm, sometimes before anyone has referred
    if hh.level >= 3:
        for k in kids:
            if k.age_on(r_lo) < 5 and rng.random() < (0.35 if hh.level == 4 else 0.08):
                d = r_lo + rng.randrange(max(1, r_hi - r_lo))
                if d >= k.dob:
                    hh.serious.append((d, k.idx))
                    hap.append(("ENC", d, k, rng.choice(("HEAD_INJURY", "FRACTURE")), "IMP"))
