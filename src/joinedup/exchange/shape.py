"""What a summary between partnerships may hold, field by field: the document's keys and
each section's entries (``services.exchange_records`` writes exactly these).

The sender checks its summary against them before signing and the receiver checks what it
received before keeping any of it, so a field no agreement lets pass cannot ride inside an
allowed section (a note in a plan's entry, an address in a lead practitioner's) and a
wrongly shaped summary is refused in one line naming where, not with a traceback. A
partner's signature proves who sent a summary, not that it holds only what was agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.errors import BadInput, Forbidden

# The signed document's keys (``services.exchange.answer_requests``).
DOCUMENT_KEYS = frozenset(
    {"format", "from", "to", "ref", "purpose", "agreement", "flow", "made_at", "sections"}
)


def _date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 500


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


@dataclass(frozen=True)
class Field:
    check: Callable[[Any], bool]
    words: str
    optional: bool = False

    def fits(self, value: Any) -> bool:
        return (self.optional and value is None) or self.check(value)


DAY, TEXT = Field(_date, "an ISO date (YYYY-MM-DD)"), Field(_text, "text (at most 500 characters)")
MAYBE_DAY, MAYBE_TEXT = Field(_date, DAY.words, True), Field(_text, TEXT.words, True)
_EPISODE = {
    "started_on": DAY,
    "ended_on": MAYBE_DAY,
    "current": Field(_flag, "true or false", True),
}
ENTRIES: dict[str, dict[str, Field]] = {
    "cp_plans": _EPISODE,
    "looked_after": _EPISODE,
    "cin_episodes": _EPISODE,
    "lead_practitioners": {k: MAYBE_TEXT for k in ("name", "team", "email", "phone", "agency")},
    "recent_concerns": {"on": DAY, "kind": TEXT, "source": MAYBE_TEXT},
}


class Unagreed(Forbidden):
    """A field that is no section's (``terms.NotAgreed`` is raised for it, with the
    agreement's name)."""


def check_document(document: dict[str, Any]) -> None:
    """``Unagreed`` naming a key of the document outside ``DOCUMENT_KEYS``."""
    extra = sorted(set(document) - DOCUMENT_KEYS)
    if extra:
        raise Unagreed(f"the summary carries {', '.join(map(str, extra))}")


def check_sections(sections: Any) -> None:
    """``BadInput`` naming the first entry or field shaped wrongly; ``Unagreed`` naming the
    first field that is not its section's. Sections not in ``ENTRIES`` are left to the
    terms (which name the agreement)."""
    if not isinstance(sections, dict):
        raise BadInput("sections: expected an object of sections")
    for name, entries in sections.items():
        fields = ENTRIES.get(name)
        if fields is None:
            continue
        if not isinstance(entries, list):
            raise BadInput(f"sections.{name}: expected a list")
        for n, entry in enumerate(entries):
            where = f"{name}[{n}]"
            if not isinstance(entry, dict):
                raise BadInput(f"{where}: expected an object")
            extra = sorted(set(entry) - set(fields))
            if extra:
                raise Unagreed(f"{where}.{extra[0]}")
            for key, field in fields.items():
                if not field.fits(entry.get(key)):
                    raise BadInput(f"{where}.{key}: expected {field.words}")
