"""Whether a typed reason says something: the justification for breaking the glass, the
reason a MASH triage case is opened or closed.

A reason is read by the privacy officer who reviews the access; a reason that says nothing
("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "test test test test test", "asdf qwer zxcv uiop hjkl")
defeats the review. This is not a judge of the reason's merit, only a floor: enough words,
most of them different, most of them words (letters, with vowels), not a list of filler.
Hand-written: no library checks "is this sentence about something" for free text this short;
the rules are few and each has its test.
"""

from __future__ import annotations

import re

from joinedup.errors import BadInput

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_REPEATED = re.compile(r"(.)\1{4,}")
_VOWELS = set("aeiouyàáâäèéêëìíîïòóôöùúûüÿ")
# Words that carry no reason on their own: typed to get past a length check.
FILLER = frozenset(
    [
        "test",
        "testing",
        "tester",
        "tests",
        "asdf",
        "asdfg",
        "asdfgh",
        "qwer",
        "qwerty",
        "qwertyuiop",
        "zxcv",
        "zxcvb",
        "lorem",
        "ipsum",
        "dolor",
        "blah",
        "bla",
        "foo",
        "bar",
        "baz",
        "xxx",
        "yyy",
        "zzz",
        "abc",
        "abcd",
        "abcde",
        "none",
        "nil",
        "null",
        "na",
        "emergency",
        "urgent",
        "urgently",
        "please",
        "need",
        "needed",
        "access",
        "reason",
        "reasons",
        "because",
        "just",
        "some",
        "thing",
        "things",
        "stuff",
        "etc",
        "ok",
        "okay",
        "yes",
        "no",
        "the",
        "and",
        "for",
        "with",
        "this",
        "that",
        "have",
        "has",
        "was",
        "are",
    ]
)


def _looks_like_a_word(word: str) -> bool:
    lower = word.lower()
    return len(lower) >= 3 and any(c in _VOWELS for c in lower) and lower not in FILLER


def check_substance(
    text: str, *, what: str, min_chars: int, min_words: int, field: str | None = None
) -> str:
    """The reason, whitespace collapsed, if it says something; ``BadInput`` naming ``what``
    is needed otherwise."""
    clean = " ".join(text.split())
    words = _WORD.findall(clean)
    meaningful = {w.lower() for w in words if _looks_like_a_word(w)}
    letters = sum(c.isalpha() for c in clean)
    problem = None
    if len(clean) < min_chars or len(words) < min_words:
        problem = f"at least {min_words} words and {min_chars} characters"
    elif _REPEATED.search(clean.replace(" ", "")):
        problem = "words, not a character repeated"
    elif letters < 0.6 * len(clean.replace(" ", "")):
        problem = "words, not numbers or symbols"
    elif len(meaningful) < max(3, min_words // 2):
        problem = "what happened in your own words, not the same or filler words"
    if problem:
        raise BadInput(f"{what}: {problem}", field=field)
    return clean
