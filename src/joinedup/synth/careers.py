"""Children's social care careers: contacts -> referrals -> assessments -> s47 -> plans -> care.

In: a ``Feeds`` and one ``Household`` (latent level, onset, happenings already recorded by the
other agencies). Out: a list of ``Episode`` per household (pure decisions, with dates), which
``social_care.emit_social_care`` turns into SSD rows. Referrals come from what agencies saw
(police DA with children present, A&E injuries, exclusions) after realistic delays, and from
professionals' latent concern; each level of risk has its own typical path.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from joinedup.synth.exploitation import EXPLOITATION_CODES
from joinedup.synth.model import Household, Person

if TYPE_CHECKING:
    from joinedup.synth.feeds import Feeds

_CONVERT = (0.10, 0.30, 0.50, 0.70, 0.80)  # P(contact becomes a referral) by latent level
_DISCOVERY_MONTHS = (0, 14, 10, 7, 5)  # mean delay from onset to a professional's referral
_LATENT_SOURCES = (
    ("2A", 30),
    ("3A", 10),
    ("3B", 10),
    ("1B", 8),
    ("5D", 10),
    ("4", 4),
    ("8", 4),
    ("1D", 4),
    ("3F", 6),
    ("9", 2),
)
SOURCE_DESC = {
    "1A": "Individual",
    "1B": "Individual - family member/relative/carer",
    "1C": "Individual - acquaintance",
    "1D": "Individual - self",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health services - GP",
    "3B": "Health services - health visitor",
    "3E": "Health services - A&E",
    "3F": "Health services - other",
    "4": "Housing",
    "5A": "LA services - social care",
    "5D": "LA services - early help",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}
_INJURY = ("INJURY", "FRACTURE", "BURN", "HEAD_INJURY", "INGESTION")


@dataclass
class Episode:
    """One referral of one child and everything that followed it (dates are ordinals)."""

    child: Person
    contact_day: int
    source: str
    referral: int
    nfa_at_referral: bool = False
    assessment: tuple[int, int] | None = None
    factors: list[str] = field(default_factory=list)
    s47: tuple[int, int, bool] | None = None  # start, end, led to conference
    cp: tuple[int, int | None, str] | None = None  # start, end, category
    cla: tuple[int, int | None, str] | None = None  # start, end, ceased reason
    early_help: tuple[int, int, str] | None = None
    close: int | None = None
    close_reason: str = ""
    need: str = "N1"


def _factors(rng: random.Random, hh: Household, kid: Person, level: int, day: int) -> list[str]:
    found = _risk_factors(rng, hh, kid, level, day)
    if kid.exploited is not None and day >= kid.exploited[1]:  # no draw: streams unchanged
        code = EXPLOITATION_CODES.get(kid.exploited[0], "12A")
        found = sorted({*found, code} - {"21"}, key=lambda c: (_number(c), c))
    return found


def _number(code: str) -> int:
    return int("".join(ch for ch in code if ch.isdigit()))


def _risk_factors(
    rng: random.Random, hh: Household, kid: Person, level: int, day: int
) -> list[str]:
    adults = hh.adults_at(day)
    out: set[str] = set()
    if level == 0:
        return ["21"] if rng.random() < 0.7 else [rng.choice(("20", "6B", "14A"))]
    if any(a.da for a in adults):
        out.add("3B")
        if rng.random() < 0.4:
            out.add("3A")
        if rng.random() < 0.35:
            out.add("17A")
    if any(a.mh for a in adults if a.role in ("PARENT", "CARER")):
        out.add("4B")
    if any(a.mh for a in adults if a.role == "OTHER_ADULT"):
        out.add("4C")
    for a in adults:
        if a.sub:
            tag = ("2" if rng.random() < 0.45 else "1") + (
                "B" if a.role in ("PARENT", "CARER") else "C"
            )
            out.add(tag)
    if level >= 2 and (rng.random() < 0.45 or kid.age_on(day) < 3):
        out.add("16A")
    if level >= 3 and rng.random() < 0.25:
        out.add("18C")
    if rng.random() < 0.12 * level:
        out.add("17A")
    age = kid.age_on(day)
    if age >= 12 and level >= 2:
        for code, p in (("10A", 0.3), ("11A", 0.08), ("24A", 0.08), ("15A", 0.1), ("4A", 0.12)):
            if rng.random() < p:
                out.add(code)
    if not out:
        out.add(rng.choice(("20", "6B", "5B", "14A")) if rng.random() < 0.5 else "21")
    return sorted(out, key=lambda c: (_number(c), c))


def _category(rng: random.Random, factors: list[str], serious: bool) -> str:
    cats = []
    if "16A" in factors:
        cats.append("NEG")
    if "17A" in factors or "3B" in factors or "3A" in factors:
        cats.append("EMO")
    if "18C" in factors or serious:
        cats.append("PHY")
    if rng.random() < 0.03:
        cats = ["SAB"]
    if not cats:
        cats = ["NEG"] if rng.random() < 0.6 else ["EMO"]
    return "MUL" if len(cats) > 1 and rng.random() < 0.35 else cats[0]


def _contacts(
    fd: Feeds, hh: Household, rng: random.Random
) -> list[tuple[int, str, list[Person], float, bool]]:
    """Candidate contacts (day, source, children, P(referral), serious) in date order."""
    out: list[tuple[int, str, list[Person], float, bool]] = []
    conv = _CONVERT[hh.level]
    serious_days = {d for d, _ in hh.serious}
    for h in hh.happenings:
        kind, day = h[0], h[1]
        if kind == "POL" and id(h) in fd.recorded_police:
            kids = [p for p, role in h[3] if p.is_child]
            if h[2] == "DOMESTIC_ABUSE" and kids:
                out.append((day + 1 + rng.randrange(10), "6", hh.children_at(day), conv, False))
            elif kids and h[2] != "ANTISOCIAL_BEHAVIOUR" and rng.random() < 0.6:
                out.append((day + 1 + rng.randrange(14), "6", kids, conv * 0.8, False))
        elif kind == "ENC" and h[2].is_child and h[3] in _INJURY:
            serious = h[4] == "IMP" and day in serious_days
            if serious:
                out.append((day + 1, "3E", hh.children_at(day), 1.0, True))
            elif rng.random() < (0.35 if hh.level >= 2 else 0.03):
                out.append((day + 2 + rng.randrange(20), "3E", [h[2]], max(conv, 0.1), False))
        elif kind == "EXC" and h[3] == "PERM" and rng.random() < 0.3:
            out.append((day + 7, "2A", [h[2]], conv, False))
    if hh.level and hh.onset is not None:
        mean_days = _DISCOVERY_MONTHS[hh.level] * 30.4
        day = hh.onset + int(rng.expovariate(1 / mean_days))
        src = rng.choices([s for s, _ in _LATENT_SOURCES], [w for _, w in _LATENT_SOURCES])[0]
        out.append((day, src, hh.children_at(day), 1.0, False))
    for _ in range(3 if hh.level == 0 else 0):  # ordinary worries, mostly no further action
        if rng.random() < 0.08:
            day = fd.window_start - 200 + rng.randrange(fd.as_of - fd.window_start + 200)
            src = rng.choices([s for s, _ in _LATENT_SOURCES], [w for _, w in _LATENT_SOURCES])[0]
            out.append((day, src, hh.children_at(day), 0.45, False))
    out.sort(key=lambda c: (c[0], c[1]))
    return out


def plan_household(
    fd: Feeds, hh: Household, rng: random.Random
) -> tuple[list[tuple], list[Episode], list]:
    """Returns (contacts written as (day, child, source, outcome)), episodes, early-help-only)."""
    contacts: list[tuple] = []
    episodes: list[Episode] = []
    eh_only: list[tuple[Person, int, int, str]] = []
    open_until = -1
    level = hh.level
    as_of = fd.as_of
    for day, src, kids, p_ref, serious in _contacts(fd, hh, rng):
        if day >= as_of or not kids:
            continue
        if hh.offset is not None and day > hh.offset:
            level = min(level, 1) if level else 0  # why: the risk has faded on its own
        if day <= open_until:
            for k in kids:
                contacts.append((day, k, src, "EXISTING_REFERRAL"))
            continue
        if rng.random() >= p_ref:
            outcome = "ADVICE" if rng.random() < 0.5 else "NFA"
            for k in kids:
                contacts.append((day, k, src, outcome))
            if level == 1 and rng.random() < 0.3:  # why: family hubs offer early help directly
                start = day + 14 + rng.randrange(30)
                end = start + 90 + rng.randrange(200)
                for k in kids:
                    eh_only.append((k, start, end, "Family support"))
                open_until = end
            continue
        ref = day + rng.randrange(3)
        eff = max(level, 3 if serious else 0)
        path_close = _path(fd, hh, rng, eff, ref, serious, kids, src, day, episodes, contacts)
        open_until = path_close
        if eff >= 3:
            level = 1 if rng.random() < 0.7 else level  # why: plans and care mostly work
        elif eff == 2 and rng.random() < 0.5:
            level = 1
    return contacts, episodes, eh_only


def _lognormal_days(rng: random.Random, median: float, sigma: float) -> int:
    return int(median * math.exp(rng.gauss(0, sigma)))


def _path(
    fd: Feeds,
    hh: Household,
    rng: random.Random,
    eff: int,
    ref: int,
    serious: bool,
    kids: list[Person],
    src: str,
    contact_day: int,
    episodes: list[Episode],
    contacts: list[tuple],
) -> int:
    """Decide one referral's path for the children; returns when the case closes (or far future)."""
    as_of = fd.as_of
    far = as_of + 10_000
    a_start = ref + rng.randrange(6)
    a_end = a_start + 10 + rng.randrange(36)
    nfa_ref = eff == 0 and rng.random() < 0.3
    r_eh = rng.random()
    s47_start = ref + 2 + rng.randrange(14)
    s47_end = s47_start + 8 + rng.randrange(15)
    cp_wanted = eff >= 3 and (rng.random() < 0.85 or serious)
    cp_start = s47_end + 5 + rng.randrange(12)
    cp_len = max(90, _lognormal_days(rng, 330, 0.55))
    emergency = eff == 4 and (serious or rng.random() < 0.35)
    care = eff == 4 and (emergency or rng.random() < 0.75)
    cla_start = (ref + rng.randrange(4)) if emergency else cp_start + 60 + rng.randrange(300)
    stay = rng.random()
    cla_len = far if stay < 0.45 else max(30, _lognormal_days(rng, 650, 0.7))
    ceased = rng.choices(
        ("E4A", "E41", "E45", "E47", "E11", "E13", "E8"), (35, 10, 12, 10, 15, 10, 8)
    )[0]
    close_cin = a_end + 120 + rng.randrange(240)
    closes = []
    for k in kids:
        ep = Episode(k, contact_day, src, ref)
        contacts.append((contact_day, k, src, "NEW_REFERRAL"))
        if nfa_ref:
            ep.nfa_at_referral = True
            ep.close, ep.close_reason, ep.need = ref + 1 + rng.randrange(5), "RC8", "N0"
            episodes.append(ep)
            closes.append(ep.close)
            continue
        ep.assessment = (a_start, a_end)
        ep.factors = _factors(rng, hh, k, eff, a_start)
        ep.need = "N1" if eff >= 3 or "3B" in ep.factors else rng.choice(("N1", "N3", "N4", "N5"))
        if eff <= 1:
            if eff == 1 and r_eh < 0.45:
                ep.early_help = (a_end + 7, a_end + 7 + 90 + rng.randrange(200), "Family support")
                ep.close, ep.close_reason = a_end, "RC9"
            else:
                ep.close, ep.close_reason = a_end, "RC8"
        elif eff == 2:
            if rng.random() < 0.25:
                ep.s47 = (s47_start, s47_end, False)
            ep.close, ep.close_reason = close_cin, "RC7"
        else:
            ep.s47 = (s47_start, s47_end, cp_wanted)
            end = far
            if care:
                ep.cla = (
                    cla_start,
                    None if cla_start + cla_len >= as_of else cla_start + cla_len,
                    ceased if ceased != "E11" or k.age_on(cla_start) < 5 else "E4A",
                )
                if ep.cla[1] is not None:
                    end = ep.cla[1] + 30
            if cp_wanted and not (care and cla_start <= cp_start):
                cp_end = cp_start + cp_len
                if care:
                    cp_end = min(cp_end, cla_start)
                ep.cp = (cp_start, cp_end, _category(rng, ep.factors, serious))
                if not care:
                    end = cp_end + 60 + rng.randrange(120)
            elif not care:
                end = close_cin
            ep.close, ep.close_reason = (
                end,
                (
                    "RC7"
                    if not ep.cla
                    else {"E11": "RC1", "E41": "RC3", "E45": "RC4", "E47": "RC4"}.get(
                        ep.cla[2], "RC7"
                    )
                ),
            )
        episodes.append(ep)
        closes.append(ep.close or far)
    return max(closes) if closes else ref
