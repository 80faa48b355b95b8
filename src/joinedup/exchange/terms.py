"""What an agreement between two partnerships lets pass from one to the other, and the
refusal of anything else.

``terms_for`` finds the in-force agreement whose flow goes from our partnership's children's
social care to the partner's, for the purpose; ``Terms.check`` refuses a summary holding a
section the flow does not name, or a dated entry older than its ``within_months``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.errors import Forbidden
from joinedup.exchange import shape
from joinedup.governance.agreements import Agreement
from joinedup.governance.between_partnerships import flows_for

PURPOSE = "CHILD_MOVED_AREA"
# Each section of a summary and the data items (of children's social care) it needs.
SECTIONS: dict[str, frozenset[str]] = {
    "cp_plans": frozenset({"cp_plans"}),
    "looked_after": frozenset({"looked_after"}),
    "cin_episodes": frozenset({"cin_episodes"}),
    "lead_practitioners": frozenset({"allocated_worker", "practitioner_contacts"}),
    "recent_concerns": frozenset({"contacts"}),
}
DATED = ("cp_plans", "looked_after", "cin_episodes", "recent_concerns")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class NotAgreed(Forbidden):
    """No agreement lets this pass."""


@dataclass(frozen=True)
class Terms:
    agreement: str  # "ID vN"
    flow: str
    items: frozenset[str]
    within_months: int | None
    lawful_basis: str
    gateways: tuple[str, ...]

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(s for s, needs in SECTIONS.items() if needs <= self.items)

    def since(self, today: date) -> date | None:
        return None if self.within_months is None else months_before(today, self.within_months)

    @property
    def fields(self) -> list[str]:
        return sorted(f"social_care.{i}" for i in self.items)

    def check(self, sections: dict[str, Any], today: date) -> None:
        """``NotAgreed`` when ``sections`` hold what the agreement does not let pass, a
        section or a field of an entry (``shape``); ``BadInput`` when shaped wrongly."""
        try:
            shape.check_sections(sections)
        except shape.Unagreed as field:
            raise NotAgreed(f"agreement {self.agreement} ({self.flow}) does not let pass: "
                            f"{field}") from None  # fmt: skip
        extra = sorted(set(sections) - set(self.sections))
        if extra:
            raise NotAgreed(
                f"agreement {self.agreement} ({self.flow}) does not let pass: {', '.join(extra)}"
            )
        since = self.since(today)
        if since is None:
            return
        for name in DATED:
            for entry in sections.get(name) or []:
                ended = entry.get("ended_on") or entry.get("on")
                if ended and date.fromisoformat(str(ended)) < since:
                    raise NotAgreed(
                        f"agreement {self.agreement} lets pass {name} from the last "
                        f"{self.within_months} months only"
                    )


def terms_for(agreements: Iterable[Agreement], ours: str, partner: str, today: date) -> Terms:
    """The terms of the first in-force agreement with a flow from ``ours`` to ``partner``
    for the purpose; ``NotAgreed`` when there is none."""
    for agreement in sorted(agreements, key=lambda a: (a.id, -a.version)):
        if not agreement.between or not agreement.in_force(today):
            continue
        if {ours, partner} != set(agreement.between):
            continue
        for flow in flows_for(agreement, ours, partner, PURPOSE):
            if flow.source.value != "social_care":
                continue
            return Terms(
                agreement.key,
                flow.id,
                frozenset(flow.items),
                flow.within_months,
                flow.lawful_basis.value,
                tuple(g.value for g in flow.gateways),
            )
    raise NotAgreed(f"no agreement in force lets {ours} share with {partner} for {PURPOSE}")
