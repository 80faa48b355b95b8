"""Dates and codes as a practitioner reads them (issue 19: no ISO dates or enums on screen)."""

from datetime import UTC, date, datetime

from joinedup.governance.wording import (
    agency_title,
    code_words,
    purpose_title,
    role_title,
    uk_date,
    uk_date_short,
    uk_datetime,
)


def test_dates_read_the_british_way() -> None:
    assert uk_date(date(2026, 12, 6)) == "6 December 2026"
    assert uk_date("2015-02-03") == "3 February 2015"
    assert uk_date_short("2015-02-03") == "03/02/2015"
    assert uk_date(None) == "not recorded"
    assert uk_date("", missing="unknown") == "unknown"


def test_timestamps_are_london_time_without_microseconds() -> None:
    # 23:41 UTC in December is 23:41 in London; in July it is an hour later (BST).
    assert uk_datetime("2026-12-06 23:41:57.568611") == "6 December 2026 at 11:41pm"
    assert uk_datetime(datetime(2026, 7, 6, 23, 30, tzinfo=UTC)) == "7 July 2026 at 12:30am"
    assert uk_date(datetime(2026, 7, 6, 23, 30, tzinfo=UTC)) == "7 July 2026"


def test_codes_become_titles() -> None:
    assert agency_title("social_care") == "Children's social care"
    assert agency_title("nowhere") == "nowhere"
    assert "_" not in role_title("social_worker")
    assert "_" not in purpose_title("LEAD_PRACTITIONER_CASEWORK")
    assert code_words("SECTION_47") == "section 47"


def test_text_that_is_not_a_date_is_shown_as_given() -> None:
    assert uk_date("sometime in 2015") == "sometime in 2015"
