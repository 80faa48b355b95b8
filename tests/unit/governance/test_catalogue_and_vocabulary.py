"""The catalogue of fields, the closed lists of purposes and roles, and request building."""

from __future__ import annotations

import pytest

from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput
from joinedup.governance.access import AccessRequest
from joinedup.governance.catalogue import CATALOGUE, data_item, expand_fields, items_of
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.governance.roles import Role, SealedKind


def test_every_agency_has_identity_and_fields_are_named_agency_dot_item() -> None:
    for agency in AgencyId:
        assert f"{agency.value}.identity" in CATALOGUE
    for name, item in CATALOGUE.items():
        assert name == f"{item.agency.value}.{item.item}"


def test_health_substance_and_mental_health_data_are_special_category() -> None:
    special = {n for n, d in CATALOGUE.items() if d.special_category}
    assert {
        "health.encounters",
        "health.mental_health",
        "health.substance_misuse",
        "substance_misuse.treatment",
        "adult_mental_health.detentions",
        "education.ethnicity",
    } <= special
    assert "health.identity" not in special and "education.attendance" not in special
    criminal = {n for n, d in CATALOGUE.items() if d.criminal_offence}
    assert {"police.incidents", "police.domestic_abuse", "probation.mappa"} <= criminal
    assert "police.missing_reports" not in criminal


def test_wildcards_expand_and_unknown_fields_are_named() -> None:
    assert expand_fields(["*.identity"]) == {f"{a.value}.identity" for a in AgencyId}
    assert expand_fields(["housing.*"]) == {d.field for d in items_of("housing")}
    with pytest.raises(BadInput, match=r"unknown field 'health.blood'.*mental_health"):
        data_item("health.blood")
    with pytest.raises(BadInput, match="unknown agency 'fire'"):
        expand_fields(["fire.*"])


def test_request_building_validates_against_the_closed_lists() -> None:
    request = AccessRequest.build(
        user_id="u1",
        role="mash_practitioner",
        agency="police",
        purpose="mash_triage",
        child_id="C1",
        fields=["health.encounters", " "],
        relationships=["mash_triage"],
        sealed=["Adoption", "something-else"],
    )
    assert request.role is Role.MASH_PRACTITIONER and request.purpose is Purpose.MASH_TRIAGE
    assert request.relationships == {Relationship.MASH_TRIAGE}
    # An unknown seal is still a seal: it maps to UNKNOWN, which no rule opens.
    assert request.sealed == {SealedKind.ADOPTION, SealedKind.UNKNOWN}
    for bad, match in (
        ({"purpose": "CURIOSITY"}, "unknown purpose 'CURIOSITY'.*MASH_TRIAGE"),
        ({"role": "JANITOR"}, "unknown role 'JANITOR'"),
        ({"relationships": ["FRIEND"]}, "unknown relationship 'FRIEND'"),
        ({"child_id": " "}, "needs a user and a child"),
    ):
        values = dict(
            user_id="u1",
            role="SOCIAL_WORKER",
            agency="social_care",
            purpose="EARLY_HELP",
            child_id="C1",
            fields=["social_care.identity"],
        )
        values.update(bad)
        with pytest.raises(BadInput, match=match):
            AccessRequest.build(**values)
