"""What a search may return to a reader, and how its terms are kept in the audit log.

A search is a trace, not a browse (docs/governance.md, "Search"). ``findable`` keeps, of the
people a query matched, those the reader could lawfully open for the purpose declared:

- anyone with a record in the reader's own agency (only there can the legitimate
  relationships of a practitioner, an involvement or a team caseload, be found);
- any child (under 18 by a recorded date of birth) when the reader's role and purpose let
  them reach a child they have no relationship with yet: a MASH practitioner (a triage case)
  or a practitioner with a safeguarding purpose (break glass);
- for a privacy officer (AUDIT), only the people whose access is under review;

and never a person with a sealed record, unless the rule that opens that seal
(``roles.SEALED_RULES``) could open it for this reader's role, agency and purpose.

``pseudonymised_terms`` turns a query's terms into keyed hashes for the audit log: the same
term always gives the same value, so the privacy officer can ask "was this name searched
for?" (``term_pseudonym``), but the log holds no names, dates or numbers.

Store-aware (takes a Connection), no web framework.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from joinedup.domain.names import fold
from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.reader import Reader
from joinedup.governance.roles import ROLE_RULES, SEALED_RULES, Role, SealedKind, sealed_kind
from joinedup.store.governance_tables import access_review_task, emergency_access
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import person_record

CHILD_YEARS = 18
TERM_PREFIX = "term:"


def _reaches_any_child(reader: Reader) -> bool:
    if reader.role is Role.MASH_PRACTITIONER and reader.purpose is Purpose.MASH_TRIAGE:
        return True
    return ROLE_RULES[reader.role].practitioner and PURPOSES[reader.purpose].safeguarding


def _seal_opens(reader: Reader, kinds: set[SealedKind]) -> bool:
    """Whether a rule could open every seal for this reader (its relationship is checked
    when the record is opened)."""
    return all(
        any(
            rule.kind is kind
            and rule.role is reader.role
            and rule.agency is reader.agency
            and reader.purpose in rule.purposes
            for rule in SEALED_RULES
        )
        for kind in kinds
    )


def _is_child(born: date | None, today: date) -> bool:
    if born is None:
        return False
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return 0 <= years < CHILD_YEARS


def under_review(connection: Connection, person_ids: list[str]) -> set[str]:
    rows = connection.execute(
        select(emergency_access.c.child_id)
        .join(access_review_task, emergency_access.c.id == access_review_task.c.emergency_access_id)
        .where(emergency_access.c.child_id.in_(person_ids), access_review_task.c.status == "OPEN")
    ).scalars()
    return set(rows)


def findable(
    connection: Connection, reader: Reader, person_ids: list[str], today: date
) -> set[str]:
    """The people of ``person_ids`` a search may show this reader (see the module)."""
    if not person_ids:
        return set()
    lr, pr = linkage_record.c, person_record.c
    rows = connection.execute(
        select(lr.person_id, pr.agency_id, pr.date_of_birth, pr.attributes)
        .join(person_record, LINKED_PERSON_RECORD)
        .where(lr.person_id.in_(person_ids))
    ).all()
    own_agency: set[str] = set()
    children: set[str] = set()
    seals: dict[str, set[SealedKind]] = {}
    for row in rows:
        if row.agency_id == reader.agency.value:
            own_agency.add(row.person_id)
        if _is_child(row.date_of_birth, today):
            children.add(row.person_id)
        marker = (row.attributes or {}).get("sealed")
        if marker:
            values = [marker] if isinstance(marker, str) else list(marker)
            seals.setdefault(row.person_id, set()).update(sealed_kind(str(v)) for v in values)
    if reader.role is Role.PRIVACY_OFFICER:
        allowed = under_review(connection, person_ids) if reader.purpose is Purpose.AUDIT else set()
    else:
        allowed = own_agency | (children if _reaches_any_child(reader) else set())
    return {p for p in allowed if p not in seals or _seal_opens(reader, seals[p])}


def term_pseudonym(key: bytes, field: str, value: str) -> str:
    """The keyed hash a search term is kept as (the field's name is part of it, so a date
    searched as a date of birth and the same text as a name differ). Folded as search folds
    names (``domain.names``), so "Woźniak" and "WOZNIAK" are the same term."""
    normalised = " ".join(fold(str(value)).split())
    digest = hmac.new(key, f"search/{field}\x1f{normalised}".encode(), hashlib.sha256)
    return TERM_PREFIX + digest.hexdigest()[:24]


def pseudonymised_terms(key: bytes, terms: dict[str, Any]) -> dict[str, Any]:
    """The query's terms as the audit log keeps them: each given term as its pseudonym (the
    name's parts each on their own, so a surname can be looked for alone)."""
    out: dict[str, Any] = {}
    for field, value in terms.items():
        if value is None or value == "" or str(value).startswith(TERM_PREFIX):
            out[field] = value
        elif field == "name":
            out[field] = [term_pseudonym(key, "name", part) for part in str(value).split()]
        else:
            out[field] = term_pseudonym(key, field, str(value))
    return out
