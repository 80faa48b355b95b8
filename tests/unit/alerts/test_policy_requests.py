"""An alert asks the policy decision point about catalogue fields only (issue 17: escalating a
rule with no fields asked for a made-up field ``_`` and the decision point's ``KeyError``
ended the worker). Every rule's fields are catalogue fields; a finding that names anything
else is refused by name before the policy is asked."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from joinedup.alerts.evaluate import Finding
from joinedup.alerts.raising import NotInCatalogue, access_request
from joinedup.alerts.rules import RULES
from joinedup.governance.catalogue import CATALOGUE
from tests.support.alerts import social_worker


def _finding(rule_id: str, details: dict) -> Finding:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    return Finding(RULES[rule_id], "P-1", [], "cause", date(2026, 11, 23), now, details, "s")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_shows_catalogue_fields_only(rule_id: str) -> None:
    assert set(RULES[rule_id].fields) <= CATALOGUE.keys()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_a_finding_of_the_rule_s_own_fields_asks_for_exactly_them(rule_id: str) -> None:
    rule = RULES[rule_id]
    request = access_request(_finding(rule_id, {f: {} for f in rule.fields}), social_worker("a"))
    if not rule.fields:  # nothing to decide: the policy is not asked
        assert request is None
    else:
        assert request is not None and request.fields == frozenset(rule.fields)


def test_a_detail_outside_the_catalogue_is_refused_by_name() -> None:
    finding = _finding("CP_IS", {"health.encounters": {}, "_": {}})
    with pytest.raises(NotInCatalogue, match=r"rule CP_IS .* outside the catalogue: _$"):
        access_request(finding, social_worker("a"))
