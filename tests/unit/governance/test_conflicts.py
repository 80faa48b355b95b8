"""Conflicting agreements are found and shown side by side."""

from __future__ import annotations

from joinedup.governance.agreements import Agreement, Retention, shipped_agreements
from joinedup.governance.conflicts import find_conflicts, side_by_side
from joinedup.governance.law import AgreementStatus, Gateway, LawfulBasis


def shipped() -> dict[str, Agreement]:
    return {a.id: a for a in shipped_agreements()}


def rival_encompass(**changes) -> Agreement:
    """A second agreement sharing the same police data with schools on other terms."""
    oe = shipped()["EXM-OE-002"]
    flow = oe.flows[0].model_copy(update=changes)
    return oe.model_copy(update={"id": "EXM-OE-LOCAL", "flows": (flow,)})


def test_the_shipped_agreements_do_not_conflict() -> None:
    assert find_conflicts(shipped_agreements()) == []


def test_different_terms_for_the_same_share_conflict() -> None:
    rival = rival_encompass(
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
        gateways=(Gateway.CA1989_S47,),
        retention=Retention(period="P1Y", starts="the incident"),
    )
    (conflict,) = find_conflicts([*shipped_agreements(), rival])
    assert conflict.field == "police.domestic_abuse" and conflict.recipient == "education"
    assert conflict.purposes == ("OPERATION_ENCOMPASS",) and conflict.roles == ("SCHOOL_DSL",)
    assert {conflict.left, conflict.right} == {
        "EXM-OE-002 v1 / police-to-schools",
        "EXM-OE-LOCAL v1 / police-to-schools",
    }
    terms = {t for t, _, _ in conflict.differences}
    assert terms == {"lawful_basis", "gateways", "retention"}


def test_same_terms_or_inactive_agreements_do_not_conflict() -> None:
    same = rival_encompass()
    assert find_conflicts([*shipped_agreements(), same]) == []
    draft = rival_encompass(lawful_basis=LawfulBasis.LEGAL_OBLIGATION).model_copy(
        update={"status": AgreementStatus.DRAFT}
    )
    assert find_conflicts([*shipped_agreements(), draft]) == []


def test_two_versions_side_by_side_show_only_what_changed() -> None:
    mash = shipped()["EXM-MASH-001"]
    health = next(f for f in mash.flows if f.id == "health-to-mash")
    narrower = health.model_copy(update={"items": ("identity", "gp_practice", "encounters")})
    v5 = mash.model_copy(
        update={
            "version": 5,
            "flows": tuple(narrower if f.id == "health-to-mash" else f for f in mash.flows),
        }
    )
    rows = side_by_side(mash, v5)
    assert rows[0] == ("agreement", "EXM-MASH-001 v4", "EXM-MASH-001 v5")
    assert rows[1:] == [
        (
            "flow health-to-mash: items",
            "conditions, encounters, gp_practice, identity, mental_health, "
            "practitioner_contacts, substance_misuse",
            "encounters, gp_practice, identity",
        )
    ]
