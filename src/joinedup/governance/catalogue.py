"""The catalogue of data items: every field the platform can show, per source agency.

A field is named ``<agency>.<item>`` (``health.encounters``, ``police.incidents``). Items are
derived from the feed contract (``feeds/README.md``): each says which feed tables and columns
it comes from, and whether it is special category data (UK GDPR Art 9), criminal offence data
(Art 10), or free text. Agreements, policies, minimisation, the web pages and the API all
name data by these fields, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.errors import BadInput


@dataclass(frozen=True, slots=True)
class DataItem:
    agency: AgencyId
    item: str
    label: str
    source: str  # feed tables and columns it is read from
    special_category: bool = False  # UK GDPR Art 9
    criminal_offence: bool = False  # UK GDPR Art 10 (includes allegations)
    free_text: bool = False

    @property
    def field(self) -> str:
        return f"{self.agency.value}.{self.item}"

    @property
    def category(self) -> str:
        """What a withheld field is called when we say "something exists"."""
        kind = (
            " (special category)"
            if self.special_category
            else " (criminal offence data)"
            if self.criminal_offence
            else ""
        )
        return f"{AGENCIES[self.agency].name}: {self.label}{kind}"


def _items(agency: AgencyId, *rows: tuple) -> list[DataItem]:
    return [DataItem(agency, *row) for row in rows]


A = AgencyId
_IDENTITY = "identity"
CATALOGUE: dict[str, DataItem] = {
    d.field: d
    for d in (
        _items(
            A.SOCIAL_CARE,
            (
                _IDENTITY,
                "identity",
                "ssd_person (name, date of birth, sex), ssd_address, "
                "ssd_linked_identifiers (NHS number, UPN)",
            ),
            ("ethnicity", "ethnicity", "ssd_person.pers_ethnicity", True),
            ("family", "family members", "ssd_family"),
            ("contacts", "contacts and referrals", "ssd_contacts"),
            ("cin_episodes", "child in need episodes", "ssd_cin_episodes"),
            (
                "assessments",
                "assessments and factors",
                "ssd_cin_assessments, "
                "ssd_assessment_factors (factors include parental mental health and substance "
                "misuse)",
                True,
            ),
            ("s47_enquiries", "section 47 enquiries", "ssd_s47_enquiry"),
            ("cp_plans", "child protection plans", "ssd_cp_plans"),
            ("looked_after", "looked-after episodes", "ssd_cla_episodes"),
            ("missing_episodes", "missing episodes", "ssd_missing"),
            ("nrm_referrals", "National Referral Mechanism referrals", "ssd_nrm_referrals"),
            ("early_help", "early help episodes", "ssd_early_help_episodes"),
            ("allocated_worker", "allocated worker", "ssd_involvements, ssd_professionals"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "ssd_professionals prof_professional_phone, prof_professional_email",
            ),
        )
        + _items(
            A.HEALTH,
            (_IDENTITY, "identity", "Patient (name, birthDate, gender, address, NHS number)"),
            ("gp_practice", "GP practice", "Patient.generalPractitioner"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "Organization.telecom of the GP practice",
            ),
            (
                "encounters",
                "urgent care and hospital encounters",
                "Encounter (class, date, "
                "reason: injuries, ingestion, assault, illness, missed appointments)",
                True,
            ),
            (
                "conditions",
                "physical and learning disabilities",
                "Condition (LEARNING_DISABILITY, PHYSICAL_DISABILITY)",
                True,
            ),
            (
                "mental_health",
                "mental health",
                "Condition (DEPRESSION, ANXIETY, PSYCHOSIS, "
                "PERSONALITY_DISORDER, PERINATAL_MENTAL_HEALTH, EATING_DISORDER); Encounter "
                "(SELF_HARM, OVERDOSE, MENTAL_HEALTH_CRISIS)",
                True,
            ),
            (
                "substance_misuse",
                "alcohol and drug use",
                "Condition (ALCOHOL_DEPENDENCE, DRUG_DEPENDENCE); Encounter (ALCOHOL_INTOXICATION)",
                True,
            ),
            (
                "sexual_health",
                "sexual health and pregnancy",
                "Encounter (SEXUAL_HEALTH, PREGNANCY)",
                True,
            ),
        )
        + _items(
            A.POLICE,
            (_IDENTITY, "identity", "persons.csv (name, date of birth, gender, address)"),
            ("pnc_reference", "PNC reference", "persons.csv pnc_id", False, True),
            (
                "incidents",
                "incidents",
                "incidents.csv (category, date, postcode) other than "
                "domestic abuse and missing person",
                False,
                True,
            ),
            (
                "domestic_abuse",
                "domestic abuse incidents",
                "incidents.csv DOMESTIC_ABUSE (date, DASH risk)",
                False,
                True,
            ),
            ("missing_reports", "missing person reports", "incidents.csv MISSING_PERSON"),
            (
                "incident_roles",
                "roles in incidents",
                "involvements.csv role (victim, suspect, witness, child present...)",
                False,
                True,
            ),
            (
                "incident_summaries",
                "incident summaries",
                "incidents.csv summary",
                False,
                True,
                True,
            ),
        )
        + _items(
            A.EDUCATION,
            (
                _IDENTITY,
                "identity",
                "pupils.csv (legal and preferred names, date of birth, sex, postcode, UPN)",
            ),
            ("ethnicity", "ethnicity", "pupils.csv ethnicity", True),
            ("school", "school and DSL", "pupils.csv urn, entry and leaving dates; schools.csv"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "schools.csv dsl_email, dsl_phone, office_phone",
            ),
            ("attendance", "attendance", "attendance.csv"),
            ("exclusions", "suspensions and exclusions", "exclusions.csv"),
            ("free_school_meals", "free school meals eligibility", "pupils.csv fsm_eligible"),
            (
                "sen_provision",
                "special educational needs provision",
                "pupils.csv sen_provision (reveals health and disability)",
                True,
            ),
        )
        + _items(
            A.HOUSING,
            (_IDENTITY, "identity", "persons.csv (name, date of birth, address)"),
            ("tenancy_events", "homelessness and tenancy events", "events.csv"),
            ("key_worker", "housing officer", "persons.csv key_worker_name, key_worker_email"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "persons.csv key_worker_email, key_worker_phone",
            ),
        )
        + _items(
            A.PROBATION,
            (_IDENTITY, "identity", "persons.csv (name, date of birth, address)"),
            (
                "orders",
                "orders, licences and recalls",
                "events.csv ORDER_START, ORDER_END, LICENCE_START, RECALL",
                False,
                True,
            ),
            ("mappa", "MAPPA level", "events.csv MAPPA_LEVEL_1..3", False, True),
            (
                "programmes",
                "perpetrator programmes",
                "events.csv DOMESTIC_ABUSE_PERPETRATOR_PROGRAMME",
                False,
                True,
            ),
            (
                "key_worker",
                "probation practitioner",
                "persons.csv key_worker_name, key_worker_email",
            ),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "persons.csv key_worker_email, key_worker_phone",
            ),
        )
        + _items(
            A.SUBSTANCE_MISUSE,
            (_IDENTITY, "identity", "persons.csv (name, date of birth, address)"),
            (
                "treatment",
                "treatment episodes",
                "events.csv TREATMENT_START, TREATMENT_END, TREATMENT_DROPOUT, RELAPSE",
                True,
            ),
            ("key_worker", "recovery worker", "persons.csv key_worker_name, key_worker_email"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "persons.csv key_worker_email, key_worker_phone",
            ),
        )
        + _items(
            A.ADULT_MENTAL_HEALTH,
            (_IDENTITY, "identity", "persons.csv (name, date of birth, address)"),
            (
                "contacts",
                "referrals, crisis contacts and discharges",
                "events.csv REFERRAL, CRISIS_TEAM_CONTACT, DISCHARGE, CARE_COORDINATOR_ASSIGNED",
                True,
            ),
            (
                "detentions",
                "detentions under the Mental Health Act",
                "events.csv DETAINED_UNDER_MHA",
                True,
            ),
            ("key_worker", "care coordinator", "persons.csv key_worker_name, key_worker_email"),
            (
                "practitioner_contacts",
                "practitioners' work contact details",
                "persons.csv key_worker_email, key_worker_phone",
            ),
        )
    )
}

FIELDS: frozenset[str] = frozenset(CATALOGUE)


def items_of(agency: AgencyId | str) -> list[DataItem]:
    """The agency's data items, in catalogue order."""
    agency_id = AgencyId(agency)
    return [d for d in CATALOGUE.values() if d.agency is agency_id]


def data_item(field: str) -> DataItem:
    """The catalogue entry of ``field``; raises ``BadInput`` naming the field."""
    try:
        return CATALOGUE[field]
    except KeyError:
        agency, _, _item = field.partition(".")
        hint = ""
        if agency in {a.value for a in AgencyId}:
            hint = f" (items of {agency}: {', '.join(d.item for d in items_of(agency))})"
        raise BadInput(f"unknown field {field!r}{hint}") from None


def expand_fields(names: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """Validate field names, expanding ``<agency>.*`` to the agency's items and ``*.<item>``
    to that item in every agency that has it (``*.identity``)."""
    if isinstance(names, frozenset) and names <= CATALOGUE.keys():
        return names  # already catalogue fields (the bulk gate asks with one set for many)
    fields: set[str] = set()
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        agency, _, item = name.partition(".")
        if item == "*":
            fields.update(d.field for d in items_of(agency_of(agency)))
        elif agency == "*":
            matched = [d.field for d in CATALOGUE.values() if d.item == item]
            if not matched:
                raise BadInput(f"no agency has a data item {item!r}")
            fields.update(matched)
        else:
            fields.add(data_item(name).field)
    return frozenset(fields)


def agency_of(value: str) -> AgencyId:
    from joinedup.domain.agencies import agency

    return agency(value).id
