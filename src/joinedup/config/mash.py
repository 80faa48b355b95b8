"""The MASH's own workflow: its timescales by RAG rating
([docs/governance.md](docs/governance.md#the-mash-case))."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import field_validator

from joinedup.config.base import Group, pairs, variable

RAGS = ("RED", "AMBER", "GREEN")
_SPAN = re.compile(r"^(\d{1,4})([mhd])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400}


def _seconds(text: str) -> int:
    match = _SPAN.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a time such as 4h, 90m or 3d")
    return int(match.group(1)) * _UNIT[match.group(2)]


class MashSettings(Group):
    timescales: dict[str, str] = variable(
        "JOINEDUP_MASH_TIMESCALES",
        {"RED": "4h", "AMBER": "24h", "GREEN": "72h"},
        "`red=4h,amber=24h,green=72h`: within how long of a MASH case's opening its decision is "
        "due, by its RAG rating (m, h or d); the partnership's own timescales",
        shown="`red=4h,amber=24h,green=72h`",
    )

    @field_validator("timescales", mode="before")
    @classmethod
    def _timescales(cls, value: Any) -> Any:
        given = pairs(value, "rating=time")
        found = {str(k).strip().upper(): str(v).strip() for k, v in given.items()}
        if set(found) != set(RAGS):
            raise ValueError("give a time for each of red, amber and green")
        for span in found.values():
            _seconds(span)
        return found

    def timescale(self, rag: str) -> timedelta:
        """How long after a case opens its decision is due, for this rating."""
        return timedelta(seconds=_seconds(self.timescales[rag]))
