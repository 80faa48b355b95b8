"""Which passwords an account may have (NCSC password guidance).

Length, not complexity rules: at least ``MIN_PASSWORD_CHARS`` characters (three random words
make a good one), and not one that attackers try first. Refused: a password of spaces alone
(or of one character repeated), one that contains the username, and one on the deny-list of
common and breached passwords (``data/common-passwords.txt.gz``, with its sources and
licences in ``data/README.md``), compared without regard to case, and again with any
trailing digits and symbols taken off (``password1234`` and ``Password1!`` are ``password``).
"""

from __future__ import annotations

import gzip
import string
from functools import cache
from importlib import resources

from joinedup.errors import BadInput

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1000  # what the sign-in form and the API accept
_TRAILING = string.digits + string.punctuation + string.whitespace


@cache
def common_passwords() -> frozenset[str]:
    """The deny-list, lower case (read once, on first use: about 40,000 entries)."""
    data = resources.files("joinedup.accounts").joinpath("data/common-passwords.txt.gz")
    with data.open("rb") as handle:
        return frozenset(gzip.decompress(handle.read()).decode("utf-8").split("\n")) - {""}


def is_common(password: str) -> bool:
    """On the deny-list, whatever its case, with or without its trailing digits and
    symbols."""
    lowered = password.strip().lower()
    stripped = lowered.rstrip(_TRAILING)
    listed = common_passwords()
    return lowered in listed or (bool(stripped) and stripped in listed)


def check_new_password(password: str, username: str) -> None:
    """``BadInput`` with the reason when ``password`` may not be set for ``username``."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInput(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadInput(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if not password.strip():
        raise BadInput("a password cannot be spaces alone")
    if len(set(password)) == 1:
        raise BadInput("a password cannot be one character repeated")
    name = username.strip().lower()
    local_part = name.split("@", 1)[0]
    lowered = password.lower()
    if name and (name in lowered or (len(local_part) >= 4 and local_part in lowered)):
        raise BadInput("a password cannot contain the username")
    if is_common(password):
        raise BadInput(
            "that password is on a list of common and breached passwords that attackers try "
            "first: choose another (three random words make a good one)"
        )
