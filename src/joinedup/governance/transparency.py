"""The transparency report: what was looked at or shared about a person, by whom, when, why
and under which law, in words a 12-year-old can follow, built from the audit log.

DPA 2018 Schedule 3 exemptions are applied before anything is written: an entry whose
disclosure would be likely to cause serious harm (Parts 2 to 4: health, social work and
education data) is withheld from everyone, and child abuse data is withheld from a person
with parental responsibility (Part 5 para 21). An entry is exempt when it says so itself
(``details.serious_harm``, ``details.child_abuse_data`` or ``details.exemptions``), when a
data protection officer marked it later (``mark_exempt`` appends a ``SAR_EXEMPTION`` entry,
since the log is never edited), or, for child abuse data, when it is about a child
protection enquiry, child protection fields or an emergency access. Each withholding is
itself recorded in the audit log (``SAR_WITHHELD``), as is the report (``SUBJECT_ACCESS``).
Each entry in words, and its law, is ``governance.transparency_entries``'s (``describe`` is
importable from here too).
The report says the same neutral sentence about withholding whether or not anything was
withheld, so its wording never reveals that something was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from joinedup.errors import BadInput, NotFound
from joinedup.governance import transparency_words as say
from joinedup.governance.audit import append
from joinedup.governance.audit.log import AuditEntry
from joinedup.governance.audit.query import entries_about, entry_at
from joinedup.governance.transparency_entries import (
    REVIEWED,
    agreements_relied_on,
    describe,
    fields_of,
    law_of,
)
from joinedup.templating import environment

SERIOUS_HARM, CHILD_ABUSE = "serious_harm", "child_abuse"
REQUESTERS = ("self", "parent")
_READ_KINDS = ("ACCESS", "SHARE", "BREAK_GLASS", "BREAK_GLASS_REVIEW", "SAR_EXEMPTION",
               "CHILD_VOICE_RECORDED", *say.EXCHANGE_KINDS)  # fmt: skip
CHILD_ABUSE_FIELDS = frozenset(
    {"social_care.s47_enquiries", "social_care.cp_plans", "police.domestic_abuse"}
)
CHILD_ABUSE_PURPOSES = frozenset({"CHILD_PROTECTION_ENQUIRY"})
_SERIOUS_HARM_PART = {
    "health": "Part 2 (health data)",
    "social_care": "Part 3 (social work data)",
    "education": "Part 4 (education data)",
}


@dataclass(frozen=True, slots=True)
class Disclosure:
    seq: int
    day: str
    kind: str
    sentence: str
    law: str

    def text(self) -> str:
        return f"{self.sentence} The law that allowed it: {self.law}."


@dataclass(frozen=True, slots=True)
class Withholding:
    seq: int
    exemption: str
    law: str
    audit_seq: int | None


@dataclass
class TransparencyReport:
    person: str
    requester: str
    generated_at: datetime
    disclosures: list[Disclosure] = field(default_factory=list)
    refused_requests: int = 0
    withheld: list[Withholding] = field(default_factory=list)  # for the DPO, never the reader
    audit_seq: int | None = None

    def lines(self) -> list[str]:
        """The sentences the reader sees, in order."""
        lines = [d.text() for d in self.disclosures]
        if self.refused_requests:
            times = "once" if self.refused_requests == 1 else f"{self.refused_requests} times"
            lines.append(
                f"Someone asked to see information about you {times} and was not allowed to."
            )
        return [self._for_reader(line) for line in lines]

    def _for_reader(self, text: str) -> str:
        if self.requester != "parent":
            return text
        text = re.sub(r"\byour\b", "your child's", text)
        return re.sub(r"\byou\b", "your child", text)

    def to_markdown(self) -> str:
        """The report for the reader (no audit numbers, nothing about what was withheld)."""
        title = "your child's" if self.requester == "parent" else "your"
        out = [
            f"# What happened to {title} information",
            "",
            self._for_reader(
                f"This report is about {self.person}. It lists each time a "
                "service looked at or shared information about you through "
                f"joinedup, up to {say.when(self.generated_at.date())}."
            ),
            "",
        ]
        lines = self.lines() or [
            self._for_reader(
                "Nobody has looked at or shared information about you through joinedup."
            )
        ]
        out += [f"- {line}" for line in lines]
        out += [
            "",
            "## If you have questions",
            "",
            self._for_reader(
                "We may leave something out if telling you could put you or "
                "someone else at risk of serious harm. When that happens, it "
                "is written down and checked."
            ),
            "",
            "You can ask the council's data protection officer about anything here.",
        ]
        return "\n".join(out) + "\n"

    def blocks(self) -> list[tuple[str, Any]]:
        """The Markdown report as blocks for a template: ``("h1", text)``, ``("h2", text)``,
        ``("p", text)`` and ``("ul", [text, ...])`` (the file and the web app's page)."""
        blocks: list[tuple[str, Any]] = []
        for line in self.to_markdown().splitlines():
            if line.startswith("- "):
                if not blocks or blocks[-1][0] != "ul":
                    blocks.append(("ul", []))
                blocks[-1][1].append(line[2:])
            elif line.startswith(("# ", "## ")):
                level = line.index(" ")
                blocks.append((f"h{level}", line[level + 1 :]))
            elif line:
                blocks.append(("p", line))
        return blocks

    def to_html(self) -> str:
        """The Markdown report as a page (``templates/transparency.html.j2``, autoescaped)."""
        template = environment("joinedup.governance").get_template("transparency.html.j2")
        return template.render(blocks=self.blocks())

    def to_dict(self) -> dict[str, Any]:
        """For the operator and the DPO: includes the audit numbers and the withholdings."""
        return {
            "person": self.person,
            "requester": self.requester,
            "generated_at": self.generated_at.isoformat(),
            "lines": self.lines(),
            "disclosures": [
                {"seq": d.seq, "date": d.day, "kind": d.kind, "sentence": d.sentence, "law": d.law}
                for d in self.disclosures
            ],
            "refused_requests": self.refused_requests,
            "withheld": [
                {"seq": w.seq, "exemption": w.exemption, "law": w.law, "audit_seq": w.audit_seq}
                for w in self.withheld
            ],
            "audit_seq": self.audit_seq,
        }


def exemption_law(exemption: str, agency: str | None) -> str:
    """The provision relied on for a withholding."""
    if exemption == CHILD_ABUSE:
        return (
            "DPA 2018 Sch 3 Part 5 para 21 (child abuse data, request by a person with "
            "parental responsibility)"
        )
    part = _SERIOUS_HARM_PART.get(agency or "", "Parts 2 to 4")
    return f"DPA 2018 Sch 3 {part}: the serious harm test"


def exemptions_of(entry: AuditEntry, marked: set[str]) -> set[str]:
    """Every exemption that could apply to an entry (before asking who requests it)."""
    details = entry.details
    found = set(marked) | {str(e) for e in details.get("exemptions") or []}
    if details.get("serious_harm"):
        found.add(SERIOUS_HARM)
    if (
        details.get("child_abuse_data")
        or entry.purpose in CHILD_ABUSE_PURPOSES
        or CHILD_ABUSE_FIELDS & set(fields_of(entry))
        or entry.kind in ("BREAK_GLASS", "BREAK_GLASS_REVIEW")
    ):
        found.add(CHILD_ABUSE)
    return found


def mark_exempt(
    connection: Connection, seq: int, exemption: str, actor: str, note: str = ""
) -> AuditEntry:
    """Record the DPO's decision that entry ``seq`` is exempt (``serious_harm`` or
    ``child_abuse``) from transparency reports about its subject."""
    if exemption not in (SERIOUS_HARM, CHILD_ABUSE):
        raise BadInput(f"exemption must be {SERIOUS_HARM} or {CHILD_ABUSE}")
    target = entry_at(connection, seq)
    if target is None or target.subject is None:
        raise NotFound(f"no audit entry {seq} about a person")
    return append(
        connection,
        kind="SAR_EXEMPTION",
        actor=actor,
        purpose="SUBJECT_ACCESS",
        subject=target.subject,
        details={"applies_to_seq": seq, "exemption": exemption, "note": note},
    )


def build_report(
    connection: Connection,
    person: str,
    *,
    requester: str = "self",
    actor: str = "transparency",
    now: datetime | None = None,
) -> TransparencyReport:
    """The report about ``person`` for ``requester`` (``self`` or ``parent``), recording every
    withholding and the report itself in the audit log (in the caller's transaction)."""
    if requester not in REQUESTERS:
        raise BadInput(f"requester must be one of {', '.join(REQUESTERS)}")
    report = TransparencyReport(person, requester, now or datetime.now(UTC))
    entries = list(entries_about(connection, person, _READ_KINDS))
    marked: dict[int, set[str]] = {}
    reviews: dict[str, str] = {}
    for e in entries:
        if e.kind == "SAR_EXEMPTION":
            marked.setdefault(int(e.details.get("applies_to_seq", -1)), set()).add(
                str(e.details.get("exemption"))
            )
        elif e.kind == "BREAK_GLASS_REVIEW":
            reviews.setdefault(
                str(e.details.get("accessed_by")), REVIEWED.get(str(e.details.get("outcome")), "")
            )
    agreements = agreements_relied_on(connection, entries)
    for e in entries:
        if e.kind in ("SAR_EXEMPTION", "BREAK_GLASS_REVIEW"):
            continue
        exemptions = exemptions_of(e, marked.get(e.seq, set()))
        applied = (
            SERIOUS_HARM
            if SERIOUS_HARM in exemptions
            else (CHILD_ABUSE if requester == "parent" and CHILD_ABUSE in exemptions else None)
        )
        if applied:
            source = e.details.get("from_agency") or (fields_of(e) or ["?"])[0].split(".")[0]
            law = exemption_law(applied, source)
            withheld = append(
                connection,
                kind="SAR_WITHHELD",
                actor=actor,
                purpose="SUBJECT_ACCESS",
                subject=person,
                details={
                    "withheld_seq": e.seq,
                    "exemption": applied,
                    "law": law,
                    "requester": requester,
                },
            )
            report.withheld.append(Withholding(e.seq, applied, law, withheld.seq))
            continue
        sentence = describe(e, reviews.get(e.actor))
        if sentence is None:
            report.refused_requests += e.kind == "ACCESS"
            continue
        law = law_of(e, agreements)
        report.disclosures.append(
            Disclosure(e.seq, e.recorded_at.date().isoformat(), e.kind, sentence, law)
        )
    report.audit_seq = append(
        connection,
        kind="SUBJECT_ACCESS",
        actor=actor,
        purpose="SUBJECT_ACCESS",
        subject=person,
        details={
            "requester": requester,
            "disclosed": [d.seq for d in report.disclosures],
            "withheld": [w.seq for w in report.withheld],
            "refused_requests": report.refused_requests,
        },
    ).seq
    return report
