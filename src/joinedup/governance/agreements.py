"""Data sharing agreements as data: the model, its validation, and loading from YAML.

An agreement carries the fields the ICO data sharing code asks a DSA to record: the parties
and their controller roles, the purposes, the data items each source agency shares (field
level, from the catalogue), the lawful basis and Art 9 / Art 10 / Part 3 conditions, the
statutory gateways, the necessity statement, the DPIA, retention, security classification,
review date and signatories. One YAML file holds one agreement (or several, as YAML
documents). ``load_paths`` returns validated ``Agreement``s or raises ``AgreementInvalid``
listing every problem as ``file: field path: message``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from joinedup.domain.agencies import AgencyId
from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, yaml_documents
from joinedup.errors import BadInput
from joinedup.governance import between_partnerships
from joinedup.governance.catalogue import CATALOGUE, items_of
from joinedup.governance.law import (
    AgreementStatus,
    Article9Condition,
    Article10Condition,
    Classification,
    ControllerRole,
    DpiaOutcome,
    Gateway,
    LawfulBasis,
    Part3Condition,
)
from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.roles import ROLE_RULES, Role

EXAMPLES = Path(__file__).parent / "examples"
_DURATION = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$")
_SLUG = r"^[a-z0-9][a-z0-9-]{1,59}$"


class AgreementInvalid(BadInput):
    """One or more agreements failed validation; ``problems`` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "invalid agreement")


class _Model(BaseModel):
    # Unknown keys are errors: a misspelt "lawfull_basis" must not silently vanish.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Party(_Model):
    agency: AgencyId
    organisation: str = Field(min_length=3)
    controller_role: ControllerRole
    ico_registration: str | None = Field(default=None, pattern=r"^(Z\d{7}|ZA\d{6}|ZB\d{6})$")
    contact: str = Field(min_length=3)
    # Between partnerships (``Agreement.between``): which partnership's agency this party is.
    partnership: str | None = Field(default=None, pattern=_SLUG)


class Retention(_Model):
    period: str  # ISO 8601 duration, e.g. P6Y
    starts: str = Field(min_length=3)  # from what the period runs
    disposal: str = Field(default="secure deletion", min_length=3)

    @field_validator("period")
    @classmethod
    def _iso_duration(cls, value: str) -> str:
        if not _DURATION.match(value):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as P6Y or P18M")
        return value

    def describe(self) -> str:
        match = _DURATION.match(self.period)
        years, months, days = match.groups() if match else (None, None, None)
        parts = [
            f"{int(v[:-1])} {unit}{'s' if int(v[:-1]) != 1 else ''}"
            for v, unit in ((years, "year"), (months, "month"), (days, "day"))
            if v
        ]
        return f"{' '.join(parts)} from {self.starts}; then {self.disposal}"


class Flow(_Model):
    """What one source agency shares with which recipient agencies and roles, for which
    purposes, on which legal terms."""

    id: str = Field(pattern=_SLUG)
    source: AgencyId = Field(alias="from")
    recipients: tuple[AgencyId, ...] = Field(alias="to", min_length=1)
    recipient_roles: tuple[Role, ...] = Field(min_length=1)
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    items: tuple[str, ...] = Field(min_length=1)
    lawful_basis: LawfulBasis
    article_9: Article9Condition | None = None
    article_10: Article10Condition | None = None
    part_3: Part3Condition | None = None
    gateways: tuple[Gateway, ...] = ()
    necessity: str = Field(min_length=40)
    retention: Retention
    legitimate_interests_assessment: str | None = None
    # Between partnerships: the source's and the recipients' partnerships, and how far back
    # dated items (concerns) may reach, in months.
    from_partnership: str | None = Field(default=None, pattern=_SLUG)
    to_partnership: str | None = Field(default=None, pattern=_SLUG)
    within_months: int | None = Field(default=None, ge=1, le=120)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f"{self.source.value}.{item}" for item in self.items)


class Signatory(_Model):
    name: str = Field(min_length=3)
    job_title: str = Field(min_length=3)
    agency: AgencyId
    signed_on: date
    partnership: str | None = Field(default=None, pattern=_SLUG)  # between partnerships


class Dpia(_Model):
    reference: str = Field(min_length=3)
    outcome: DpiaOutcome
    completed_on: date | None = None
    residual_risks: tuple[str, ...] = ()
    ico_prior_consultation: str | None = None


class Agreement(_Model):
    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,59}$")
    version: int = Field(ge=1)
    title: str = Field(min_length=5)
    status: AgreementStatus
    partnership: str = Field(min_length=2)
    summary: str = ""
    parties: tuple[Party, ...] = Field(min_length=2)
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    flows: tuple[Flow, ...] = Field(min_length=1)
    effective_from: date
    expires_on: date | None = None
    review_by: date
    security_classification: Classification
    security_measures: tuple[str, ...] = ()
    transparency: str = ""
    confidentiality: str = ""  # the common-law duty of confidence: how it is met
    dpia: Dpia
    signatories: tuple[Signatory, ...] = ()
    # An agreement between partnerships names them (slugs); empty: within one partnership.
    between: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.id} v{self.version}"

    def in_force(self, on: date) -> bool:
        """Active and within its dates on ``on`` (an agreement past its review date stays in
        force; ``review_overdue`` says so)."""
        return (
            self.status is AgreementStatus.ACTIVE
            and self.effective_from <= on
            and (self.expires_on is None or on <= self.expires_on)
        )

    def review_overdue(self, on: date) -> bool:
        return self.review_by < on

    def why_not_in_force(self, on: date) -> str:
        if self.status is not AgreementStatus.ACTIVE:
            return f"agreement {self.key} is {self.status.value.replace('_', ' ')}"
        if on < self.effective_from:
            return f"agreement {self.key} takes effect on {self.effective_from.isoformat()}"
        if self.expires_on is not None and on > self.expires_on:
            return f"agreement {self.key} expired on {self.expires_on.isoformat()}"
        return f"agreement {self.key} is in force"

    def party(self, agency: AgencyId) -> Party | None:
        return next((p for p in self.parties if p.agency is agency), None)

    def to_document(self) -> dict[str, Any]:
        """The agreement as plain JSON-able data (the YAML keys), for the store."""
        return self.model_dump(mode="json", by_alias=True)


def semantic_problems(agreement: Agreement) -> list[str]:
    """What the types cannot say: cross-references, legal conditions, dates, sign-off."""
    if agreement.between:
        return between_partnerships.problems(agreement, flow_problems, sign_off_problems)
    problems: list[str] = []
    parties = {p.agency for p in agreement.parties}
    if len(parties) != len(agreement.parties):
        problems.append("parties: an agency is listed twice")
    flow_ids = [f.id for f in agreement.flows]
    for dup in sorted({i for i in flow_ids if flow_ids.count(i) > 1}):
        problems.append(f"flows: flow id {dup!r} is used twice")
    for n, flow in enumerate(agreement.flows):
        problems += [f"flows[{n}] ({flow.id}).{p}" for p in flow_problems(agreement, flow)]
    if agreement.expires_on is not None:
        if agreement.expires_on <= agreement.effective_from:
            problems.append("expires_on: must be after effective_from")
        if agreement.review_by > agreement.expires_on:
            problems.append("review_by: must not be after expires_on")
    for n, s in enumerate(agreement.signatories):
        if s.agency not in parties:
            problems.append(f"signatories[{n}].agency: {s.agency.value} is not a party")
    if agreement.status is AgreementStatus.ACTIVE:
        problems += sign_off_problems(agreement, parties)
    return problems


def flow_problems(agreement: Agreement, flow: Flow) -> list[str]:
    problems: list[str] = []
    parties = {p.agency for p in agreement.parties}
    if not agreement.between:
        if flow.source not in parties:
            problems.append(f"from: {flow.source.value} is not a party to the agreement")
        for agency in flow.recipients:
            if agency not in parties:
                problems.append(f"to: {agency.value} is not a party to the agreement")
            if agency is flow.source:
                problems.append(f"to: {agency.value} is the source (own data needs no agreement)")
    known = [d.item for d in items_of(flow.source)]
    for n, item in enumerate(flow.items):
        if f"{flow.source.value}.{item}" not in CATALOGUE:
            problems.append(
                f"items[{n}]: unknown data item {item!r} of {flow.source.value} "
                f"(known: {', '.join(known)})"
            )
    data = [CATALOGUE[f] for f in flow.fields if f in CATALOGUE]
    special = [d.item for d in data if d.special_category]
    criminal = [d.item for d in data if d.criminal_offence]
    if special and flow.article_9 is None:
        problems.append(
            f"article_9: {', '.join(special)} is special category data (UK GDPR Art 9): "
            "name the Art 9 condition and its DPA 2018 Sch 1 condition"
        )
    if flow.article_9 is not None and not special:
        problems.append("article_9: set, but no item of this flow is special category data")
    if criminal and flow.article_10 is None:
        problems.append(
            f"article_10: {', '.join(criminal)} is criminal offence data (UK GDPR Art 10): "
            "name the DPA 2018 s10(5) / Sch 1 condition"
        )
    if flow.article_10 is not None and not criminal:
        problems.append("article_10: set, but no item of this flow is criminal offence data")
    if flow.part_3 is not None and AgencyId.POLICE not in flow.recipients:
        problems.append("part_3: a Part 3 (law enforcement) condition needs police as recipient")
    if flow.lawful_basis in (LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGAL_OBLIGATION) and (
        not flow.gateways
    ):
        problems.append(
            f"gateways: {flow.lawful_basis.value} needs a basis in law (UK GDPR Art 6(3)): "
            "name the statutory gateway"
        )
    if flow.lawful_basis is LawfulBasis.LEGITIMATE_INTERESTS and not (
        flow.legitimate_interests_assessment
    ):
        problems.append("legitimate_interests_assessment: required for legitimate interests")
    for n, p in enumerate(flow.purposes):
        if p not in agreement.purposes:
            problems.append(f"purposes[{n}]: {p.value} is not one of the agreement's purposes")
        if not PURPOSES[p].shareable:
            problems.append(
                f"purposes[{n}]: {p.value} is for an agency's own records only; it cannot "
                "be a purpose of sharing"
            )
    for n, role in enumerate(flow.recipient_roles):
        rule = ROLE_RULES[role]
        if not rule.purposes & set(flow.purposes):
            problems.append(
                f"recipient_roles[{n}]: {role.value} may not declare any of this flow's "
                f"purposes ({', '.join(p.value for p in flow.purposes)})"
            )
        elif not rule.agencies & set(flow.recipients):
            problems.append(f"recipient_roles[{n}]: no recipient agency employs a {role.value}")
    return problems


def sign_off_problems(agreement: Agreement, parties: set[AgencyId]) -> list[str]:
    problems: list[str] = []
    signed = {s.agency for s in agreement.signatories}
    for agency in sorted(parties - signed):
        problems.append(f"signatories: an active agreement needs a signatory for {agency.value}")
    if agreement.dpia.outcome is DpiaOutcome.NOT_STARTED:
        problems.append("dpia.outcome: an active agreement needs a completed DPIA")
    if (
        agreement.dpia.outcome is DpiaOutcome.HIGH_RESIDUAL_RISK
        and not agreement.dpia.ico_prior_consultation
    ):
        problems.append(
            "dpia.ico_prior_consultation: high residual risk needs prior consultation with "
            "the ICO (UK GDPR Art 36) before the agreement is active"
        )
    return problems


def parse(data: Any, source: str) -> Agreement:
    """Validate one agreement's data; raises ``AgreementInvalid`` naming ``source``."""
    if not isinstance(data, dict):
        raise AgreementInvalid([f"{source}: an agreement must be a mapping of fields"])
    try:
        agreement = Agreement.model_validate(data)
    except ValidationError as error:
        raise AgreementInvalid(
            [f"{source}: {_location(data, e['loc'])}: {e['msg']}" for e in error.errors()]
        ) from None
    problems = semantic_problems(agreement)
    if problems:
        raise AgreementInvalid([f"{source}: {p}" for p in problems])
    return agreement


def _location(data: Any, loc: tuple[Any, ...]) -> str:
    """A pydantic error location as ``flows[2] (health-to-mash).items[1]``."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "id" in node and out.startswith("flows"):
                out += f" ({node['id']})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(agreement)"


def load_file(path: Path) -> list[Agreement]:
    """Every agreement in one YAML file (one per YAML document)."""
    try:
        text = path.read_text(encoding="utf-8")
        documents = [d for d in yaml_documents(text) if d]
    except yaml.YAMLError as error:
        raise AgreementInvalid([f"{path}: not valid YAML: {error}"]) from None
    except NestedTooDeep:
        raise AgreementInvalid([f"{path}: {TOO_DEEP}"]) from None
    except UnicodeDecodeError:
        raise AgreementInvalid([f"{path}: is not UTF-8 text"]) from None
    except OSError as error:
        raise AgreementInvalid([f"{path}: cannot be read: {error.strerror}"]) from None
    if not documents:
        raise AgreementInvalid([f"{path}: holds no agreement"])
    return [parse(d, str(path)) for d in documents]


def load_paths(paths: list[Path]) -> list[Agreement]:
    """Agreements from files and folders (``*.yaml``/``*.yml``), validated all together:
    every problem in every file is reported, and the same id and version twice is refused."""
    return [agreement for agreement, _ in load_with_sources(paths)]


def load_with_sources(paths: list[Path]) -> list[tuple[Agreement, str]]:
    """As ``load_paths``, each agreement with the file it came from."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        else:
            files.append(path)
    agreements: list[tuple[Agreement, str]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            loaded = load_file(file)
        except AgreementInvalid as error:
            problems += error.problems
            continue
        for agreement in loaded:
            if agreement.key in seen:
                problems.append(f"{file}: {agreement.key} is also in {seen[agreement.key]}")
            seen[agreement.key] = str(file)
            agreements.append((agreement, str(file)))
    if problems:
        raise AgreementInvalid(problems)
    if not agreements:
        raise AgreementInvalid([f"no agreement files found in {', '.join(map(str, paths))}"])
    return agreements


def shipped_agreements() -> list[Agreement]:
    """The example Exampleshire agreements shipped with the package."""
    return load_paths([EXAMPLES])


def current(agreements: list[Agreement]) -> list[Agreement]:
    """The newest version of each agreement id (a new version supersedes the old)."""
    newest: dict[str, Agreement] = {}
    for a in agreements:
        if a.id not in newest or a.version > newest[a.id].version:
            newest[a.id] = a
    return sorted(newest.values(), key=lambda a: a.id)
