"""Work contact details of the synthetic partnership's practitioners and services.

Phone numbers come from Ofcom's ranges reserved for drama (01632 960000-960999 landlines,
07700 900000-900999 mobiles), so no synthetic number rings anyone. Email domains look like
each agency's real secure domains (``@<la>.gov.uk``, ``@nhs.net``, ``@<force>.police.uk``,
a school's own domain), built from the partnership's made-up name. Nothing here draws from
the generator's random streams: a serial number picks each number, so adding contacts
changed no other value of a partnership.

Every address ends in the reserved top-level domain ``.example`` (RFC 2606): the domains are
shaped like the real ones, but no synthetic address can reach a real mailbox (``nhs.net``
is real, and a made-up ``firstname.lastname@nhs.net`` may be someone's) if a partnership's
alerts are ever pointed at a real mail relay.
"""

from __future__ import annotations

import random
import unicodedata
from itertools import count
from typing import Any

from joinedup.ingest.fhir_organization import CONTACT_PURPOSE, HOURS

DUTY, OUT_OF_HOURS = "DUTY", "OUT_OF_HOURS"
RESERVED = ".example"  # RFC 2606: never a real mailbox
WEEKDAYS = "Monday to Friday, 9am to 5pm"
OVERNIGHT = "Evenings, weekends and bank holidays (5pm to 9am)"
ALWAYS = "24 hours a day, every day"


def ascii_slug(text: str, joiner: str = "") -> str:
    """``"Zoë O'Neil"`` -> ``"zoe.oneil"`` (with ``joiner`` "."): letters and digits only."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = ["".join(c for c in w if c.isalnum()) for w in plain.replace("-", " ").split()]
    return joiner.join(w for w in words if w)


class ContactBook:
    """Numbers and addresses for one partnership (``partnership`` names the domains)."""

    def __init__(self, partnership: str) -> None:
        self.la = ascii_slug(partnership)
        self._landline = count(0)
        self._mobile = count(0)

    def landline(self) -> str:
        return f"01632 960{next(self._landline) % 1000:03d}"

    def mobile(self) -> str:
        return f"07700 900{next(self._mobile) % 1000:03d}"

    def domain(self, agency: str) -> str:
        return {
            "social_care": f"{self.la}.gov.uk",
            "health": "nhs.net",
            "police": f"{self.la}.police.uk",
            "housing": f"{self.la}-homes.org.uk",
            "probation": "justice.gov.uk",
            "substance_misuse": f"{self.la}-recovery.org.uk",
            "adult_mental_health": "nhs.net",
        }[agency]

    def email(self, name: str, domain: str) -> str:
        return f"{ascii_slug(name, '.')}@{domain}{RESERVED}"

    def service_lines(self, agency: str) -> list[list[str]]:
        """The agency's rows of ``service_contacts.csv``: line_id, kind, service, phone,
        email, hours."""
        la = self.la
        domain = f"{la}.gov.uk" if agency == "education" else self.domain(agency)
        lines = {
            "social_care": [
                ("front-door", DUTY, "Children's Services Front Door (MASH duty)", WEEKDAYS),
                ("edt", OUT_OF_HOURS, "Emergency Duty Team", OVERNIGHT),
            ],
            "police": [
                ("safeguarding-hub", DUTY, "Police Safeguarding Hub", WEEKDAYS),
                ("control-room", OUT_OF_HOURS, "Police control room (duty inspector)", ALWAYS),
            ],
            "education": [
                ("education-safeguarding", DUTY, "Education Safeguarding Team", WEEKDAYS),
            ],
        }.get(agency) or [
            (f"{agency.replace('_', '-')}-duty", DUTY, f"{_SERVICE[agency]} duty desk", WEEKDAYS)
        ]
        return [
            [
                line_id,
                kind,
                service,
                self.landline(),
                "" if kind == OUT_OF_HOURS else f"{line_id}@{domain}{RESERVED}",
                hours,
            ]
            for line_id, kind, service, hours in lines
        ]


_SERVICE = {
    "housing": "Housing options",
    "probation": "Probation",
    "substance_misuse": "Recovery service",
    "adult_mental_health": "Adult mental health crisis team",
}

KEY_WORKER_TEAMS = {
    "housing": "Housing Options Team",
    "probation": "Probation Delivery Unit",
    "substance_misuse": "Recovery Service",
    "adult_mental_health": "Community Mental Health Team",
}


def health_safeguarding(book: ContactBook, partnership: str) -> dict[str, object]:
    """The health safeguarding team as a FHIR Organization with its duty and out-of-hours
    lines (``contact[]``, purpose coded, hours in an extension)."""

    def contact(kind: str, service: str, hours: str, email: str | None) -> dict[str, object]:
        telecom = [{"system": "phone", "value": book.landline(), "use": "work"}]
        if email:
            telecom.append({"system": "email", "value": email, "use": "work"})
        return {
            "purpose": {"coding": [{"system": CONTACT_PURPOSE, "code": kind}]},
            "name": {"text": service},
            "telecom": telecom,
            "extension": [{"url": HOURS, "valueString": hours}],
        }

    return {
        "resourceType": "Organization",
        "id": "safeguarding",
        "name": f"{partnership} Integrated Care Board safeguarding team",
        "contact": [
            contact(
                DUTY,
                "Health safeguarding team (named nurses)",
                WEEKDAYS,
                f"{book.la}.safeguarding@nhs.net{RESERVED}",
            ),
            contact(OUT_OF_HOURS, "On-call paediatrician (via hospital switchboard)", ALWAYS, None),
        ],
    }


_OFFICERS = (
    ("Detective Constable", "Public Protection Unit"),
    ("Detective Sergeant", "Public Protection Unit"),
    ("Detective Constable", "Child Abuse Investigation Team"),
    ("Police Constable", "Missing from Home Team"),
)


def police_officers(book: ContactBook, names: Any, rng: random.Random) -> list[list[str]]:
    """Rows of the police feed's ``officers.csv``: the safeguarding teams' officers."""
    rows = []
    for n, (rank, team) in enumerate(_OFFICERS):
        name = f"{names.forename(rng, 'british', rng.choice('MF'))} {names.surname(rng, 'british')}"
        rows.append(
            [
                f"{4100 + 17 * n}",
                name,
                rank,
                team,
                book.mobile(),
                book.email(name, book.domain("police")),
            ]
        )
    return rows
