""" "Why you see what you see", in sentences a practitioner reads (issue 19, finding 7).

In: the reader, the gate's decision on the single view, the agencies whose records the
subject has, the relationships found and the titles of the agreements. Out: a few sentences:
who the reader is and why they are looking; which relationship the records show (or that
none does); emergency access; then, agency by agency, whether its records are shared with the
reader for this purpose and under which agreement, or why not.

What it says follows what the single view shows (``services.casework._withheld``): a reader
shown nothing at all is not told which agencies know the person, since that alone would say
something (that the person is known to mental health services, say).

Pure (no store, no web framework): the service gives it the agreements' titles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from joinedup.governance.access import Decision
from joinedup.governance.purposes import PURPOSES, OwnScope, Relationship
from joinedup.governance.reader import Reader
from joinedup.governance.wording import agency_title, purpose_title, role_title

RELATIONSHIP_WORDS = {
    Relationship.INVOLVED.value: "you are involved with this child",
    Relationship.MASH_TRIAGE.value: "this child is on the MASH's triage list",
    Relationship.TEAM_CASELOAD.value: "this child is on your team's caseload",
    Relationship.SUBJECT_ACCESS_REQUEST.value: "there is an open subject access request",
    Relationship.ACCESS_REVIEW.value: "access to this child's record is under your review",
}
OWN_REACH = {
    OwnScope.ALL: "all of them",
    OwnScope.NO_FREE_TEXT: "their structured details, not free text",
    OwnScope.IDENTITY: "only who the child is",
}
DSA_PREFIX = "dsa/"


def _mid_sentence(title: str) -> str:
    """A title inside a sentence: 'Social worker' as 'social worker', 'MASH' kept."""
    words = title.split(" (")[0]
    if len(words) > 1 and words[1].isupper():
        return words
    return words[:1].lower() + words[1:]


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def agreement_of(policy_id: str) -> str | None:
    """The agreement a policy comes from (``dsa/EXM-EH-003/v1/flow`` -> ``EXM-EH-003``)."""
    if not policy_id.startswith(DSA_PREFIX):
        return None
    return policy_id.split("/")[1]


def in_sentences(
    reader: Reader,
    decision: Decision,
    agencies: Iterable[str],
    relationships: Iterable[str],
    agreement_titles: Mapping[str, str],
) -> list[str]:
    """Why the reader sees what they see (see the module)."""
    purpose = _mid_sentence(purpose_title(reader.purpose.value))
    who = _mid_sentence(role_title(reader.role.value))
    mine = agency_title(reader.agency.value)
    said = [f"You are {_article(who)} in {_mid_sentence(mine)}, looking for {purpose}."]
    found = [RELATIONSHIP_WORDS.get(r, r.replace("_", " ").lower()) for r in sorted(relationships)]
    if found:
        said.append(f"The records show that {_listed(found)}.")
    elif decision.emergency:
        said.append("The records show no relationship between you and this child.")
    if decision.emergency:
        said.append(
            "You are using emergency access: for a safeguarding purpose it stands in for a "
            "relationship for a short time, and the privacy officer will review it."
        )
    if not decision.allowed:
        said.append(
            f"You may not see this child's records for {purpose}: the records show no "
            "relationship between you and this child that this purpose needs (an "
            "involvement, your team's caseload, or the MASH's triage list)."
        )
        return said
    for agency in sorted(set(agencies)):
        said.append(_agency_sentence(reader, decision, agency, purpose, agreement_titles))
    return said


def _agency_sentence(
    reader: Reader,
    decision: Decision,
    agency: str,
    purpose: str,
    titles: Mapping[str, str],
) -> str:
    name = agency_title(agency)
    prefix = f"{agency}."
    shown = [f for f in decision.allowed_fields if f.startswith(prefix)]
    hidden = [f for f in decision.denied_fields if f.startswith(prefix)]
    if agency == reader.agency.value:
        reach = OWN_REACH[PURPOSES[reader.purpose].own_scope]
        return f"{name}'s records are your own agency's: for {purpose} you see {reach}" + (
            ", as far as the relationship allows." if hidden and shown else "."
        )
    if not shown:
        return (
            f"{name}'s records are not shared with you for {purpose}: no agreement shares "
            f"them with {_mid_sentence(agency_title(reader.agency.value))} for this purpose."
        )
    used = sorted(
        {
            titles.get(key, key)
            for o in decision.outcomes
            if o.allowed and o.field.startswith(prefix)
            for key in (agreement_of(p) for p in o.policy_ids)
            if key
        }
    )
    under = f" under the {_listed(used)}" if used else ""
    some = "Some of " if hidden else ""
    rest = "; the rest are not shared for this purpose" if hidden else ""
    subject = f"{some}{name}'s records" if not some else f"Some of {name}'s records"
    return f"{subject} are shared with you for {purpose}{under}{rest}."
