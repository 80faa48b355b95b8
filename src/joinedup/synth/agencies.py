"""Health (FHIR R4 bulk), police (POLE CSV) and adult-service feeds from household happenings.

In: a ``Feeds`` (open deliveries + counters) and one ``Household`` at a time. Out: rows
streamed to Patient/Encounter/Condition.ndjson, police persons/incidents/involvements.csv,
the four agency-events-csv deliveries, and the matching truth/records.csv rows.
"""

from __future__ import annotations

import random
import uuid
import zlib
from typing import TYPE_CHECKING

from joinedup.synth import messy
from joinedup.synth.identity import record_person, recorded_nhs
from joinedup.synth.model import Household, Person, iso

if TYPE_CHECKING:
    from joinedup.synth.feeds import Feeds

ACTCODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ADULT_AGENCIES = ("housing", "probation", "substance_misuse", "adult_mental_health")
_ADULT_PREFIX = {
    "housing": "HSG",
    "probation": "PRB",
    "substance_misuse": "SMS",
    "adult_mental_health": "AMH",
}
_SUMMARY = {
    "DOMESTIC_ABUSE": "Domestic incident at home address",
    "MISSING_PERSON": "Young person reported missing",
    "CHILD_SEXUAL_EXPLOITATION": "Concerns of sexual exploitation",
    "CHILD_CRIMINAL_EXPLOITATION": "Concerns of criminal exploitation",
    "ASSAULT": "Assault reported",
    "SEXUAL_OFFENCE": "Sexual offence reported",
    "DRUGS": "Possession of controlled drug",
    "WEAPONS": "Weapon seized",
    "ANTISOCIAL_BEHAVIOUR": "Nuisance behaviour reported",
    "CONCERN_FOR_WELFARE": "Concern for welfare of children at address",
    "THEFT": "Theft reported",
    "CRIMINAL_DAMAGE": "Damage to property",
    "ONLINE_HARM": "Online harm reported",
}


def _dt(day: int, rng: random.Random) -> str:
    return f"{iso(day)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"


def _gender(sex: str) -> str:
    return "male" if sex == "M" else "female"


def emit_health(fd: Feeds, hh: Household, rng: random.Random) -> None:
    o, geo = fd.opts, fd.geo
    hap = [h for h in hh.happenings if h[0] in ("ENC", "COND")]
    for p in hh.people:
        if p.hh_key != hh.key:
            continue  # why: each person's Patient is written once, in their current household
        if rng.random() < 0.015:
            continue  # not registered with a GP in the area
        pid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        fd.patient_id[p.key] = pid
        r = record_person(
            o,
            geo,
            rng,
            p,
            hh,
            "health",
            max(fd.window_start, p.present_from),
            fd.as_of,
            allow_nickname=False,
            extended=fd.extended,
        )
        nhs = recorded_nhs(o, rng, p, o.nhs_missing_health, fd.nobody_nhs(rng))
        res = {
            "resourceType": "Patient",
            "id": pid,
            "name": [{"family": r.surname, "given": [r.forename]}],
            "gender": _gender(p.sex),
            "birthDate": iso(r.dob),
            "address": [{"line": [r.address_line], "postalCode": r.postcode}],
            "generalPractitioner": [{"display": fd.gp_name(p.gp)}],
        }
        if nhs:
            res["identifier"] = [{"system": NHS_SYSTEM, "value": nhs}]
        fd.patient.row(res)
        fd.truth_record("health", "Patient", pid, p.key, r.errors)
    for h in sorted(hap, key=lambda x: (x[1], x[2].idx, x[3])):
        p = h[2]
        patient = fd.patient_id.get(p.key)
        if patient is None or h[1] < fd.window_start or h[1] >= fd.as_of:
            continue
        fd.seq["enc"] += 1
        if h[0] == "ENC":
            _, day, _, reason, cls = h
            provider = (
                "Exampleshire Community Health Services"
                if reason == "HEALTH_VISITOR_CONTACT"
                else fd.gp_name(p.gp)
                if cls == "AMB" and reason != "PREGNANCY"
                else "Exampleshire Hospitals NHS Foundation Trust"
            )
            fd.encounter.row(
                {
                    "resourceType": "Encounter",
                    "id": f"enc-{fd.seq['enc']:09d}",
                    "status": "finished",
                    "subject": {"reference": f"Patient/{patient}"},
                    "class": {"system": ACTCODE, "code": cls},
                    "period": {"start": _dt(day, rng)},
                    "reasonCode": [{"text": reason}],
                    "serviceProvider": {"display": provider},
                }
            )
        else:
            _, day, _, code = h
            status = (
                "resolved" if code in ("ANXIETY", "DEPRESSION") and rng.random() < 0.3 else "active"
            )
            fd.condition.row(
                {
                    "resourceType": "Condition",
                    "id": f"cond-{fd.seq['enc']:09d}",
                    "subject": {"reference": f"Patient/{patient}"},
                    "code": {"text": code},
                    "onsetDateTime": f"{iso(day)}T00:00:00Z",
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                "code": status,
                            }
                        ]
                    },
                }
            )


def _nominal(fd: Feeds, hh: Household, p: Person, day: int, rng: random.Random) -> str:
    """The police person_id used for ``p`` on this incident (maybe a duplicate nominal)."""
    ids = fd.police_ids.get(p.key)
    if ids and rng.random() >= fd.opts.duplicate_nominal_rate:
        return ids[0]
    fd.seq["pol_person"] += 1
    pid = f"PN{(fd.seq['pol_person'] * 7_727 + 100_003) % 9_999_991:07d}"
    r = record_person(fd.opts, fd.geo, rng, p, hh, "police", day, day, extended=fd.extended)
    if ids:  # why: a duplicate nominal is keyed in afresh, so it carries its own slips
        r.dob = messy.dob_error(rng, r.dob) if rng.random() < 0.3 and r.dob is not None else r.dob
        r.forename = messy.nickname(rng, p.forename) if rng.random() < 0.4 else r.forename
    pnc = (
        f"{2000 + rng.randrange(25)}/{rng.randrange(10**7):07d}"
        f"{'ABCDEFGHJKLMNPQRTUVWXYZ'[rng.randrange(23)]}"
        if not p.is_child and rng.random() < 0.3
        else ""
    )
    fd.police_person.row(
        [pid, r.forename, r.surname, iso(r.dob), p.sex, r.address_line, r.postcode, pnc]
    )
    fd.truth_record("police", "persons", pid, p.key, r.errors)
    fd.police_ids.setdefault(p.key, []).append(pid)
    return pid


def _encompass(incident: str, category: str) -> tuple[str, str]:
    """welfare_check, childrens_services_told of a domestic abuse incident: most forces check
    on the children and tell children's services (a PPN) nearly always. Drawn from the
    incident id, not the generator's stream, so no other value changes."""
    if category != "DOMESTIC_ABUSE":
        return "", ""
    draw = zlib.crc32(incident.encode()) % 100
    return ("Y" if draw < 80 else "N"), ("Y" if draw % 20 else "N")


def emit_police(fd: Feeds, hh: Household, rng: random.Random) -> None:
    bias = fd.opts.recording_bias
    for h in sorted((h for h in hh.happenings if h[0] == "POL"), key=lambda x: (x[1], x[2])):
        _, day, cat, roles, dash, u = h[:6]
        if day < fd.window_start or day >= fd.as_of:
            continue
        p_rec = 0.75 if cat == "DOMESTIC_ABUSE" else 0.6
        if hh.decile <= 2:
            p_rec = min(
                1.0, p_rec * bias
            )  # the recording-bias switch: same behaviour, more records
        if u >= p_rec:
            continue
        fd.recorded_police.add(id(h))
        fd.seq["incident"] += 1
        inc = f"INC{iso(day)[:4]}{fd.seq['incident']:07d}"
        postcode = fd.geo.postcodes[hh.period_at(day)[2]]
        fd.incident.row(
            [
                inc,
                _dt(day, rng),
                cat,
                postcode,
                dash if cat == "DOMESTIC_ABUSE" else "",
                _SUMMARY[cat],
                *_encompass(inc, cat),
            ]
        )
        for p, role in roles:
            home = fd.home_of.get(p.key, hh)  # a groomer is recorded at their own address
            fd.involvement.row([inc, _nominal(fd, home, p, day, rng), role])
        if len(h) > 6 and fd.exploitation is not None:
            fd.exploitation.links_of(inc, h[6])


def emit_adult(fd: Feeds, hh: Household, rng: random.Random) -> None:
    events = sorted(
        (h for h in hh.happenings if h[0] == "ADL"), key=lambda x: (x[1], x[2], x[3].idx, x[4])
    )
    for _, day, agency, p, typ, detail in events:
        if day < fd.window_start or day >= fd.as_of:
            continue
        key = (agency, p.key)
        pid = fd.adult_ids.get(key)
        if pid is None:
            fd.seq[agency] += 1
            pid = f"{_ADULT_PREFIX[agency]}{(fd.seq[agency] * 5_113 + 77) % 999_983:06d}"
            fd.adult_ids[key] = pid
            r = record_person(
                fd.opts, fd.geo, rng, p, hh, "adult", day, fd.as_of, extended=fd.extended
            )
            nhs = recorded_nhs(fd.opts, rng, p, fd.opts.nhs_missing_adult, fd.nobody_nhs(rng))
            if fd.extended is not None:
                nhs, blanked = fd.extended.nhs(p, agency, nhs, fd.opts.nhs_missing_adult)
                r.errors += ("nhs_missing",) if blanked else ()
            worker, email, phone, team = fd.key_worker(agency, rng)
            fd.adult_person[agency].row(
                [
                    pid,
                    r.forename,
                    r.surname,
                    iso(r.dob),
                    p.sex,
                    r.address_line,
                    r.postcode,
                    nhs,
                    worker,
                    email,
                    phone,
                    team,
                ]
            )
            fd.truth_record(agency, "persons", pid, p.key, r.errors)
        fd.seq[agency + "_ev"] += 1
        fd.adult_event[agency].row(
            [
                f"{_ADULT_PREFIX[agency]}E{fd.seq[agency + '_ev']:08d}",
                pid,
                _dt(day, rng),
                typ,
                detail,
            ]
        )
