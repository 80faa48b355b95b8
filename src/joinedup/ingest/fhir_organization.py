"""``Organization.ndjson`` of the ``fhir-r4-bulk/1`` feed: health's contact details.

A GP practice is an ``Organization`` whose ``name`` is what ``Patient.generalPractitioner``
displays; its ``telecom`` (``system`` ``phone`` / ``email``) gives the practice's work phone
and secure (nhs.net) email. An organisation's ``contact[]`` are its lines: ``purpose`` coded
``DUTY`` or ``OUT_OF_HOURS`` (system ``CONTACT_PURPOSE``), ``name.text`` the service (the
health safeguarding team), ``telecom`` as above, and the hours it is answered in the
extension ``HOURS``. A malformed phone or email is a warning; the resource is kept.
"""

from __future__ import annotations

from typing import Any

from joinedup.domain.model import Practitioner
from joinedup.ingest.base import DeliveryContext, FileSpec, ParsedRow, parsed
from joinedup.ingest.contact_lines import KINDS, line
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

AGENCY = "health"
CONTACT_PURPOSE = "https://joinedup.example/fhir/CodeSystem/contact-purpose"
HOURS = "https://joinedup.example/fhir/StructureDefinition/hours"


def gp_key(display: str) -> str:
    """The practitioner key of a GP practice, from the name a Patient displays."""
    return f"gp:{display.lower()}"


def _telecom(checks: RowChecks, points: Any, where: str) -> tuple[str | None, str | None]:
    """(phone, email) of a FHIR ``telecom`` list, each checked; findings name ``where``."""
    phone = email = None
    for point in points if isinstance(points, list) else []:
        if not isinstance(point, dict):
            continue
        system, value = point.get("system"), {where: point.get("value")}
        if system == "phone" and phone is None:
            phone = checks.phone(value, where)
        elif system == "email" and email is None:
            email = checks.email(value, where)
    return phone, email


def _hours(contact: dict[str, Any]) -> str | None:
    for extension in contact.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == HOURS:
            value = extension.get("valueString")
            return value if isinstance(value, str) and value.strip() else None
    return None


def parse_organization(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    resource = raw.values or {}
    if resource.get("resourceType") not in (None, "Organization"):
        checks.add("WRONG_RESOURCE", "resourceType", "expected an Organization resource")
    org_id = checks.text(resource, "id", required=True)
    name = checks.text(resource, "name", required=True)
    found: list[Practitioner] = []
    phone, email = _telecom(checks, resource.get("telecom"), "telecom")
    if name and (phone or email):
        found.append(Practitioner(AGENCY, gp_key(name), name, email, name, None, phone))
    contacts = resource.get("contact")
    for n, contact in enumerate(contacts if isinstance(contacts, list) else []):
        if not isinstance(contact, dict):
            continue
        where = f"contact[{n}]"
        codings = (contact.get("purpose") or {}).get("coding") or [{}]
        code = codings[0].get("code") if isinstance(codings[0], dict) else None
        kind = checks.code({f"{where}.purpose": code}, f"{where}.purpose", KINDS)
        service = checks.text({"s": (contact.get("name") or {}).get("text")}, "s") or name
        line_phone, line_email = _telecom(checks, contact.get("telecom"), f"{where}.telecom")
        if kind and service and org_id:
            found.append(
                line(
                    AGENCY,
                    f"{org_id}:{n}",
                    service,
                    kind,
                    line_phone,
                    line_email,
                    _hours(contact),
                )
            )
    return parsed(raw, "Organization", org_id, checks, practitioners=found)


ORGANIZATIONS = FileSpec(
    "Organization.ndjson",
    "Organization",
    (),
    parse_organization,
    kind="ndjson",
    required_file=False,
)
