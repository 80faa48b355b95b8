"""One folding of people's names, so that linkage and search compare names the same way.

``fold`` takes a name as an agency recorded it and gives it in lower-case ASCII: every
letter is transliterated as the `anyascii` library writes it (ISC licence; maintained tables
for every script: accented letters lose their marks, "ł" is "l", "ß" "ss", "æ" "ae", Cyrillic
"Мария" is "mariya", Vietnamese "Nguyễn" "nguyen"), then case is folded (``str.casefold``).
"Woźniak", "WOZNIAK" and "Wozniak" all fold to "wozniak"; "Łukasz Öztürk" to "lukasz ozturk";
"Zoë" (composed or as "e" and a combining diaeresis) to "zoe". Spaces, hyphens and
apostrophes are kept ("O’Brien" is "o'brien").

Before issue 20 the folding was a hand-written table over Unicode decomposition (NFKD),
which left letters it did not list (other scripts, "ə", "ƒ") as they were: a name recorded
in Cyrillic by one agency and transliterated by another never met. The stored folded
surnames were refolded by migration ``0076_linkage_refold_names``.

Linkage cleans names with it (``linkage.features.clean_name``) and search matches and
looks names up with it (``services.search``, the stored ``person_record.surname_folded``).
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii


@lru_cache(maxsize=65_536)
def fold(value: str) -> str:
    """``value`` transliterated to ASCII and case-folded (see the module); spaces and
    punctuation are kept as they are (an ʻokina, transliterated as a backtick, is an
    apostrophe)."""
    return anyascii(value).casefold().replace("`", "'")


def folded_or_none(value: str | None) -> str | None:
    """``fold`` of a recorded name, None when none is recorded (what the store keeps)."""
    if value is None:
        return None
    text = " ".join(fold(value).split())
    return text or None
