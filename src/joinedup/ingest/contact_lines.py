"""``service_contacts.csv``: an agency's duty and out-of-hours lines (every CSV format).

Each row is one line a practitioner can call about a child: the children's services front
door (MASH duty), the emergency duty team out of hours, the police safeguarding hub, the
health safeguarding team, a school office. It is stored beside the agency's practitioners
(``kind`` ``DUTY`` or ``OUT_OF_HOURS``), so that the single view and the alerts name the
agency's line where they would otherwise say "ask the agency". A malformed phone or email
is a warning (file, row, field) and the row is kept; the FHIR feed carries the same lines as
``Organization.contact`` (``ingest/fhir_organization.py``).
"""

from __future__ import annotations

from joinedup.domain.model import Practitioner
from joinedup.ingest.base import DeliveryContext, FileSpec, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

TABLE = "service_contacts"
KINDS = frozenset({"DUTY", "OUT_OF_HOURS"})
KIND_ROLE = {"DUTY": "Duty line", "OUT_OF_HOURS": "Out-of-hours line"}


def line_key(line_id: str) -> str:
    """The practitioner key of a contact line (apart from any person's key)."""
    return f"line:{line_id}"


def line(
    agency: str,
    line_id: str,
    service: str,
    kind: str,
    phone: str | None,
    email: str | None,
    hours: str | None,
) -> Practitioner:
    return Practitioner(
        agency, line_key(line_id), service, email, service, KIND_ROLE[kind], phone, kind, hours
    )


def parse_service_contact(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    line_id = checks.text(row, "line_id", required=True)
    service = checks.text(row, "service", required=True)
    kind = checks.code(row, "kind", KINDS, required=True)
    phone = checks.phone(row, "phone")
    email = checks.email(row, "email")
    hours = checks.text(row, "hours")
    lines = []
    if line_id and service and kind:
        lines.append(line(context.agency, line_id, service, kind, phone, email, hours))
    return parsed(raw, TABLE, line_id, checks, practitioners=lines)


SERVICE_CONTACTS = FileSpec(
    "service_contacts.csv",
    TABLE,
    ("line_id", "kind", "service", "phone"),
    parse_service_contact,
    required_file=False,
    optional_columns=("email", "hours"),
)
