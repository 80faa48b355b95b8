"""SSD (ssd-csv/1) rows for one household from its planned social-care careers.

In: a ``Feeds``, a ``Household`` and the output of ``careers.plan_household``. Out: rows in
the 15 SSD tables (column names and order from standards/ssd/*.yml), truth records for
``ssd_person`` and outcome rows (REFERRAL, CP_PLAN, LOOKED_AFTER, ...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from joinedup.ingest.feed_writer import dumps
from joinedup.synth import messy
from joinedup.synth.careers import SOURCE_DESC, Episode, plan_household
from joinedup.synth.identity import record_person, recorded_nhs
from joinedup.synth.model import Household, Person, iso

if TYPE_CHECKING:
    from joinedup.synth.feeds import Feeds

NextId = Callable[[str], str]  # the next id of a kind of row ("cp", "icpc"...)

TEAMS = (
    "Front Door MASH",
    "Assessment Team",
    "Child Protection Team",
    "Children in Care Team",
    "Early Help Hub",
)
_CONTACT_KEYS = (
    "NEW_REFERRAL",
    "EXISTING_REFERRAL",
    "CP_ENQUIRY",
    "NFA",
    "NON_AGENCY_ADOPTION",
    "PRIVATE_FOSTERING",
    "ADVICE",
    "MISSING",
    "OLA_CP",
    "OTHER_OUTCOMES_EXIST",
)


def _flags(keys: tuple[str, ...], on: set[str]) -> str:
    return dumps({f"{k}_FLAG": ("Y" if k in on else "N") for k in keys})


def _d(day: int | None, as_of: int) -> str:
    return "" if day is None or day >= as_of else iso(day)


def emit_social_care(fd: Feeds, hh: Household, rng: random.Random) -> None:
    contacts, episodes, eh_only = plan_household(fd, hh, rng)
    if fd.interventions is not None:  # Y(1) = Y(0) thinned for children an intervention helped
        contacts, episodes = fd.interventions.apply(fd, hh, contacts, episodes)
    ws, as_of = fd.window_start, fd.as_of
    t = fd.ssd
    ids: dict[str, str] = {}

    def pid(k: Person) -> str:
        if k.key not in ids:
            fd.seq["ssd_person"] += 1
            ids[k.key] = f"{(fd.seq['ssd_person'] * 6_007 + 1_000_003) % 9_999_973:07d}"
        return ids[k.key]

    def seq(name: str) -> str:
        fd.seq[name] += 1
        return str(fd.seq[name])

    for day, k, src, outcome in contacts:
        if ws <= day < as_of:
            t["ssd_contacts"].row(
                [
                    seq("cont"),
                    pid(k),
                    iso(day),
                    src,
                    SOURCE_DESC.get(src, "Other"),
                    _flags(_CONTACT_KEYS, {outcome.replace("_FLAG", "")}),
                ]
            )
    for ep in episodes:
        if (ep.close is not None and ep.close < ws) or ep.referral >= as_of:
            continue
        _episode(fd, hh, rng, ep, pid(ep.child), seq)
    for k, start, end, reason in eh_only:
        if start < as_of and end >= ws:
            t["ssd_early_help_episodes"].row(
                [
                    seq("eh"),
                    pid(k),
                    iso(start),
                    _d(end, as_of),
                    reason,
                    "Outcomes met" if end < as_of else "",
                    "Exampleshire Family Hub",
                    fd.worker("Early Help Hub", rng),
                ]
            )
    for h in hh.happenings:  # missing from home episodes known to social care
        if h[0] == "MISS" and h[2].key in ids and ws <= h[1] < as_of:
            offered = rng.random() < 0.85
            t["ssd_missing"].row(
                [
                    seq("miss"),
                    ids[h[2].key],
                    iso(h[1]),
                    "Missing" if rng.random() < 0.8 else "Away",
                    _d(h[3], as_of),
                    "Y" if offered else "N",
                    ("Y" if rng.random() < 0.6 else "N") if offered else "NA",
                ]
            )
    if fd.exploitation is not None:
        for h in sorted((h for h in hh.happenings if h[0] == "NRM"), key=lambda h: h[1]):
            if ws <= h[1] < as_of:
                fd.exploitation.write_nrm(pid(h[2]), h[1], h[3], h[4])
    for p in sorted((p for p in hh.people if p.key in ids), key=lambda p: p.idx):
        _person_rows(fd, hh, rng, p, ids[p.key], seq)


PRE_BIRTH_WEEKS = 10  # a pre-birth conference about ten weeks before the due date
PRE_BIRTH_PLAN_WITHIN_DAYS = 183


def _pre_birth_plan(fd: Feeds, hh: Household, k: Person, plan_start: int) -> None:
    """A baby on a plan in its first six months had a pre-birth plan, on the mother's NHS
    number, from about ten weeks before the birth until it (no draws from the stream; the
    generator has no pregnancies, so no plan is current after the last birth)."""
    mother = next((p for p in hh.people if p.role == "PARENT" and p.sex == "F"), None)
    start = k.dob - 7 * PRE_BIRTH_WEEKS
    if (
        mother is None
        or not 0 <= plan_start - k.dob <= PRE_BIRTH_PLAN_WITHIN_DAYS
        or start >= fd.as_of
    ):
        return
    fd.seq["pbpl"] += 1
    fd.pre_birth_plans.row(
        [
            f"PB{fd.seq['pbpl']:06d}",
            mother.nhs,
            "",
            iso(k.dob),
            iso(start),
            iso(k.dob) if k.dob < fd.as_of else "",
        ]
    )


def _episode(
    fd: Feeds, hh: Household, rng: random.Random, ep: Episode, person_id: str, seq: NextId
) -> None:
    t, as_of = fd.ssd, fd.as_of
    k = ep.child
    ref_id = seq("ref")
    worker = fd.worker("Front Door MASH", rng)
    closed = ep.close is not None and ep.close < as_of
    outcome = {"SINGLE_ASSESSMENT"} if ep.assessment else {"NFA"}
    if ep.s47:
        outcome.add("STRATEGY_DISCUSSION")
    t["ssd_cin_episodes"].row(
        [
            ref_id,
            person_id,
            iso(ep.referral),
            ep.need,
            ep.source,
            SOURCE_DESC.get(ep.source, "Other"),
            _flags(
                (
                    "SINGLE_ASSESSMENT",
                    "NFA",
                    "STRATEGY_DISCUSSION",
                    "CLA_REQUEST",
                    "NON_AGENCY_ADOPTION",
                    "PRIVATE_FOSTERING",
                    "CP_TRANSFER_IN",
                    "CP_CONFERENCE",
                    "CARE_LEAVER",
                    "OTHER_OUTCOMES_EXIST",
                ),
                outcome,
            ),
            "Y" if ep.nfa_at_referral else "N",
            ep.close_reason if closed else "",
            iso(ep.close) if closed else "",
            "Front Door MASH",
            worker,
        ]
    )
    fd.outcome(k.key, "REFERRAL", ep.referral)
    lead_team = "Assessment Team"
    if ep.assessment and ep.assessment[0] < as_of:
        a_id = seq("asmt")
        done = ep.assessment[1] < as_of
        nfa = ep.close_reason in ("RC8",)
        t["ssd_cin_assessments"].row(
            [
                a_id,
                person_id,
                ref_id,
                iso(ep.assessment[0]),
                "Y" if rng.random() < 0.95 else "N",
                _d(ep.assessment[1], as_of),
                _flags(
                    (
                        "NFA",
                        "NFA_S47_END",
                        "STRATEGY_DISCUSSION",
                        "CLA_REQUEST",
                        "PRIVATE_FOSTERING",
                        "LEGAL_ACTION",
                        "PROV_OF_SERVICES",
                        "PROV_OF_SB_CARE",
                        "SPECIALIST_ASSESSMENT",
                        "REFERRAL_TO_OTHER_AGENCY",
                        "OTHER_ACTIONS",
                        "OTHER_OUTCOMES_EXIST",
                    ),
                    ({"NFA"} if nfa else {"PROV_OF_SERVICES"}) if done else set(),
                ),
                ("Y" if nfa else "N") if done else "",
                "Assessment Team",
                fd.worker("Assessment Team", rng),
            ]
        )
        if done:
            t["ssd_assessment_factors"].row([seq("fact"), a_id, dumps(ep.factors)])
    if ep.s47 and ep.s47[0] < as_of:
        s, e, conf = ep.s47
        lead_team = "Child Protection Team"
        t["ssd_s47_enquiry"].row(
            [
                seq("s47"),
                ref_id,
                person_id,
                iso(s),
                _d(e, as_of),
                ("N" if conf else "Y") if e < as_of else "",
                _flags(
                    (
                        "NFA",
                        "LEGAL_ACTION",
                        "PROV_OF_SERVICES",
                        "PROV_OF_SB_CARE",
                        "CP_CONFERENCE",
                        "NFA_CONTINUE_SINGLE",
                        "MONITOR",
                        "OTHER_OUTCOMES_EXIST",
                    ),
                    ({"CP_CONFERENCE"} if conf else {"NFA"}) if e < as_of else set(),
                ),
                fd.worker("Child Protection Team", rng),
                "Child Protection Team",
            ]
        )
    if ep.cp and ep.cp[0] < as_of:
        s, ended, cat = ep.cp
        latest = cat if rng.random() < 0.85 else rng.choice(("NEG", "EMO", "MUL"))
        t["ssd_cp_plans"].row(
            [seq("cp"), ref_id, seq("icpc"), person_id, iso(s), _d(ended, as_of), cat, "N", latest]
        )
        fd.outcome(k.key, "CP_PLAN", s)
        _pre_birth_plan(fd, hh, k, s)
    if ep.cla and ep.cla[0] < as_of:
        s, ended, reason = ep.cla
        lead_team = "Children in Care Team"
        cla_id = seq("cla")
        iro = min(as_of - 1 - rng.randrange(120), (ended or as_of) - 1)
        t["ssd_cla_episodes"].row(
            [
                seq("clae"),
                person_id,
                iso(s),
                "S",
                ep.need,
                _d(ended, as_of),
                reason if ended is not None and ended < as_of else "",
                cla_id,
                ref_id,
                seq("plac"),
                iso(s),
                iso(max(s, iro)),
            ]
        )
        fd.outcome(k.key, "LOOKED_AFTER", s)
    if ep.early_help and ep.early_help[0] < as_of:
        s, e, reason = ep.early_help
        t["ssd_early_help_episodes"].row(
            [
                seq("eh"),
                person_id,
                iso(s),
                _d(e, as_of),
                reason,
                ("Outcomes met" if rng.random() < 0.7 else "Disengaged") if e < as_of else "",
                "Exampleshire Family Hub",
                fd.worker("Early Help Hub", rng),
            ]
        )
    # the allocated worker (lead practitioner) for the life of the episode
    if ep.assessment:
        start, end = ep.referral, (ep.close if closed else None)
        change = end is None and rng.random() < 0.25 and as_of - start > 200
        first_end = start + (as_of - start) // 2 if change else end
        t["ssd_involvements"].row(
            [
                seq("invo"),
                fd.worker(lead_team, rng),
                "Allocated Social Worker",
                lead_team,
                iso(start),
                _d(first_end, as_of + 1),
                "FCONTA",
                person_id,
                ref_id,
            ]
        )
        if change:
            t["ssd_involvements"].row(
                [
                    seq("invo"),
                    fd.worker(lead_team, rng),
                    "Allocated Social Worker",
                    lead_team,
                    iso(first_end),
                    "",
                    "LEFTRL",
                    person_id,
                    ref_id,
                ]
            )


def _person_rows(
    fd: Feeds, hh: Household, rng: random.Random, k: Person, person_id: str, seq: NextId
) -> None:
    o, t, as_of = fd.opts, fd.ssd, fd.as_of
    first = max(fd.window_start, k.present_from)
    r = record_person(o, fd.geo, rng, k, hh, "social_care", first, as_of, extended=fd.extended)
    t["ssd_person"].row(
        [
            person_id,
            r.forename,
            r.surname,
            k.sex,
            "01" if k.sex == "M" else "02",
            k.eth,
            iso(r.dob),
            "",
            "",
            "" if k.upn else ("UN1" if k.age_on(as_of) < 5 else "UN5"),
            "N",
            "",
            "",
            "N",
            "",
        ]
    )
    fd.truth_record("social_care", "ssd_person", person_id, k.key, r.errors)
    for f, to, pc, house in hh.periods:
        if to is not None and to < fd.window_start:
            continue
        addr = {
            "ROOM": "",
            "FLOOR": "",
            "FLAT": "",
            "BUILDING": "",
            "HOUSE": str(house),
            "STREET": fd.geo.streets_of_postcode[pc],
            "TOWN": o.partnership,
            "UPRN": "",
            "EASTING": "",
            "NORTHING": "",
        }
        t["ssd_address"].row(
            [
                seq("addr"),
                dumps(addr),
                person_id,
                "Home",
                iso(max(f, k.dob)),
                _d(to, as_of),
                fd.geo.postcodes[pc].replace(" ", ""),
            ]
        )
    t["ssd_family"].row([seq("fami"), "F" + hh.key[1:], person_id])
    if k.upn and rng.random() >= o.upn_missing_social_care:
        upn = messy.upn_wrong_check(rng, k.upn) if rng.random() < o.upn_wrong_check_rate else k.upn
        t["ssd_linked_identifiers"].row(
            [seq("link"), person_id, "Unique Pupil Number", upn, iso(first), ""]
        )
    nhs = recorded_nhs(o, rng, k, o.nhs_missing_social_care, fd.nobody_nhs(rng))
    if nhs:
        t["ssd_linked_identifiers"].row([seq("link"), person_id, "NHS Number", nhs, iso(first), ""])
