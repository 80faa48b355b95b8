"""Red team (issue 24): moving a transfer-in case on with input that cannot be right is
refused naming the field (the API and the page both call ``exchange_transfer.move``), not
stored cut short or impossible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from joinedup.errors import BadInput
from joinedup.services import exchange_transfer

from .conftest import Pair
from .test_exchange_flow import run

NOW = datetime.now(UTC)


def test_an_outcome_too_long_to_keep_whole_is_refused_not_cut_short(pair: Pair) -> None:
    run(pair)
    case = exchange_transfer.cases(pair.b, NOW)[0]
    outcome = "The plan continues under Otherbury. " * 60  # 2,160 characters
    with pytest.raises(BadInput, match="at most 2,000 characters") as refused:
        exchange_transfer.move(pair.b, case["case_id"], "CLOSED", "mash", NOW, outcome=outcome)
    assert refused.value.field == "outcome"
    assert exchange_transfer.cases(pair.b, NOW)[0]["status"] == "OPEN"


def test_a_conference_before_the_case_opened_is_refused(pair: Pair) -> None:
    run(pair)
    case = exchange_transfer.cases(pair.b, NOW)[0]
    before = (NOW - timedelta(days=40)).date()
    with pytest.raises(BadInput, match="before the case opened") as refused:
        exchange_transfer.move(pair.b, case["case_id"], "CONFERENCE_BOOKED", "mash", NOW,
                               conference_on=before)  # fmt: skip
    assert refused.value.field == "conference_on"
    assert exchange_transfer.cases(pair.b, NOW)[0]["status"] == "OPEN"
