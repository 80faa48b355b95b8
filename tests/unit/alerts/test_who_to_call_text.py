"""An alert's email and webhook text say who to call and how (issue 19, finding 1): a name
with role and agency, a phone with its hours, a secure email and the out-of-hours line;
never an empty ``<>`` or a username."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from joinedup.alerts.channels import render_text, webhook_body


def _alert(contact: dict[str, object]) -> dict[str, object]:
    return {
        "id": 7,
        "title": "A concern was recorded",
        "child_person_id": "P-1",
        "due_at": datetime(2026, 12, 8, 9, tzinfo=UTC),
        "content": {"what_happened": "Sam Patel recorded a concern", "contact": contact},
    }


def test_a_person_to_call_with_phone_email_and_out_of_hours() -> None:
    text = render_text(
        _alert(
            {
                "name": "Sam Patel",
                "role": "Social Worker",
                "team": "Child Protection Team",
                "agency": "Children's social care",
                "phone": "07700 900123",
                "email": "sam.patel@exampleshire.gov.uk.example",
                "out_of_hours": {
                    "name": "Emergency Duty Team",
                    "phone": "01632 960007",
                    "hours": "5pm to 9am",
                },
            }
        )
    )
    assert (
        "Who to call: Sam Patel (Social Worker, Child Protection Team, Children's social care)"
        in text
    )
    assert "  Phone: 07700 900123\n" in text
    assert "  Secure email: sam.patel@exampleshire.gov.uk.example\n" in text
    assert "  Out of hours: Emergency Duty Team 01632 960007, 5pm to 9am\n" in text
    assert "<>" not in text


def test_a_duty_line_says_when_it_is_answered() -> None:
    text = render_text(
        _alert(
            {
                "name": "Police Safeguarding Hub",
                "role": "Duty line",
                "agency": "Police",
                "phone": "01632 960008",
                "hours": "Monday to Friday, 9am to 5pm",
            }
        )
    )
    assert "Who to call: Police Safeguarding Hub (Duty line, Police)" in text
    assert "  Phone: 01632 960008 (Monday to Friday, 9am to 5pm)\n" in text
    assert "Secure email" not in text and "<>" not in text


def test_a_webhook_carries_the_same_lines() -> None:
    alert = _alert({"name": "Police Safeguarding Hub", "phone": "01632 960008"})
    alert |= {
        "rule_id": "CONCERN_RECORDED",
        "recipient_kind": "LEAD",
        "recipient_agency": "education",
        "recipient_key": "dsl:100001",
        "raised_at": alert["due_at"],
    }
    body = json.loads(webhook_body(alert))
    assert body["who_to_call"] == "Who to call: Police Safeguarding Hub\n  Phone: 01632 960008"
    assert body["content"]["contact"]["phone"] == "01632 960008"


def test_the_email_reads_in_words_not_json_or_iso_timestamps() -> None:
    """Issue 19 finding 7 in the email: the details were JSON (``{"grade": "HIGH"}``) and the
    deadline Python's ``2026-12-08 09:00:00+00:00``."""
    alert = _alert({"name": "Sam Patel"})
    alert["content"]["details"] = {  # type: ignore[index]
        "dash_risk": {"grade": "HIGH", "child_present": True},
        "incident_date": "2026-12-06",
    }
    text = render_text(alert)
    assert "Dash risk: child present: yes; grade: HIGH" in text
    assert "Incident date: 6 December 2026" in text
    assert "Acknowledge by 8 December 2026 at 9:00am" in text
    assert "{" not in text and '"' not in text and "+00:00" not in text
