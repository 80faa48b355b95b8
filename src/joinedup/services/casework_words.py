"""Plain words for what the single view shows: events and current statuses.

Written for a practitioner, not a data analyst: "Child protection plan (neglect)", not
``CP_PLAN ["NEG"]``. Codes not known here are shown as recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

# CIN census assessment factors (DfE CIN census guide), by the codes the SSD carries.
CIN_FACTORS = {
    "1A": "alcohol misuse (child)",
    "1B": "alcohol misuse (parent or carer)",
    "1C": "alcohol misuse (another person)",
    "2A": "drug misuse (child)",
    "2B": "drug misuse (parent or carer)",
    "2C": "drug misuse (another person)",
    "3A": "domestic abuse (child)",
    "3B": "domestic abuse (parent or carer)",
    "3C": "domestic abuse (another person)",
    "4A": "mental health (child)",
    "4B": "mental health (parent or carer)",
    "4C": "mental health (another person)",
    "5A": "learning disability (child)",
    "5B": "learning disability (parent or carer)",
    "5C": "learning disability (another person)",
    "6A": "physical disability or illness (child)",
    "6B": "physical disability or illness (parent or carer)",
    "6C": "physical disability or illness (another person)",
    "7A": "young carer",
    "8B": "privately fostered",
    "9A": "unaccompanied asylum-seeking child",
    "10A": "going or being missing",
    "11A": "child sexual exploitation",
    "12A": "trafficking",
    "13A": "gangs",
    "14A": "socially unacceptable behaviour",
    "15A": "self-harm",
    "16A": "neglect",
    "17A": "emotional abuse",
    "18A": "sexual abuse",
    "18B": "sexual abuse",
    "18C": "physical abuse",
    "19A": "physical abuse",
    "20": "other",
    "21": "no factors identified",
    "22A": "female genital mutilation",
    "23A": "abuse linked to faith or belief",
    "24A": "child criminal exploitation",
}
CP_CATEGORIES = {
    "NEG": "neglect",
    "EMO": "emotional abuse",
    "PHY": "physical abuse",
    "SAB": "sexual abuse",
    "MUL": "multiple categories",
}
EVENT_WORDS = {
    "CONTACT": "Contact to children's social care",
    "REFERRAL": "Referral (child in need episode)",
    "ASSESSMENT": "Child and family assessment",
    "ASSESSMENT_FACTORS": "Assessment factors",
    "S47_ENQUIRY": "Section 47 enquiry",
    "CP_PLAN": "Child protection plan",
    "LOOKED_AFTER": "Looked after",
    "MISSING_EPISODE": "Missing episode",
    "NRM_REFERRAL": "National Referral Mechanism referral",
    "EARLY_HELP": "Early help episode",
    "CHILD_IN_NEED": "Child in need",
    "CIN_PLAN": "Child in need plan",
    "CLA_REVIEW": "Looked-after review",
    "UASC_CEASED": "Ceased to be an unaccompanied asylum-seeking child",
    "EMER": "Emergency department attendance",
    "IMP": "Hospital admission",
    "AMB": "Outpatient or community appointment",
    "ATTENDANCE": "School attendance",
    "EXCLUSION_SUSP": "Suspension from school",
    "EXCLUSION_PERM": "Permanent exclusion",
}


def _words(code: str) -> str:
    return code.replace("_", " ").lower()


def event_label(agency: str, event_type: str, codes: list[Any], detail: dict[str, Any]) -> str:
    """One line for the timeline."""
    head = EVENT_WORDS.get(event_type)
    if event_type == "ASSESSMENT_FACTORS":
        factors = [CIN_FACTORS.get(str(c), str(c)) for c in codes]
        return f"{head}: {', '.join(factors)}" if factors else str(head)
    if event_type == "CP_PLAN":
        cats = sorted({CP_CATEGORIES.get(str(c), str(c)) for c in codes})
        return f"{head} ({', '.join(cats)})" if cats else str(head)
    if event_type == "ATTENDANCE":
        rate = detail.get("absence_rate")
        term = detail.get("term", "")
        if isinstance(rate, (int, float)):
            return f"{head} {term}: {rate:.0%} of sessions missed".strip()
        return f"{head} {term}".strip()
    if agency == "health" and event_type in ("EMER", "IMP", "AMB"):
        reasons = ", ".join(_words(str(c)) for c in codes)
        return f"{head}: {reasons}" if reasons else str(head)
    if agency == "police":
        level = (
            f" (DASH {str(codes[0]).lower()})" if codes and event_type == "DOMESTIC_ABUSE" else ""
        )
        return f"Police incident: {_words(event_type)}{level}"
    if head:
        return head
    return f"{_words(event_type).capitalize()}"


def _open_on(item: dict[str, Any], today: date) -> bool:
    ended = item.get("ended_on")
    return item["on"] <= today.isoformat() and (ended is None or ended >= today.isoformat())


def status_of(
    events: list[dict[str, Any]], today: date, police_since: date
) -> list[dict[str, Any]]:
    """Current statuses from the events the reader may see (so a withheld field never shows
    up as a status either): open CIN episode, CP plan, looked after, early help, school
    attendance this year, and recent police incidents."""
    out: list[dict[str, Any]] = []
    episodes = {
        "REFERRAL": "Child in need",
        "CP_PLAN": "Child protection plan",
        "LOOKED_AFTER": "Looked after",
        "EARLY_HELP": "Early help",
    }
    for event_type, title in episodes.items():
        current = [e for e in events if e["type"] == event_type and _open_on(e, today)]
        if current:
            latest = max(current, key=lambda e: e["on"])
            out.append(
                {
                    "status": title,
                    "agency": latest["agency"],
                    "since": latest["on"],
                    "open": True,
                    "detail": None,
                }
            )
    terms = [e for e in events if e["type"] == "ATTENDANCE"]
    if terms:
        latest = max(terms, key=lambda e: e["on"])
        out.append(
            {
                "status": "School",
                "agency": "education",
                "since": latest["on"],
                "open": True,
                "detail": latest["label"],
            }
        )
    police = [e for e in events if e["agency"] == "police" and e["on"] >= police_since.isoformat()]
    if police:
        out.append(
            {
                "status": "Police incidents in the last 90 days",
                "agency": "police",
                "since": min(e["on"] for e in police),
                "open": True,
                "detail": f"{len(police)} incident(s)",
            }
        )
    return out
