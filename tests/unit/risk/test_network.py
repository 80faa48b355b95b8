"""The exploitation network's decision logic (plain data): who is a child of the network,
which adults, places and objects tie two or more of them, and the evidence of each tie."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from joinedup.risk.network import Incident, Involved, Linked, build, children_of


def _incident(
    incident_id: str, category: str, *people: tuple[str, str, bool], things: tuple = ()
) -> Incident:
    return Incident(
        incident_id,
        date(2026, 3, int(incident_id[1:])),
        category,
        tuple(Involved(*p) for p in people),
        tuple(Linked(*t) for t in things),
    )


HOTEL = ("LOCATION:L1", "SEEN_AT")
CAR = ("OBJECT:O1", "SEEN_IN")


def test_an_adult_tied_to_two_missing_children_is_kept_with_the_evidence() -> None:
    network = build(
        [
            _incident("I1", "MISSING_PERSON", ("c1", "MISSING_PERSON", True),
                      ("a1", "SUSPECT", False), things=(HOTEL,)),
            _incident("I2", "MISSING_PERSON", ("c2", "MISSING_PERSON", True),
                      ("a1", "SUBJECT_OF_CONCERN", False), things=(HOTEL, CAR)),
        ]
    )  # fmt: skip
    assert network.children == ("c1", "c2")
    assert network.adults == ("a1",)
    assert network.things == ("LOCATION:L1",), "the car is tied to one child only"
    tie = next(t for t in network.ties if t.child == "c2" and t.node == "a1")
    assert [(e.incident_id, e.category, e.child_role, e.role) for e in tie.evidence] == [
        ("I2", "MISSING_PERSON", "MISSING_PERSON", "SUBJECT_OF_CONCERN")
    ]
    assert network.degree("a1") == 2


def test_only_children_who_went_missing_or_were_exploited_count() -> None:
    network = build(
        [
            # a witness who went missing from nowhere, and a theft: neither child counts
            _incident("I1", "MISSING_PERSON", ("c1", "WITNESS", True), ("a1", "SUSPECT", False)),
            _incident("I2", "THEFT", ("c2", "VICTIM", True), ("a1", "SUSPECT", False)),
            # an exploited child counts
            _incident("I3", "CHILD_CRIMINAL_EXPLOITATION", ("c3", "VICTIM", True),
                      ("a1", "SUSPECT", False)),
        ]
    )  # fmt: skip
    assert network.children == () and network.adults == ()


def test_a_child_flagged_by_an_assessment_counts_in_any_incident() -> None:
    incidents = [
        _incident("I1", "DRUGS", ("c1", "VICTIM", True), ("a1", "SUSPECT", False)),
        _incident("I2", "MISSING_PERSON", ("c2", "MISSING_PERSON", True),
                  ("a1", "SUSPECT", False)),
    ]  # fmt: skip
    assert build(incidents).adults == ()
    assert build(incidents, frozenset({"c1"})).adults == ("a1",)


def test_a_witness_adult_and_another_child_are_no_connectors() -> None:
    network = build(
        [
            _incident("I1", "MISSING_PERSON", ("c1", "MISSING_PERSON", True),
                      ("a1", "WITNESS", False), ("c9", "SUSPECT", True)),
            _incident("I2", "MISSING_PERSON", ("c2", "MISSING_PERSON", True),
                      ("a1", "WITNESS", False), ("c9", "SUSPECT", True)),
        ]
    )  # fmt: skip
    assert network.ties == ()


PEOPLE = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4", "a1", "a2"]),
    st.sampled_from(["MISSING_PERSON", "VICTIM", "SUSPECT", "SUBJECT_OF_CONCERN", "WITNESS"]),
    st.booleans(),
)
INCIDENTS = st.lists(
    st.tuples(
        st.sampled_from(["MISSING_PERSON", "CHILD_SEXUAL_EXPLOITATION", "THEFT"]),
        st.lists(PEOPLE, max_size=4),
        st.lists(st.sampled_from([HOTEL, CAR, ("OBJECT:O2", "USED")]), max_size=2),
    ),
    max_size=8,
)


@given(INCIDENTS, st.frozensets(st.sampled_from(["c1", "c2", "c3"])))
def test_the_children_it_could_hold_are_the_networks_children(
    drawn: list, flagged: frozenset[str]
) -> None:
    """``children_of`` (what the service opens through the gate first) is ``build``'s
    children, without the evidence."""
    incidents = [
        _incident(f"I{n}", category, *people, things=tuple(things))
        for n, (category, people, things) in enumerate(drawn, start=1)
    ]
    network = build(incidents, flagged)
    assert children_of(incidents, flagged) == network.children
    assert network.degrees() == {
        n: len({t.child for t in network.ties if t.node == n})
        for n in (*network.adults, *network.things)
    }
