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
The report says the same neutral sentence about withholding whether or not anything was
withheld, so its wording never reveals that something was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from joinedup.errors import BadInput, JoinedUpError, NotFound
from joinedup.governance import transparency_words as say
from joinedup.governance.audit import append
from joinedup.governance.audit.log import AuditEntry
from joinedup.governance.audit.query import entries_about, entry_at
from joinedup.templating import environment

SERIOUS_HARM, CHILD_ABUSE = "serious_harm", "child_abuse"
REQUESTERS = ("self", "parent")
_READ_KINDS = ("ACCESS", "SHARE", "BREAK_GLASS", "BREAK_GLASS_REVIEW", "SAR_EXEMPTION",
               "CHILD_VOICE_RECORDED", *say.EXCHANGE_KINDS)  # fmt: skip
# The law of an entry that is not a share under an agreement.
_KIND_LAW = {"BREAK_GLASS": say.EMERGENCY_LAW, "CHILD_VOICE_RECORDED": say.VOICE_LAW}
CHILD_ABUSE_FIELDS = frozenset(
    {"social_care.s47_enquiries", "social_care.cp_plans", "police.domestic_abuse"}
)
CHILD_ABUSE_PURPOSES = frozenset({"CHILD_PROTECTION_ENQUIRY"})
_SERIOUS_HARM_PART = {
    "health": "Part 2 (health data)",
    "social_care": "Part 3 (social work data)",
    "education": "Part 4 (education data)",
}
_REVIEWED = {
    "APPROPRIATE": "Someone checked afterwards and found it was the right thing to do.",
    "INAPPROPRIATE": "Someone checked afterwards, found it should not have happened, and is "
    "dealing with it.",
    "NEEDS_FOLLOW_UP": "Someone checked afterwards and is looking into it further.",
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


def _fields(entry: AuditEntry) -> list[str]:
    found = entry.details.get("allowed", entry.details.get("fields", []))
    return [str(f) for f in found] if isinstance(found, list) else []


def exemptions_of(entry: AuditEntry, marked: set[str]) -> set[str]:
    """Every exemption that could apply to an entry (before asking who requests it)."""
    details = entry.details
    found = set(marked) | {str(e) for e in details.get("exemptions") or []}
    if details.get("serious_harm"):
        found.add(SERIOUS_HARM)
    if (
        details.get("child_abuse_data")
        or entry.purpose in CHILD_ABUSE_PURPOSES
        or CHILD_ABUSE_FIELDS & set(_fields(entry))
        or entry.kind in ("BREAK_GLASS", "BREAK_GLASS_REVIEW")
    ):
        found.add(CHILD_ABUSE)
    return found


def _agreements(connection: Connection, entries: list[AuditEntry]) -> dict[str, Any]:
    """The agreement versions the entries relied on ("ID vN" -> Agreement), if the
    agreements capability is installed and its table exists."""
    wanted = {str(k) for e in entries for k in e.details.get("agreements") or []}
    if not wanted:
        return {}
    try:
        from joinedup.governance.agreement_store import get
    except ImportError:
        return {}
    found: dict[str, Any] = {}
    savepoint = connection.begin_nested()  # an older store may lack the agreements table
    try:
        for key in sorted(wanted):
            agreement_id, _, version = key.partition(" v")
            try:
                found[key] = get(
                    connection, agreement_id, int(version) if version.isdigit() else None
                )
            except NotFound:
                continue
        savepoint.commit()
    except (SQLAlchemyError, JoinedUpError):
        savepoint.rollback()
    return found


def _law(entry: AuditEntry, agreements: dict[str, Any]) -> str:
    """The law for an access or share, in plain words: what the entry says, else the terms of
    the agreement flows it relied on (source, recipient and purpose all matching), else,
    for a service's own data, its public task."""
    details = entry.details
    bases = [details["lawful_basis"]] if details.get("lawful_basis") else []
    gateways = list(details.get("gateways") or [])
    reader = details.get("agency") or details.get("to_agency") or details.get("recipient")
    fields = _fields(entry)
    for key in details.get("agreements") or []:
        for flow in getattr(agreements.get(str(key)), "flows", ()):
            if (
                reader in {r.value for r in flow.recipients}
                and (entry.purpose is None or entry.purpose in {p.value for p in flow.purposes})
                and any(f == f"{flow.source.value}.{i}" for f in fields for i in flow.items)
            ):
                bases.append(flow.lawful_basis.value)
                gateways += [g.value for g in flow.gateways]
    if not bases:
        own = all(f.split(".")[0] == (details.get("from_agency") or reader) for f in fields)
        return say.OWN_SERVICE_LAW if own else say.AGREEMENT_LAW
    text = say.join([say.lawful_basis(b) for b in bases])
    if gateways:
        text += f". It is also written in {say.join([say.gateway(g) for g in gateways])}"
    return text


def _what(entry: AuditEntry, reader: str | None) -> str:
    """One short sentence per service the information came from."""
    by_source: dict[str, list[str]] = {}
    for f in _fields(entry):
        by_source.setdefault(f.split(".")[0], []).append(say.item(f))
    return " ".join(
        f"From {'their own service' if source == reader else say.service(source)}: "
        f"{say.join(items)}."
        for source, items in by_source.items()
    )


def describe(entry: AuditEntry, review: str | None) -> str | None:
    """The plain sentences for one entry (None: nothing was shown, or nothing to say).
    Short sentences on purpose: who and what, then why."""
    d, day = entry.details, say.when(entry.recorded_at.date())
    who = f"{say.role(entry.actor_role)} from {say.service(d.get('agency'))}"
    why = f"They did it {say.purpose(entry.purpose)}."
    if entry.kind == "ACCESS":
        if not _fields(entry):
            return None
        emergency = " It was an emergency." if d.get("emergency") else ""
        return (
            f"On {day}, {who} looked at information about you. "
            f"{_what(entry, d.get('agency'))} {why}{emergency}"
        )
    if entry.kind == "SHARE":
        source, to = d.get("from_agency"), d.get("to_agency") or d.get("recipient")
        items = say.join([say.item(f) for f in _fields(entry)]) or "information about you"
        return (
            f"On {day}, {say.service(source)} shared information about you with "
            f"{say.service(to)}. They shared {items}. {why}"
        )
    if entry.kind in say.EXCHANGE_KINDS:
        return say.exchange(entry.kind, day, d, [say.item(f) for f in _fields(entry)], why)
    if entry.kind == "CHILD_VOICE_RECORDED":
        return (
            f"On {day}, {who} wrote down what you told them about what you want and how "
            f"you feel. {why}"
        )
    if entry.kind == "BREAK_GLASS":
        checked = review or "Someone checks every time this happens."
        return (
            f"On {day}, {who} opened your record in an emergency. They were worried you "
            f"might not be safe. {checked}"
        )
    return None


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
                str(e.details.get("accessed_by")), _REVIEWED.get(str(e.details.get("outcome")), "")
            )
    agreements = _agreements(connection, entries)
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
            source = e.details.get("from_agency") or (_fields(e) or ["?"])[0].split(".")[0]
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
        law = _KIND_LAW.get(e.kind) or _law(e, agreements)
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
