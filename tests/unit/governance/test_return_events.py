"""The events of the returns social care already makes are placed under the same catalogue
fields as the SSD's, so that agreements decide on them (a datum with no field is never
shown: without this map every return's event would be hidden)."""

from __future__ import annotations

import pytest

from joinedup.governance.data_map import event_field


@pytest.mark.parametrize(
    ("table", "event_type", "field"),
    [
        ("cin_child", "REFERRAL", "social_care.cin_episodes"),
        ("cin_child", "ASSESSMENT_FACTORS", "social_care.assessments"),
        ("cin_child", "S47_ENQUIRY", "social_care.s47_enquiries"),
        ("cin_child", "CP_PLAN", "social_care.cp_plans"),
        ("cin_child", "CIN_PLAN", "social_care.cin_episodes"),
        ("ssda903_episodes", "LOOKED_AFTER", "social_care.looked_after"),
        ("ssda903_missing", "MISSING_EPISODE", "social_care.missing_episodes"),
        ("ssda903_reviews", "CLA_REVIEW", "social_care.looked_after"),
        ("annex_a_list_1", "CONTACT", "social_care.contacts"),
        ("annex_a_list_6", "CHILD_IN_NEED", "social_care.cin_episodes"),
        ("annex_a_list_2", "EARLY_HELP", "social_care.early_help"),
    ],
)
def test_return_events_have_the_ssd_fields(table: str, event_type: str, field: str) -> None:
    assert event_field("social_care", table, event_type, []) == field


def test_an_unknown_event_of_a_return_is_not_shown() -> None:
    assert event_field("social_care", "cin_child", "SOMETHING_NEW", []) is None
    assert event_field("social_care", "not_a_return", "REFERRAL", []) is None
