"""A refused use says who it is for and which purpose it needs in words (issue 19: the
refusal a practitioner reads in the browser); a purpose keeps its code in brackets, which is
what an API caller sends."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from joinedup.governance import uses
from joinedup.governance.purposes import Purpose
from joinedup.governance.roles import Role


@dataclass
class Caller:
    role: Role
    purpose: Purpose | None = None


def test_a_role_refusal_names_the_role_keeping_its_acronym() -> None:
    with pytest.raises(uses.UseRefused, match=r"^A MASH triage case is for: MASH practitioner$"):
        uses.TRIAGE_CASE.check(Caller(Role.SOCIAL_WORKER, Purpose.LEAD_PRACTITIONER_CASEWORK))


def test_a_purpose_refusal_names_the_purposes_in_words_with_their_codes() -> None:
    with pytest.raises(uses.UseRefused) as refused:
        uses.TRIAGE_CASE.check(Caller(Role.MASH_PRACTITIONER, Purpose.CHILD_PROTECTION_ENQUIRY))
    assert str(refused.value) == (
        "A MASH triage case needs the purpose MASH triage (MASH_TRIAGE),"
        " not child protection enquiry (CHILD_PROTECTION_ENQUIRY)"
    )
