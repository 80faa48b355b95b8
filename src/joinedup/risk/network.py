"""The exploitation network (issue 22): the adults, places and objects (vehicles, phones) tied
to two or more children who go missing or are exploited, and the evidence behind each tie.

Plain data in, plain data out. The input is police incidents, each with who was involved in
what role (and whether they were a child then) and the places and objects linked to it. A
child belongs to the network through an incident in which they went missing
(``MISSING_PERSON`` as the missing person), were exploited (``CHILD_SEXUAL_EXPLOITATION`` /
``CHILD_CRIMINAL_EXPLOITATION``, as victim, missing person, subject of concern or child
present), or any incident of a child flagged for exploitation by an assessment. An adult
suspect or subject of concern in such an incident, and every place and object linked to it,
is tied to the child, with the incident (id, date, category, both roles) as the evidence.
Only those tied to ``min_children`` or more children are kept, with the children they tie.

What a reader may not see never reaches here: the service passes only the incidents the gate
allowed for each child (``services.network``), so nothing withheld is counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

MISSING = "MISSING_PERSON"
EXPLOITATION = frozenset({"CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION"})
NETWORK_CATEGORIES = frozenset({MISSING, *EXPLOITATION})
CHILD_ROLES = frozenset({"MISSING_PERSON", "VICTIM", "SUBJECT_OF_CONCERN", "CHILD_PRESENT"})
ADULT_ROLES = frozenset({"SUSPECT", "SUBJECT_OF_CONCERN"})
KINDS = ("CHILD", "ADULT", "LOCATION", "OBJECT")


@dataclass(frozen=True, slots=True)
class Involved:
    person_id: str
    role: str
    is_child: bool


@dataclass(frozen=True, slots=True)
class Linked:
    """A place or object linked to an incident: ``key`` is ``LOCATION:<id>`` or ``OBJECT:<id>``."""

    key: str
    role: str


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    occurred_on: date
    category: str
    people: tuple[Involved, ...]
    things: tuple[Linked, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    incident_id: str
    occurred_on: date
    category: str
    child_role: str
    role: str  # the adult's, place's or object's role in the incident


@dataclass(frozen=True, slots=True)
class Tie:
    child: str  # person id
    node: str  # an adult's person id, or a place's or object's key
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Network:
    children: tuple[str, ...]
    adults: tuple[str, ...]
    things: tuple[str, ...]  # place and object keys
    ties: tuple[Tie, ...]

    def degree(self, node: str) -> int:
        """How many children ``node`` is tied to."""
        return self.degrees().get(node, 0)

    def degrees(self) -> dict[str, int]:
        """How many children each node is tied to (one pass over the ties)."""
        tied: dict[str, set[str]] = defaultdict(set)
        for tie in self.ties:
            tied[tie.node].add(tie.child)
        return {node: len(children) for node, children in tied.items()}


def counts_as_child(incident: Incident, who: Involved, flagged: frozenset[str]) -> bool:
    """Whether ``who`` is in the network as a child through ``incident``."""
    if not who.is_child or who.role not in CHILD_ROLES:
        return False
    if incident.category == MISSING:
        return who.role == MISSING or who.person_id in flagged
    return incident.category in EXPLOITATION or who.person_id in flagged


def children_of(
    incidents: list[Incident], flagged: frozenset[str] = frozenset(), min_children: int = 2
) -> tuple[str, ...]:
    """``build(...).children`` without the evidence: the children the network could hold
    (those the service opens through the gate before building it from what they allow)."""
    tied: dict[str, set[str]] = defaultdict(set)
    for incident in incidents:
        children = [p.person_id for p in incident.people if counts_as_child(incident, p, flagged)]
        if not children:
            continue
        for p in incident.people:
            if not p.is_child and p.role in ADULT_ROLES:
                tied[p.person_id].update(children)
        for thing in incident.things:
            tied[thing.key].update(children)
    kept: set[str] = set()
    for children_tied in tied.values():
        if len(children_tied) >= min_children:
            kept |= children_tied
    return tuple(sorted(kept))


def build(
    incidents: list[Incident], flagged: frozenset[str] = frozenset(), min_children: int = 2
) -> Network:
    """The network: connectors tied to at least ``min_children`` children, and those children."""
    evidence: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    for incident in incidents:
        children = [p for p in incident.people if counts_as_child(incident, p, flagged)]
        if not children:
            continue
        connectors = [
            (p.person_id, p.role)
            for p in incident.people
            if not p.is_child and p.role in ADULT_ROLES
        ] + [(thing.key, thing.role) for thing in incident.things]
        for child in children:
            for node, role in connectors:
                evidence[(child.person_id, node)].append(
                    Evidence(
                        incident.incident_id,
                        incident.occurred_on,
                        incident.category,
                        child.role,
                        role,
                    )
                )
    tied: dict[str, set[str]] = defaultdict(set)
    for child_id, node in evidence:
        tied[node].add(child_id)
    kept = {node for node, children in tied.items() if len(children) >= min_children}
    ties = tuple(
        Tie(child, node, tuple(sorted(set(found), key=lambda e: (e.occurred_on, e.incident_id))))
        for (child, node), found in sorted(evidence.items())
        if node in kept
    )
    return Network(
        children=tuple(sorted({t.child for t in ties})),
        adults=tuple(sorted(n for n in kept if not is_thing(n))),
        things=tuple(sorted(n for n in kept if is_thing(n))),
        ties=ties,
    )


def is_thing(node: str) -> bool:
    return node.startswith(("LOCATION:", "OBJECT:"))
