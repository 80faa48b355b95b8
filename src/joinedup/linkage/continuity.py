"""Continuity: a corrected record keeps its person (pure Python, no I/O).

An agency's key names the same record from one delivery to the next, so a corrected name,
date of birth or address does not make the child somebody else. Without this rule a
forename corrected to one unlike the person's other records made the record look like a twin
of them (same surname and DOB, another forename, no identifier in common) and split it off
into a new person, taking the practitioners' relationships with it.

In: feature dicts by unique id, and for each record linked before, the person it was linked
to and its ``fingerprint`` from then (``linkage_record.identity``). Out: the pairs to hold
together, as a reviewer's must-link would.

A record is **held with its person** when, since it joined the person,

* its details changed (a name, the date of birth or the address were corrected), and
* its strong identifiers still agree: it keeps an NHS number or a UPN it had when it joined
  (its own previous version), or it shares one, and its date of birth, with another record
  of the person.

A held record stays with every record of its person, whatever its new details look like next
to theirs (a twin's name, another date of birth, an address no other record has), unless a
reviewer decided two of them are different people. A record whose strong identifiers changed,
or that has none, gets no such help: it is linked on its evidence like any other (a police
record renamed to a twin's name goes to the twin; a corrected NHS number that is a twin's
goes to the twin).

The fingerprint keeps short digests (20 bits of SHA-256), not the values: enough to tell
"unchanged" (a false agreement about once in a million), too short to recover an NHS number or
a date of birth once retention has pseudonymised the record itself.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Features = dict[str, Any]
_DOMAIN = "joinedup-linkage-identity/v1"
_HEX_DIGITS = 5  # 20 bits


def _digest(*parts: str) -> str:
    text = "|".join((_DOMAIN, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HEX_DIGITS]


def strong_identifiers(record: Features) -> set[str]:
    """Digests of the record's NHS number and UPNs."""
    values = [f"nhs:{record['nhs_number']}"] if record.get("nhs_number") else []
    values += [f"upn:{u}" for u in record.get("upns") or ()]
    return {_digest(value) for value in values}


def details_digest(record: Features) -> str:
    """A digest of what a correction changes: the name, date of birth and address."""
    fields = ("forename1", "surname", "dob", "postcode", "house")
    return _digest("details", *(str(record.get(name) or "") for name in fields))


def fingerprint(record: Features) -> dict[str, Any]:
    """What ``linkage_record.identity`` keeps for a record when it joins a person."""
    return {"ids": sorted(strong_identifiers(record)), "details": details_digest(record)}


def strongly_agree(a: Features, b: Features) -> bool:
    """The same date of birth and an NHS number or a UPN in common."""
    if not a.get("dob") or a.get("dob") != b.get("dob"):
        return False
    if a.get("nhs_number") and a.get("nhs_number") == b.get("nhs_number"):
        return True
    return bool(set(a.get("upns") or ()) & set(b.get("upns") or ()))


@dataclass(frozen=True, slots=True)
class Previous:
    """The person a record was linked to, and its fingerprint from when it joined them."""

    person_id: str
    identity: dict[str, Any] | None


def corrected_but_held(record: Features, previous: Previous, others: Iterable[Features]) -> bool:
    """Whether the record's details changed since it joined its person while its strong
    identifiers still agree (see the module docstring)."""
    identity = previous.identity
    if not identity or identity.get("details") in (None, details_digest(record)):
        return False
    if strong_identifiers(record) & set(identity.get("ids") or ()):
        return True
    return any(strongly_agree(record, other) for other in others)


def held_together(
    records: Mapping[int, Features],
    previous: Mapping[int, Previous],
    cannot_link: Iterable[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Must-link pairs: each record corrected but held, with every other record of its
    person (except a pair a reviewer decided are different people)."""
    cannot = {(min(a, b), max(a, b)) for a, b in cannot_link}
    members: dict[str, list[int]] = defaultdict(list)
    for uid, before in previous.items():
        if uid in records:
            members[before.person_id].append(uid)
    pairs: list[tuple[int, int]] = []
    for uid, before in previous.items():
        if uid not in records:
            continue
        others = [o for o in members[before.person_id] if o != uid]
        if others and corrected_but_held(records[uid], before, (records[o] for o in others)):
            pairs += [(uid, o) for o in others if (min(uid, o), max(uid, o)) not in cannot]
    return pairs


def identity_to_keep(record: Features, previous: Previous | None, person_id: str) -> Any:
    """The fingerprint to store for a record now linked to ``person_id``: the one from when it
    joined, while it stays with that person; a fresh one when it joins another."""
    if previous is not None and previous.person_id == person_id and previous.identity:
        return previous.identity
    return fingerprint(record)
