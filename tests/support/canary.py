"""A canary store: one child in which every catalogue field carries a unique marker.

For each field of the catalogue the canary child gets data that only that field can show
(a marker in an event's type, code, detail or date; in an identity's address; in an
attribute; in a practitioner's name), every risk factor with its label, and a score whose
every part (area of concern, free school meals, ...) has a distinctive contribution. A
reader denied a field must then see none of that field's markers anywhere: not its values,
not the labels of factors drawn on it, not the parts of the score drawn on it or their
numbers, not the whole score when a part is withheld.

``prepare`` writes the canary into a store (a copy: it moves records of other people onto
the child so that the child is known to every agency, and gives each demo practitioner a
legitimate relationship with the child). ``markers`` says, per field, what must not leak.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text, update

from joinedup.domain.agencies import AgencyId
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.data_map import CONTACTS_FIELD, LEAD_FIELD
from joinedup.risk.areas import AREAS, contribution_label
from joinedup.risk.factors import FACTORS
from joinedup.risk.model import CONTRIBUTION_KEYS
from joinedup.risk.provenance import TERM_NEEDS
from joinedup.store.governance_tables import access_review_task, emergency_access
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.risk_tables import risk_model, risk_score
from joinedup.store.tables import event, involvement, person_record, practitioner

PROBABILITY_12M = 0.8765
PROBABILITY_6M = 0.4321


def marker(name: str) -> str:
    """A marker for ``name``: letters and digits, fixed length, so none is inside another."""
    return "CNRY" + hashlib.sha256(name.encode()).hexdigest()[:10].upper()


@dataclass
class Canary:
    person_id: str
    records: dict[str, str]  # agency -> the child's source id there
    values: dict[str, set[str]] = field(default_factory=dict)  # field -> data markers
    derived: dict[str, set[str]] = field(default_factory=dict)  # field -> derived markers
    whole_score: set[str] = field(default_factory=set)  # withheld if any part is

    def markers_of(self, name: str) -> set[str]:
        return self.values.get(name, set()) | self.derived.get(name, set())


# Each event field: (source table, event type, codes, detail, role); "{m}" is the marker.
EVENTS: dict[str, tuple[str, str, list[str], dict[str, Any], str | None]] = {
    "social_care.contacts": ("ssd_contacts", "{m}", [], {}, None),
    "social_care.cin_episodes": ("ssd_cin_episodes", "{m}", [], {}, None),
    "social_care.assessments": ("ssd_assessment_factors", "ASSESSMENT_FACTORS", ["{m}"], {}, None),
    "social_care.s47_enquiries": ("ssd_s47_enquiry", "{m}", [], {}, None),
    "social_care.cp_plans": ("ssd_cp_plans", "CP_PLAN", ["{m}"], {}, None),
    "social_care.looked_after": ("ssd_cla_episodes", "{m}", [], {}, None),
    "social_care.missing_episodes": ("ssd_missing", "{m}", [], {}, None),
    "social_care.early_help": ("ssd_early_help_episodes", "{m}", [], {}, None),
    "health.encounters": ("Encounter", "EMER", ["{m}"], {}, None),
    "health.conditions": ("Condition", "LEARNING_DISABILITY", [], {}, None),
    "health.mental_health": ("Encounter", "EMER", ["SELF_HARM", "{m}"], {}, None),
    "health.substance_misuse": ("Encounter", "EMER", ["OVERDOSE", "{m}"], {}, None),
    "health.sexual_health": ("Encounter", "EMER", ["PREGNANCY", "{m}"], {}, None),
    "police.incidents": ("incidents", "{m}", [], {}, None),
    "police.domestic_abuse": ("incidents", "DOMESTIC_ABUSE", ["{m}"], {}, None),
    "police.missing_reports": ("incidents", "MISSING_PERSON", [], {}, None),
    "police.incident_roles": ("incidents", "ASSAULT", [], {}, "{m}"),
    "police.incident_summaries": ("incidents", "THEFT", [], {"summary": "{m}"}, None),
    "education.attendance": ("attendance", "ATTENDANCE", [], {"term": "{m}"}, None),
    "education.exclusions": ("exclusions", "EXCLUSION_SUSP", [], {}, None),
    "housing.tenancy_events": ("events", "{m}", [], {}, None),
    "probation.orders": ("events", "{m}", [], {}, None),
    "probation.mappa": ("events", "MAPPA_{m}", [], {}, None),
    "probation.programmes": ("events", "{m}_PROGRAMME", [], {}, None),
    "substance_misuse.treatment": ("events", "{m}", [], {}, None),
    "adult_mental_health.contacts": ("contacts", "{m}", [], {}, None),
    "adult_mental_health.detentions": ("detentions", "DETAINED_UNDER_MHA", [], {}, None),
}
# Fields carried by another field's event (a police incident's roles and summary): only
# their own marker is theirs, not the event's date.
RIDERS = frozenset({"police.incident_roles", "police.incident_summaries"})
# Attributes of the agency's person record: field -> attribute key.
ATTRIBUTES = {
    "education.free_school_meals": "fsm_eligible",
    "education.sen_provision": "sen_provision",
    "education.ethnicity": "ethnicity",
    "social_care.ethnicity": "ethnicity",
    "police.pnc_reference": "pnc_id",
}


def _fill(value: Any, m: str) -> Any:
    if isinstance(value, str):
        return value.replace("{m}", m)
    if isinstance(value, list):
        return [_fill(v, m) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, m) for k, v in value.items()}
    return value


def _event_date(index: int) -> date:
    # An old, distinctive date per field: the date is a marker too (every event shows it).
    return date(1911, 1, 1) + timedelta(days=37 * index + 3)


def choose_child(engine: Engine) -> str:
    """The child known to most agencies (a child by date of birth), with a social care record."""
    with engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "select lr.person_id from linkage_record lr join person_record pr"
                    " on pr.agency_id = lr.agency_id and pr.source_table = lr.source_table"
                    " and pr.source_id = lr.source_id where pr.date_of_birth > :born"
                    " and exists (select 1 from linkage_record s where s.person_id ="
                    " lr.person_id and s.agency_id = 'social_care')"
                    " group by lr.person_id order by count(distinct lr.agency_id) desc,"
                    " lr.person_id limit 1"
                ),
                {"born": date(date.today().year - 15, 1, 1)},
            ).scalar_one()
        )


def _records(engine: Engine, person_id: str) -> dict[str, Any]:
    """The child's record in every agency: an agency that has none lends one of another
    person's records, re-linked to the child (a test store only)."""
    lr = linkage_record.c
    out: dict[str, Any] = {}
    with engine.begin() as connection:
        for agency in AgencyId:
            row = connection.execute(
                select(lr.record_key, lr.source_table, lr.source_id)
                .where(lr.person_id == person_id, lr.agency_id == agency.value)
                .order_by(lr.source_id)
                .limit(1)
            ).first()
            if row is None:
                row = connection.execute(
                    select(lr.record_key, lr.source_table, lr.source_id)
                    .where(lr.agency_id == agency.value)
                    .order_by(lr.source_id)
                    .limit(1)
                ).one()
                connection.execute(
                    update(linkage_record)
                    .where(lr.record_key == row.record_key)
                    .values(person_id=person_id)
                )
            out[agency.value] = row
    return out


def prepare(engine: Engine, demo_users: list[dict[str, Any]]) -> Canary:
    """Write the canary into ``engine`` (see the module docstring)."""
    person_id = choose_child(engine)
    records = _records(engine, person_id)
    canary = Canary(person_id, {a: r.source_id for a, r in records.items()})
    today = date.today()
    with engine.begin() as connection:
        pr = person_record.c
        source_record = {
            a: connection.execute(
                select(pr.source_record_id, pr.attributes).where(
                    pr.agency_id == a, pr.source_id == r.source_id
                )
            ).one()
            for a, r in records.items()
        }
        # identity: the address of the child's record in each agency
        for agency, record in records.items():
            name = f"{agency}.identity"
            m = marker(name)
            connection.execute(
                update(person_record)
                .where(pr.agency_id == agency, pr.source_id == record.source_id)
                .values(address_line=f"1 {m} Street")
            )
            canary.values.setdefault(name, set()).add(m)
        # attributes
        attributes: dict[str, dict[str, Any]] = {
            a: dict(row.attributes or {}) for a, row in source_record.items()
        }
        for name, key in ATTRIBUTES.items():
            agency = name.split(".")[0]
            m = marker(name)
            attributes[agency][key] = m
            canary.values.setdefault(name, set()).add(m)
        for agency, values in attributes.items():
            # the ethnicity column (when set) stands over the attribute: the attribute holds
            # the marker, so the column is emptied
            connection.execute(
                update(person_record)
                .where(pr.agency_id == agency, pr.source_id == records[agency].source_id)
                .values(attributes=values, ethnicity=None)
            )
        # events
        event_ids: dict[str, int] = {}
        for index, (name, (table, kind, codes, detail, role)) in enumerate(EVENTS.items()):
            agency = name.split(".")[0]
            m = marker(name)
            on = _event_date(index)
            event_ids[name] = int(
                connection.execute(
                    insert(event).values(
                        source_record_id=source_record[agency].source_record_id,
                        agency_id=agency,
                        source_table=table,
                        source_id=f"CANARY-{m}",
                        person_source_id=records[agency].source_id,
                        category=agency,
                        event_type=_fill(kind, m),
                        occurred_on=on,
                        role=_fill(role, m),
                        codes=_fill(codes, m),
                        detail=_fill(detail, m),
                    )
                ).inserted_primary_key[0]
            )
            canary.values.setdefault(name, set()).add(m)
            if name not in RIDERS:  # the event itself is another field's (police.incidents)
                canary.values[name].add(on.isoformat())
        # practitioners: a lead in each agency whose name is the marker
        # (their phone and email are the agency's practitioner_contacts field)
        for agency, name in LEAD_FIELD.items():
            m = marker(name)
            reach = marker(CONTACTS_FIELD[agency])
            key = f"{m.lower()}@canary.example"
            connection.execute(
                insert(practitioner).values(
                    source_record_id=source_record[agency].source_record_id, agency_id=agency,
                    practitioner_key=key, name=f"{m} Practitioner",
                    email=f"{reach.lower()}@canary.example", phone=f"01632 {reach}",
                    team=f"{m} Team", role="lead",
                )
            )  # fmt: skip
            canary.values.setdefault(CONTACTS_FIELD[agency], set()).add(reach)
            connection.execute(
                insert(involvement).values(
                    source_record_id=source_record[agency].source_record_id, agency_id=agency,
                    practitioner_key=key, person_source_id=records[agency].source_id,
                    role="lead", start_date=today - timedelta(days=30), end_date=None,
                    is_lead=True,
                )
            )  # fmt: skip
            canary.values.setdefault(name, set()).add(m)
        # each demo practitioner is involved with the child (their legitimate relationship)
        for user in demo_users:
            if user.get("practitioner_key") and user["agency"] in records:
                connection.execute(
                    insert(involvement).values(
                        source_record_id=source_record[user["agency"]].source_record_id,
                        agency_id=user["agency"], practitioner_key=user["practitioner_key"],
                        person_source_id=records[user["agency"]].source_id, role="worker",
                        start_date=today - timedelta(days=10), end_date=None, is_lead=False,
                    )
                )  # fmt: skip
        # a contact today: the child is on the MASH's list
        connection.execute(
            insert(event).values(
                source_record_id=source_record["social_care"].source_record_id,
                agency_id="social_care", source_table="ssd_contacts",
                source_id="CANARY-CONTACT-TODAY",
                person_source_id=records["social_care"].source_id, category="social_care",
                event_type="CONTACT", occurred_on=today, codes=[], detail={},
            )
        )  # fmt: skip
        _score(connection, canary, event_ids)
        # an open review of a break-glass access to the child: the privacy officer's
        # legitimate relationship (ACCESS_REVIEW)
        grant = connection.execute(
            insert(emergency_access).values(
                user_id="someone-else", role="SOCIAL_WORKER", agency="social_care",
                purpose="CHILD_PROTECTION_ENQUIRY", child_id=person_id, fields=[],
                justification="A canary grant for the privacy officer's review",
                granted_at=datetime.now(UTC) - timedelta(hours=2),
                expires_at=datetime.now(UTC) - timedelta(hours=1),
            )
        ).inserted_primary_key[0]  # fmt: skip
        connection.execute(
            insert(access_review_task).values(
                emergency_access_id=grant, created_at=datetime.now(UTC),
                assigned_role="PRIVACY_OFFICER", status="OPEN",
            )
        )  # fmt: skip
    return canary


def _score(connection: Any, canary: Canary, event_ids: dict[str, int]) -> None:
    """A current, flagged score with every factor and a distinctive number for every part."""
    factors = []
    for code, f in FACTORS.items():
        factors.append(
            {
                "code": code, "label": f.label, "area": AREAS_OF[code], "fields": [f.field],
                "agencies": [f.field.split(".")[0]],
                "event_ids": [event_ids[f.field]] if f.field in event_ids else [],
                "contribution": 0.0, "last_seen": "1911-01-04",
            }
        )  # fmt: skip
        canary.derived.setdefault(f.field, set()).add(f.label)
    contributions = {}
    for index, key in enumerate(CONTRIBUTION_KEYS):
        # distinct at two decimals (as pages show them) and at four (as JSON carries them)
        value = round(1.0713 + 0.0713 * index, 4)
        contributions[key] = value
        for name in TERM_NEEDS[key].all_of:
            canary.derived.setdefault(name, set()).update(
                {repr(value), f"{value:+.2f}", contribution_label(key)}
            )
    for f in factors:
        f["contribution"] = contributions[f["area"]]
    canary.whole_score = {
        f"{PROBABILITY_12M:.4f}", f"{100 * PROBABILITY_12M:.1f}%",
        f"{PROBABILITY_6M:.4f}", f"{100 * PROBABILITY_6M:.1f}%",
    }  # fmt: skip
    now = datetime.now(UTC)
    model = connection.execute(
        insert(risk_model).values(
            version="canary", created_at=now, trained_through=date(2026, 1, 1), seed=1,
            threshold=0.2, training={}, artefact=b"x", artefact_sha256="0" * 64, active=False,
        )
    ).inserted_primary_key[0]  # fmt: skip
    connection.execute(
        update(risk_score).where(risk_score.c.person_id == canary.person_id).values(current=False)
    )
    connection.execute(
        insert(risk_score).values(
            person_id=canary.person_id, model_id=model, as_of=date.today(), scored_at=now,
            current=True, probability_6m=PROBABILITY_6M, probability_12m=PROBABILITY_12M,
            flagged=True, status="CIN", date_of_birth=date(2015, 1, 1), team=None,
            school_urn=None, factor_codes=sorted(FACTORS), factors=factors,
            contributions=contributions,
        )
    )  # fmt: skip


AREAS_OF = {code: area.code for area in AREAS.values() for code in area.factors}


def leaks(canary: Canary, allowed: frozenset[str], shown: str) -> list[str]:
    """What ``shown`` (everything a reader was shown, as text) reveals of the fields the
    reader was not allowed: each leak says which field and which marker."""
    text_shown = shown.lower()
    found = []
    withheld_any = False
    for name in CATALOGUE:
        if name in allowed:
            continue
        for m in sorted(canary.markers_of(name)):
            if m.lower() in text_shown:
                found.append(f"{name}: {m!r}")
        if any(name in needs.all_of for needs in TERM_NEEDS.values()):
            withheld_any = True
    if withheld_any:
        found += [f"whole score: {m}" for m in sorted(canary.whole_score) if m in shown]
    return found
