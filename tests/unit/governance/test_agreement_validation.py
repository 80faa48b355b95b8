"""Agreements are validated with errors that name the file and the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from joinedup.governance.agreements import (
    EXAMPLES,
    AgreementInvalid,
    Retention,
    current,
    load_paths,
    parse,
    shipped_agreements,
)
from joinedup.governance.law import AgreementStatus


def mash() -> dict:
    return yaml.safe_load((EXAMPLES / "exampleshire_mash.yaml").read_text())


def flow(doc: dict, flow_id: str) -> dict:
    return next(f for f in doc["flows"] if f["id"] == flow_id)


def problems(doc: dict) -> list[str]:
    with pytest.raises(AgreementInvalid) as caught:
        parse(doc, "mash.yaml")
    return caught.value.problems


def test_shipped_agreements_are_valid_and_cover_every_agency() -> None:
    agreements = {a.id: a for a in shipped_agreements()}
    assert set(agreements) == {"EXM-MASH-001", "EXM-OE-002", "EXM-EH-003"}
    mash_agreement = agreements["EXM-MASH-001"]
    assert {p.agency.value for p in mash_agreement.parties} == {
        "social_care",
        "health",
        "police",
        "education",
        "housing",
        "probation",
        "substance_misuse",
        "adult_mental_health",
    }
    assert {f.source.value for f in mash_agreement.flows} == {
        p.agency.value for p in mash_agreement.parties
    }
    assert all(a.status is AgreementStatus.ACTIVE for a in agreements.values())


def test_unknown_data_item_is_named_with_the_known_items() -> None:
    doc = mash()
    flow(doc, "health-to-mash")["items"].append("blood_group")
    (problem,) = problems(doc)
    assert problem.startswith("mash.yaml: flows[1] (health-to-mash).items[7]: unknown data item")
    assert "'blood_group'" in problem and "mental_health" in problem


def test_special_category_items_need_an_article_9_condition() -> None:
    doc = mash()
    del flow(doc, "health-to-mash")["article_9"]
    (problem,) = problems(doc)
    assert "(health-to-mash).article_9" in problem
    assert "encounters" in problem and "special category" in problem


def test_criminal_offence_data_needs_an_article_10_condition() -> None:
    doc = mash()
    del flow(doc, "probation-to-mash")["article_10"]
    (problem,) = problems(doc)
    assert "(probation-to-mash).article_10" in problem and "mappa" in problem


def test_a_condition_without_matching_data_is_refused() -> None:
    doc = mash()
    flow(doc, "housing-to-mash")["article_9"] = "ART9_2G_SCH1_P18"
    (problem,) = problems(doc)
    assert "(housing-to-mash).article_9: set, but no item" in problem


def test_public_task_needs_a_gateway_and_legitimate_interests_an_assessment() -> None:
    doc = mash()
    flow(doc, "housing-to-mash")["gateways"] = []
    del flow(doc, "substance-misuse-to-mash")["legitimate_interests_assessment"]
    found = problems(doc)
    assert any("(housing-to-mash).gateways: public_task needs a basis in law" in p for p in found)
    assert any("(substance-misuse-to-mash).legitimate_interests_assessment" in p for p in found)


def test_consent_is_not_a_lawful_basis_for_safeguarding_sharing() -> None:
    doc = mash()
    flow(doc, "housing-to-mash")["lawful_basis"] = "consent"
    (problem,) = problems(doc)
    assert "flows[4] (housing-to-mash).lawful_basis" in problem
    assert "public_task" in problem


def test_misspelt_keys_are_errors_not_silently_ignored() -> None:
    doc = mash()
    flow(doc, "housing-to-mash")["lawfull_basis"] = "public_task"
    (problem,) = problems(doc)
    assert "(housing-to-mash).lawfull_basis: Extra inputs are not permitted" in problem


def test_retention_is_an_iso_duration() -> None:
    doc = mash()
    flow(doc, "housing-to-mash")["retention"]["period"] = "six years"
    (problem,) = problems(doc)
    assert "(housing-to-mash).retention.period" in problem and "P6Y" in problem
    assert Retention(period="P1Y6M", starts="closure").describe() == (
        "1 year 6 months from closure; then secure deletion"
    )


def test_recipients_roles_and_purposes_must_make_sense() -> None:
    doc = mash()
    f = flow(doc, "housing-to-mash")
    f["to"].append("housing")
    f["recipient_roles"].append("SCHOOL_DSL")
    f["purposes"].append("STATUTORY_RETURN")
    found = problems(doc)
    assert any("to: housing is the source" in p for p in found)
    assert any("SCHOOL_DSL may not declare any of this flow's purposes" in p for p in found)
    assert any("STATUTORY_RETURN is for an agency's own records only" in p for p in found)
    assert any("STATUTORY_RETURN is not one of the agreement's purposes" in p for p in found)


def test_part_3_condition_needs_police_as_recipient() -> None:
    doc = mash()
    flow(doc, "health-to-s47")["part_3"] = "SCH8_P4"
    (problem,) = problems(doc)
    assert "(health-to-s47).part_3" in problem


def test_an_active_agreement_needs_every_party_to_sign_and_a_completed_dpia() -> None:
    doc = mash()
    doc["signatories"] = [s for s in doc["signatories"] if s["agency"] != "probation"]
    doc["dpia"]["outcome"] = "high_residual_risk"
    found = problems(doc)
    assert any(
        "signatories: an active agreement needs a signatory for probation" in p for p in found
    )
    assert any("dpia.ico_prior_consultation" in p and "Art 36" in p for p in found)
    draft = copy.deepcopy(doc)
    draft["status"] = "draft"
    assert parse(draft, "draft.yaml").status is AgreementStatus.DRAFT


def test_dates_must_be_in_order() -> None:
    doc = mash()
    doc["review_by"] = "2030-01-01"
    (problem,) = problems(doc)
    assert problem == "mash.yaml: review_by: must not be after expires_on"


def test_every_problem_in_every_file_is_reported(tmp_path: Path) -> None:
    bad = mash()
    flow(bad, "health-to-mash")["items"].append("nonsense")
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(bad))
    (tmp_path / "b.yaml").write_text("id: [unclosed\n")
    (tmp_path / "c.yaml").write_text((EXAMPLES / "operation_encompass.yaml").read_text())
    with pytest.raises(AgreementInvalid) as caught:
        load_paths([tmp_path])
    found = caught.value.problems
    assert any(p.startswith(f"{tmp_path / 'a.yaml'}: flows[1]") for p in found)
    assert any(p.startswith(f"{tmp_path / 'b.yaml'}: not valid YAML") for p in found)
    assert len(found) == 2
    assert "(and 1 more)" in str(caught.value)


def test_the_same_id_and_version_twice_is_refused(tmp_path: Path) -> None:
    text = (EXAMPLES / "operation_encompass.yaml").read_text()
    (tmp_path / "one.yaml").write_text(text)
    (tmp_path / "two.yaml").write_text(text)
    with pytest.raises(AgreementInvalid, match="EXM-OE-002 v1 is also in"):
        load_paths([tmp_path])


def test_a_newer_version_supersedes_in_current() -> None:
    agreements = shipped_agreements()
    oe = next(a for a in agreements if a.id == "EXM-OE-002")
    newer = oe.model_copy(update={"version": 2})
    assert [a.key for a in current([*agreements, newer]) if a.id == "EXM-OE-002"] == [
        "EXM-OE-002 v2"
    ]
