"""Constrained clustering of scored pairs into persons (pure Python, no I/O).

In: feature dicts by unique id, scored edges ``(uid_l, uid_r, weight, gammas)``, reviewers'
must-link and cannot-link pairs, the thresholds. Out: clusters (sets of unique ids), the
weight that tied each record in, and the uncertain pairs for clerical review.

Plain connected components chain errors: one twin-to-twin edge merges two children. Here
edges join components strongest first, and a join is refused when the two components hold
different NHS numbers or UPNs, hold a twin-like pair (same surname and DOB, different
forename, no shared identifier), or a reviewer said two of their records are different
people. Name + DOB alone (no identifier, no address in common) never auto-links: such a pair
goes to review instead (namesakes: common names born the same day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jellyfish

from joinedup.linkage.comparisons import ADDRESS, DOB, NAME, NHS, UPN
from joinedup.linkage.levels import days_apart, nickname_slip, short_form

Features = dict[str, Any]

# gamma values (Splink comparison vector values) of the levels the rules look at.
NHS_EXACT = NHS.gamma_of("NHS number exact")
UPN_EXACT = UPN.gamma_of("a UPN in common")
ADDRESS_WEAK = (-1, ADDRESS.gamma_of("address different"), ADDRESS.gamma_of("same postcode sector"))
NAME_EXACT = NAME.gamma_of("full name exact")
DOB_EXACT = DOB.gamma_of("DOB exact")
SAME_HOUSE = ADDRESS.gamma_of("same house and postcode")


@dataclass
class Edge:
    left: int
    right: int
    weight: float
    gammas: dict[str, int]


@dataclass
class Clustering:
    clusters: list[set[int]]
    tie_weight: dict[int, float]
    review: list[Edge] = field(default_factory=list)
    refused: int = 0


def twin_like(a: Features, b: Features) -> bool:
    """Same surname and DOB, different forename, no identifier in common: two people."""
    if a["surname"] is None or a["surname"] != b["surname"] or a["dob"] != b["dob"]:
        return False
    if a["forename1"] is None or b["forename1"] is None or a["forename1"] == b["forename1"]:
        return False
    if a["nhs_number"] and a["nhs_number"] == b["nhs_number"]:
        return False
    if a["upns"] and b["upns"] and set(a["upns"]) & set(b["upns"]):
        return False
    if a["sex"] and b["sex"] and a["sex"] != b["sex"]:
        return True  # a boy and a girl: "EMIL" and "EMILY" are two children
    if set(a["forename_aliases"] or ()) & set(b["forename_aliases"] or ()) or short_form(a, b):
        return False  # one name's nickname or short form ("PAT", "PATRICK")
    if nickname_slip(a, b):
        return False  # a slip in a nickname ("HAFRY" for HAROLD's HARRY)
    # a typo of one name is not another name
    return a["forename_mp"] != b["forename_mp"] and _distance(a["forename1"], b["forename1"]) > 2


def _one_surname_and_dob(a: Features, b: Features) -> bool:
    return a["surname"] is not None and a["surname"] == b["surname"] and a["dob"] == b["dob"]


def dobs_alike(x: str, y: str) -> bool:
    """Two recorded DOBs that one person's records could carry: equal, a day apart, day and
    month swapped, one digit different, or two of day, month and year the same."""
    if x == y or _distance(x, y) <= 1:
        return True
    if x[:4] == y[:4] and x[5:7] == y[8:10] and x[8:10] == y[5:7]:
        return True
    same = (x[:4] == y[:4]) + (x[5:7] == y[5:7]) + (x[8:10] == y[8:10])
    return same >= 2 or days_apart(1)({"dob": x}, {"dob": y})


def _distance(a: str, b: str) -> int:
    return int(jellyfish.damerau_levenshtein_distance(a, b))


def needs_more_evidence(edge: Edge) -> bool:
    """Name and DOB agree but nothing else ties the pair: never an automatic link."""
    g = edge.gammas
    return (
        g.get("nhs_number") != NHS_EXACT
        and g.get("upn") != UPN_EXACT
        and g.get("address", -1) in ADDRESS_WEAK
    )


class _Components:
    def __init__(self, records: dict[int, Features]):
        self.parent = {uid: uid for uid in records}
        self.members = {uid: [uid] for uid in records}
        self.nhs = {uid: {r["nhs_number"]} - {None} for uid, r in records.items()}
        self.upns = {uid: set(r["upns"] or ()) for uid, r in records.items()}
        self.dobs = {uid: {r["dob"]} - {None} for uid, r in records.items()}
        self.records = records

    def find(self, uid: int) -> int:
        root = uid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[uid] != root:
            self.parent[uid], uid = root, self.parent[uid]
        return root

    def conflict(
        self, a: int, b: int, cannot: set[tuple[int, int]], strong: bool, identified: bool
    ) -> bool:
        if not strong:
            if self.nhs[a] and self.nhs[b] and not self.nhs[a] & self.nhs[b]:
                return True
            if self.upns[a] and self.upns[b] and not self.upns[a] & self.upns[b]:
                return True
            # A record without a DOB must not bridge a mother and a daughter of one name
            # at one house: persons whose DOBs are far apart join only on an identifier.
            if (
                not identified
                and self.dobs[a]
                and self.dobs[b]
                and not any(dobs_alike(x, y) for x in self.dobs[a] for y in self.dobs[b])
            ):
                return True
        elif (
            self.nhs[a]
            and self.nhs[b]
            and not self.nhs[a] & self.nhs[b]
            and any(
                self.records[x]["agency"] == self.records[y]["agency"]
                and self.records[x]["nhs_number"]
                and self.records[y]["nhs_number"]
                for x in self.members[a]
                for y in self.members[b]
            )
        ):
            # Even then, one agency holding each under its own NHS number knows two people
            # (twins given one forename).
            return True
        # Twin-like pairs across the two refuse the join unless more of their pairs of one
        # surname and DOB are alike: "STPEH" is no twin of a person recorded as STEPHEN three
        # times and STEVE once (issue 20); a twin's records are unlike all of the other's.
        twins = alike = 0
        for x in self.members[a]:
            for y in self.members[b]:
                if (min(x, y), max(x, y)) in cannot:
                    return True
                left, right = self.records[x], self.records[y]
                if twin_like(left, right):
                    twins += 1
                elif _one_surname_and_dob(left, right):
                    alike += 1
        return twins > alike

    def union(self, a: int, b: int) -> None:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        self.nhs[a] |= self.nhs.pop(b)
        self.upns[a] |= self.upns.pop(b)
        self.dobs[a] |= self.dobs.pop(b)


def _strong(edge: Edge) -> bool:
    # Full name, DOB and house all agree: a stale or mistyped identifier does not split it.
    g = edge.gammas
    return (
        g.get("name") == NAME_EXACT and g.get("dob") == DOB_EXACT and g.get("address") == SAME_HOUSE
    )


def _join(
    components: _Components,
    edges: list[Edge],
    cannot: set[tuple[int, int]],
    tie_weight: dict[int, float],
) -> int:
    refused = 0
    # Strongest first; ties broken by ids so every backend gives the same clusters.
    for edge in sorted(edges, key=lambda e: (-round(e.weight, 6), e.left, e.right)):
        ra, rb = components.find(edge.left), components.find(edge.right)
        if ra == rb:
            continue
        identified = (
            edge.gammas.get("nhs_number") == NHS_EXACT or edge.gammas.get("upn") == UPN_EXACT
        )
        if components.conflict(ra, rb, cannot, _strong(edge), identified):
            refused += 1
            continue
        components.union(ra, rb)
        for uid in (edge.left, edge.right):
            tie_weight[uid] = max(tie_weight.get(uid, edge.weight), edge.weight)
    return refused


def _all_alike(root: int, targets: dict[int, set[int]]) -> bool:
    """Whether every record that ``root``'s name and DOB point to points to every other: three
    records of one name and DOB, none contradicting, are one person seen three times; two
    that do not match each other (different NHS numbers, say) are a namesake question."""
    group = targets[root] | {root}
    if len(group) > MAX_ALIKE:
        return False
    return all(targets.get(member, set()) | {member} == group for member in group)


MAX_ALIKE = 4
# The address level a pair is given when the persons' address histories meet.
ADDRESS_OVER_TIME = ADDRESS.gamma_of("a postcode in common over time")
# Persons with more addresses than this do not tie two addresses together as a move.
MAX_ADDRESSES_OF_A_MOVE = 6


def _move(a: Features, b: Features) -> tuple[str, str] | None:
    """The two postcodes of a pair recorded at different ones, in order; None otherwise."""
    if not a["postcode"] or not b["postcode"] or a["postcode"] == b["postcode"] or not a["dob"]:
        return None
    return (min(a["postcode"], b["postcode"]), max(a["postcode"], b["postcode"]))


def _corroborate(
    components: _Components,
    edges: list[Edge],
    address_weights: Mapping[int, float],
    link_weight: float,
) -> list[Edge]:
    """Pairs left apart whose address evidence was weak, re-weighed on the persons formed so
    far: the address history of either person (all its records) shares a postcode with the
    other's, or another person is known at an address of each (a household that moved)."""
    postcodes: dict[int, set[str]] = {}
    for root, members in components.members.items():
        postcodes[root] = {
            pc for uid in members for pc in components.records[uid]["postcodes"] or ()
        }
    moves = {
        (a, b)
        for pcs in postcodes.values()
        if 1 < len(pcs) <= MAX_ADDRESSES_OF_A_MOVE
        for a in pcs
        for b in pcs
        if a != b
    }
    weak = [e for e in edges if e.gammas.get("address", -1) in ADDRESS_WEAK]
    # A family that moved: two people each recorded at both addresses, once at each.
    movers: dict[tuple[str, str], set[str]] = {}
    for edge in weak:
        move = _move(components.records[edge.left], components.records[edge.right])
        if move:
            movers.setdefault(move, set()).add(components.records[edge.left]["dob"])
    out = []
    for edge in weak:
        gamma = edge.gammas.get("address", -1)
        ra, rb = components.find(edge.left), components.find(edge.right)
        if ra == rb:
            continue
        left, right = postcodes[ra], postcodes[rb]
        move = _move(components.records[edge.left], components.records[edge.right])
        if not (
            left & right
            or any((a, b) in moves for a in left for b in right)
            or (move and len(movers[move]) > 1)
        ):
            continue
        weight = edge.weight - address_weights.get(gamma, 0.0) + address_weights[ADDRESS_OVER_TIME]
        if weight >= link_weight:
            out.append(
                Edge(edge.left, edge.right, weight, {**edge.gammas, "address": ADDRESS_OVER_TIME})
            )
    return out


def cluster(
    records: dict[int, Features],
    edges: Iterable[Edge],
    *,
    link_weight: float,
    review_weight: float,
    weak_link_weight: float | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    address_weights: Mapping[int, float] | None = None,
) -> Clustering:
    """Cluster ``records`` (see module docstring). With ``address_weights`` (the address
    comparison's weight by level), pairs left apart are looked at again with the address
    histories of the persons formed (``_corroborate``)."""
    cannot = {(min(a, b), max(a, b)) for a, b in cannot_link}
    components = _Components(records)
    tie_weight: dict[int, float] = {}
    for a, b in must_link:
        if a in records and b in records:
            ra, rb = components.find(a), components.find(b)
            if ra != rb:
                components.union(ra, rb)
    weak_link_weight = link_weight + 2 if weak_link_weight is None else weak_link_weight
    linkable: list[Edge] = []
    weak: list[Edge] = []
    uncertain: list[Edge] = []
    for edge in edges:
        if (
            edge.weight < review_weight
            or (min(edge.left, edge.right), max(edge.left, edge.right)) in cannot
        ):
            continue
        if twin_like(records[edge.left], records[edge.right]):
            continue
        if not needs_more_evidence(edge):
            (linkable if edge.weight >= link_weight else uncertain).append(edge)
        else:
            (weak if edge.weight >= weak_link_weight else uncertain).append(edge)
    refused = _join(components, linkable, cannot, tie_weight)
    # Name + DOB alone links only where it points one way: a record whose name and DOB match
    # two different people is a namesake question for a person, not for the machine.
    targets: dict[int, set[int]] = {}
    for edge in weak:
        ra, rb = components.find(edge.left), components.find(edge.right)
        targets.setdefault(ra, set()).add(rb)
        targets.setdefault(rb, set()).add(ra)
    clear = [
        e
        for e in weak
        if (
            len(targets[components.find(e.left)]) == 1
            and len(targets[components.find(e.right)]) == 1
        )
        or _all_alike(components.find(e.left), targets)
    ]
    uncertain.extend(e for e in weak if e not in clear)
    refused += _join(components, clear, cannot, tie_weight)
    if address_weights is not None:
        for _ in range(2):  # a join can give the next pair its shared address
            corroborated = _corroborate(components, uncertain, address_weights, link_weight)
            refused += _join(components, corroborated, cannot, tie_weight)
    review = [e for e in uncertain if components.find(e.left) != components.find(e.right)]
    clusters = [set(m) for m in components.members.values()]
    return Clustering(clusters, tie_weight, review, refused)
