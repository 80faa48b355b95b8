"""Agreements between partnerships (issue 24): the same YAML with both partnerships as
parties; validation names what is wrong; the DSA document covers it; the exchange's terms
come from it and refuse what it does not let pass."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from joinedup.governance.agreements import EXAMPLES, AgreementInvalid, load_paths, parse
from joinedup.governance.compiler import compile_policies
from joinedup.governance.documents import dsa_markdown

BETWEEN = EXAMPLES / "between" / "exampleshire_otherbury.yaml"
ON = date(2026, 12, 7)


def document() -> dict[str, Any]:
    return dict(yaml.safe_load(BETWEEN.read_text()))


def test_the_shipped_agreement_between_exampleshire_and_otherbury_is_valid() -> None:
    (agreement,) = load_paths([BETWEEN])
    assert agreement.between == ("exampleshire", "otherbury")
    assert {(p.partnership, p.agency.value) for p in agreement.parties} == {
        ("exampleshire", "social_care"), ("otherbury", "social_care")}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["parties"][1].update(partnership="eastmarch"),
         "parties[1].partnership: must be one of exampleshire, otherbury"),
        (lambda d: d["flows"][0].update(to_partnership="exampleshire"),
         "to_partnership: a flow between partnerships goes to the other one"),
        (lambda d: d["flows"][0].pop("from_partnership"),
         "from_partnership: a flow between partnerships names both partnerships"),
        (lambda d: d["flows"][0].update(to=["police"]),
         "to: police of otherbury is not a party"),
        (lambda d: d["signatories"].pop(),
         "signatories: an active agreement needs a signatory for social_care of otherbury"),
        (lambda d: d.update(between=["exampleshire"]),
         "between: name the two partnerships"),
        (lambda d: d["flows"][0]["items"].append("mental_health"),
         "unknown data item 'mental_health' of social_care"),
    ],
)  # fmt: skip
def test_what_is_wrong_is_named(change: Any, problem: str) -> None:
    data = document()
    change(data)
    with pytest.raises(AgreementInvalid) as raised:
        parse(data, "between.yaml")
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_the_dsa_document_covers_an_agreement_between_partnerships() -> None:
    (agreement,) = load_paths([BETWEEN])
    text = dsa_markdown(agreement, ON)
    assert "| Between partnerships | exampleshire and otherbury |" in text
    assert "Children's social care of Exampleshire to Children's social care of Otherbury" in text
    assert "from the last 12 months only" in text
    assert "Otherbury City Council (Children's Services)" in text  # its signatory's


def test_it_grants_no_access_within_a_partnership(tmp_path: Path) -> None:
    """The exchange uses it; the access policies of one store do not."""
    (agreement,) = load_paths([BETWEEN])
    with_it = compile_policies([agreement])
    without = compile_policies([])
    assert with_it.text == without.text


def test_the_exchange_terms_come_from_it_and_refuse_what_it_does_not_allow() -> None:
    from joinedup.exchange.terms import NotAgreed, terms_for

    (agreement,) = load_paths([BETWEEN])
    terms = terms_for([agreement], "exampleshire", "otherbury", ON)
    assert terms.flow == "exampleshire-to-otherbury" and terms.within_months == 12
    assert set(terms.sections) == {"cp_plans", "looked_after", "cin_episodes",
                                   "lead_practitioners", "recent_concerns"}  # fmt: skip
    with pytest.raises(NotAgreed, match="does not let pass: family"):
        terms.check({"cp_plans": [], "family": []}, ON)
    with pytest.raises(NotAgreed, match="no agreement in force lets exampleshire share with"):
        terms_for([agreement], "exampleshire", "eastmarch", ON)
    with pytest.raises(NotAgreed):
        terms_for([agreement], "exampleshire", "otherbury", date(2030, 1, 1))  # expired
