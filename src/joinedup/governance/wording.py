"""Words and dates as a practitioner reads them: UK dates ("6 December 2026"), times in
Europe/London, and the titles of roles, agencies and purposes instead of their codes.

One place, so the pages, the alerts, the exports and the CLI's text output say the same thing.
The web app registers each function as a Jinja2 filter (``http/templating.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.roles import ROLE_RULES, Role

LONDON = ZoneInfo("Europe/London")


def _as_date(value: date | datetime | str | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return (
                datetime.fromisoformat(value)
                if "T" in value or " " in value
                else date.fromisoformat(value)
            )
        except ValueError:
            return None
    return value


def uk_date(value: date | datetime | str | None, missing: str = "not recorded") -> str:
    """``6 December 2026`` (a timestamp is shown as its London date)."""
    when = _as_date(value)
    if when is None:
        return missing if value in (None, "") else str(value)
    if isinstance(when, datetime):
        when = _london(when).date()
    return f"{when.day} {when:%B %Y}"


def uk_date_short(value: date | datetime | str | None, missing: str = "not recorded") -> str:
    """``06/12/2026``: for tables and exports where a column of long dates would not fit."""
    when = _as_date(value)
    if when is None:
        return missing if value in (None, "") else str(value)
    if isinstance(when, datetime):
        when = _london(when).date()
    return f"{when:%d/%m/%Y}"


def uk_datetime(value: datetime | str | None, missing: str = "not recorded") -> str:
    """``6 December 2026 at 11:41pm`` in London time (a date alone is shown as a date)."""
    when = _as_date(value)
    if when is None:
        return missing if value in (None, "") else str(value)
    if not isinstance(when, datetime):
        return uk_date(when)
    local = _london(when)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{suffix}"


def _london(when: datetime) -> datetime:
    """Stored timestamps without a zone are UTC (the store writes UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(LONDON)


def code_words(code: str | None) -> str:
    """A code read as words: ``LEAD_PRACTITIONER`` -> ``lead practitioner``."""
    return (code or "").replace("_", " ").lower()


def role_title(role: str | None) -> str:
    """The role's title from the role rules (``social_worker`` -> its title)."""
    try:
        return ROLE_RULES[Role(role or "")].title
    except ValueError:
        return code_words(role)


def agency_title(agency: str | None) -> str:
    """The agency's name (``social_care`` -> ``Children's social care``)."""
    try:
        return AGENCIES[AgencyId(agency or "")].name
    except ValueError:
        return code_words(agency)


def purpose_title(purpose: str | None) -> str:
    """The purpose's title (``LEAD_PRACTITIONER_CASEWORK`` -> its title)."""
    try:
        return PURPOSES[Purpose(purpose or "")].title
    except ValueError:
        return code_words(purpose)


FILTERS = {
    "uk_date": uk_date,
    "uk_date_short": uk_date_short,
    "uk_datetime": uk_datetime,
    "code_words": code_words,
    "role_title": role_title,
    "agency_title": agency_title,
    "purpose_title": purpose_title,
}
