"""One folding of people's names, so that linkage and search compare names the same way.

``fold`` takes a name as an agency recorded it and gives it in lower-case ASCII letters:
Unicode compatibility decomposition (NFKD) splits each accented letter into its letter and
its marks ("ź" into "z" and an acute accent), the marks are dropped, and the letters that do
not decompose are transliterated as English-speaking practitioners type them ("ł" as "l",
"ß" as "ss", "æ" as "ae"). "Woźniak", "WOZNIAK" and "Wozniak" all fold to "wozniak";
"Łukasz Öztürk" to "lukasz ozturk". Case is folded with ``str.casefold`` (so "ẞ" too).

Linkage cleans names with it (``linkage.features.clean_name``) and search matches and
looks names up with it (``services.search``, the stored ``person_record.surname_folded``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters NFKD leaves whole, as they are written in English (after casefolding).
_TRANSLITERATION = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ı": "i",
        "ħ": "h",
        "ŀ": "l",
        "ŧ": "t",
        "ŋ": "ng",
        "ĸ": "k",
        "ſ": "s",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
    }
)


@lru_cache(maxsize=65_536)
def fold(value: str) -> str:
    """``value`` with case, accents and letters English keyboards lack folded away (see the
    module); spaces and punctuation are kept as they are."""
    lowered = value.casefold().translate(_TRANSLITERATION)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(
        _TRANSLITERATION
    )


def folded_or_none(value: str | None) -> str | None:
    """``fold`` of a recorded name, None when none is recorded (what the store keeps)."""
    if value is None:
        return None
    text = " ".join(fold(value).split())
    return text or None
