"""Retention: each agency's data is kept for as long as its data sharing agreement says, then
deleted or pseudonymised, and every run is recorded in the audit log.

Rules (``RetentionRule``) come, in order of preference, from a YAML file (``--rules`` or
``JOINEDUP_RETENTION_RULES``), from the agreements loaded in the store (each flow's
``retention`` applies to its source agency's data), or from ``DEFAULT_RULES``. A row is
governed by the most specific rules that match it (agency and table, then agency, then
table, then ``*``) and expires only when *every* one of them says so: data the platform
holds for several flows is kept until the longest of their retention periods ends. Rows no
rule covers are never touched; the report counts them so the DPO can see the gap.

A rule's clock is either the record's last activity (the delivery that last changed it and
the dates of the events it carries) or, for "until the 25th birthday" rules, the person's
date of birth. The deletion itself and the pseudonymisation live in ``retention_actions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from joinedup.config import settings
from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, yaml_document
from joinedup.errors import BadInput
from joinedup.store import tables as t

Action = Literal["delete", "pseudonymise"]
Clock = Literal["last_activity", "date_of_birth"]
_ISO = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period (years and months are calendar units, not 365-day blocks)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, value: Any) -> Period:
        """From an ISO 8601 duration ("P6Y", "P18M"), a ``timedelta`` or a number of days."""
        if isinstance(value, Period):
            return value
        if isinstance(value, timedelta):
            return cls(days=value.days)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return cls(days=value)
        match = _ISO.match(str(value).strip().upper())
        if not match:
            raise BadInput(f"retention period {value!r}: use P6Y, P18M, P30D or a number of days")
        return cls(*(int(part or 0) for part in match.groups()))

    def before(self, moment: date) -> date:
        """The date this period before ``moment`` (29 Feb falls back to 28 Feb)."""
        months = moment.year * 12 + moment.month - 1 - self.years * 12 - self.months
        year, month = divmod(months, 12)
        day = moment.day
        while True:
            try:
                shifted = date(year, month + 1, day)
                break
            except ValueError:
                day -= 1
        return shifted - timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return " ".join(f"{n} {unit}{'s' * (n != 1)}" for n, unit in parts if n) or "0 days"


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """Keep ``agency``'s rows of ``source_table`` (``*`` for any) for ``keep_for`` after
    the ``clock`` date, then ``delete`` or ``pseudonymise`` them."""

    agency: str
    source_table: str
    keep_for: Period
    action: Action = "delete"
    clock: Clock = "last_activity"
    origin: str = "default"

    def specificity(self) -> int:
        return (self.agency != "*") * 2 + (self.source_table != "*")

    def matches(self, agency: str, source_table: str) -> bool:
        return self.agency in ("*", agency) and self.source_table in ("*", source_table)

    def describe(self) -> str:
        since = "date of birth" if self.clock == "date_of_birth" else "last activity"
        return (
            f"{self.agency}/{self.source_table}: {self.action} {self.keep_for} after {since} "
            f"({self.origin})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "source_table": self.source_table,
            "keep_for": str(self.keep_for),
            "action": self.action,
            "clock": self.clock,
            "origin": self.origin,
        }


# Used only when no rules file is given and no agreement is loaded. Children's social care and
# health records about a child are commonly kept until the 25th birthday; six years after the
# last activity is the common default elsewhere. Agreements (DSAs) override all of these.
DEFAULT_RULES = (
    RetentionRule("social_care", "*", Period(years=25), "delete", "date_of_birth"),
    RetentionRule("health", "*", Period(years=25), "delete", "date_of_birth"),
    RetentionRule("*", "*", Period(years=6), "delete", "last_activity"),
)


def rule_from_mapping(data: dict[str, Any], origin: str) -> RetentionRule:
    """One rule from YAML-like data: agency, source_table, keep_for, action, clock."""
    try:
        action = str(data.get("action", "delete"))
        clock = str(data.get("clock", "last_activity"))
        if action not in ("delete", "pseudonymise") or clock not in (
            "last_activity",
            "date_of_birth",
        ):
            raise BadInput(
                f"{origin}: action must be delete|pseudonymise and clock "
                "last_activity|date_of_birth"
            )
        return RetentionRule(
            str(data.get("agency", "*")),
            str(data.get("source_table", "*")),
            Period.parse(data["keep_for"]),
            action,  # type: ignore[arg-type]
            clock,  # type: ignore[arg-type]
            origin,
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise BadInput(f"{origin}: a rule needs keep_for ({error})") from None


def rules_from_yaml(path: Path) -> list[RetentionRule]:
    """``rules: [{agency, source_table, keep_for, action, clock}, ...]`` from a YAML file."""
    try:
        document = yaml_document(path.read_text(encoding="utf-8")) or {}
    except NestedTooDeep:
        raise BadInput(f"{path}: {TOO_DEEP}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: is not UTF-8 text") from None
    except (OSError, yaml.YAMLError) as error:
        raise BadInput(f"cannot read retention rules {path}: {error}") from None
    rules = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not rules:
        raise BadInput(f"{path}: expected a non-empty `rules:` list")
    return [rule_from_mapping(r, f"{path} rule {n}") for n, r in enumerate(rules, 1)]


def rules_from_agreements(agreements: list[Any], on: date) -> list[RetentionRule]:
    """One rule per flow of each agreement in force on ``on``: the flow's source agency's
    data, its retention period, deletion unless the disposal says pseudonymise, and the
    date of birth as the clock when the period runs from the birth."""
    rules = []
    for agreement in agreements:
        if not agreement.in_force(on):
            continue
        for flow in agreement.flows:
            retention = flow.retention
            rules.append(
                RetentionRule(
                    flow.source.value,
                    "*",
                    Period.parse(retention.period),
                    "pseudonymise" if "pseudonym" in retention.disposal.lower() else "delete",
                    "date_of_birth" if "birth" in retention.starts.lower() else "last_activity",
                    f"agreement {agreement.key} flow {flow.id}",
                )
            )
    return rules


def load_rules(
    connection: Connection, on: date, rules_file: Path | None = None
) -> tuple[list[RetentionRule], str]:
    """The rules that apply and where they came from (a file, the agreements, defaults)."""
    path = rules_file or settings().retention.rules
    if path is not None:
        return rules_from_yaml(path), f"rules file {path}"
    agreements: list[Any] = []
    try:  # the agreements capability is optional: retention works without it
        from joinedup.governance.agreement_store import current_agreements
    except ImportError:
        current_agreements = None  # type: ignore[assignment]
    if current_agreements is not None:
        # A savepoint: an older store without the agreements table must not abort the
        # caller's transaction (PostgreSQL aborts a transaction on any failed statement).
        savepoint = connection.begin_nested()
        try:
            agreements = current_agreements(connection)
            savepoint.commit()
        except (SQLAlchemyError, BadInput):
            savepoint.rollback()
    rules = rules_from_agreements(agreements, on)
    if rules:
        return rules, f"{len(agreements)} data sharing agreements in the store"
    return list(DEFAULT_RULES), "built-in defaults (no agreement in force is loaded)"


def governing(rules: list[RetentionRule], agency: str, source_table: str) -> list[RetentionRule]:
    """The most specific rules matching an agency's table (empty: none govern it)."""
    matching = [r for r in rules if r.matches(agency, source_table)]
    if not matching:
        return []
    best = max(r.specificity() for r in matching)
    return [r for r in matching if r.specificity() == best]


_PERSON_LINKED = (t.event, t.address, t.involvement, t.family_membership, t.person_identifier)


def _event_date() -> ColumnElement[Any]:
    return func.coalesce(t.event.c.ended_on, t.event.c.occurred_on)


def expiry_condition(rule: RetentionRule, as_of: date) -> ColumnElement[bool]:
    """SQL condition on ``source_record``: expired under ``rule`` on ``as_of``."""
    sr = t.source_record
    cutoff = rule.keep_for.before(as_of)
    if rule.clock == "date_of_birth":
        own = exists().where(
            t.person_record.c.source_record_id == sr.c.id, t.person_record.c.date_of_birth < cutoff
        )
        theirs = [
            exists().where(
                linked.c.source_record_id == sr.c.id,
                t.person_record.c.agency_id == linked.c.agency_id,
                t.person_record.c.source_id == linked.c.person_source_id,
                t.person_record.c.date_of_birth < cutoff,
            )
            for linked in _PERSON_LINKED
        ]
        return or_(own, *theirs)
    last_changed = (
        select(t.delivery.c.extracted_at)
        .where(t.delivery.c.id == sr.c.last_changed_delivery_id)
        .scalar_subquery()
    )
    recent_event = exists().where(t.event.c.source_record_id == sr.c.id, _event_date() >= cutoff)
    person_active = exists().where(
        t.person_record.c.source_record_id == sr.c.id,
        t.event.c.agency_id == t.person_record.c.agency_id,
        t.event.c.person_source_id == t.person_record.c.source_id,
        _event_date() >= cutoff,
    )
    return and_(last_changed < datetime.combine(cutoff, time(), UTC), ~recent_event, ~person_active)


@dataclass
class TableOutcome:
    """What a run did (or would do) to one agency's table."""

    agency: str
    source_table: str
    action: Action
    rules: list[str]
    source_records: int = 0
    quarantined_rows: int = 0
    affected: dict[str, int] = field(default_factory=dict)  # table -> rows deleted/changed
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "source_table": self.source_table,
            "action": self.action,
            "rules": self.rules,
            "source_records": self.source_records,
            "quarantined_rows": self.quarantined_rows,
            "affected": dict(sorted(self.affected.items())),
            "audit_seq": self.audit_seq,
        }


@dataclass
class RetentionReport:
    as_of: date
    dry_run: bool
    rules_source: str
    rules: list[RetentionRule]
    outcomes: list[TableOutcome] = field(default_factory=list)
    ungoverned: dict[str, int] = field(default_factory=dict)  # "agency/table" -> rows kept
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "rules_source": self.rules_source,
            "rules": [r.to_dict() for r in self.rules],
            "tables": [o.to_dict() for o in self.outcomes],
            "ungoverned": self.ungoverned,
            "audit_seq": self.audit_seq,
        }


def run_retention(
    connection: Connection,
    *,
    as_of: date,
    rules: list[RetentionRule],
    rules_source: str,
    dry_run: bool = False,
    actor: str = "retention",
    pseudonym_key: bytes | None = None,
) -> RetentionReport:
    """Apply ``rules`` on ``as_of`` in the caller's transaction; a dry run changes nothing
    and writes no audit entry. Each table acted on gets one audit entry, the run one more."""
    from joinedup.governance import retention_actions as actions

    report = RetentionReport(as_of, dry_run, rules_source, rules)
    sr, q = t.source_record, t.quarantined_row
    counts: dict[tuple[str, str], int] = {}
    for origin in (sr, q):
        for agency, source_table, n in connection.execute(
            select(origin.c.agency_id, origin.c.source_table, func.count()).group_by(
                origin.c.agency_id, origin.c.source_table
            )
        ):
            counts[(agency, source_table)] = counts.get((agency, source_table), 0) + int(n)
    for (agency, source_table), count in sorted(counts.items()):
        applicable = governing(rules, agency, source_table)
        if not applicable:
            report.ungoverned[f"{agency}/{source_table}"] = count
            continue
        action: Action = (
            "pseudonymise" if any(r.action == "pseudonymise" for r in applicable) else "delete"
        )
        outcome = TableOutcome(agency, source_table, action, [r.describe() for r in applicable])
        expired = and_(
            sr.c.agency_id == agency,
            sr.c.source_table == source_table,
            *(expiry_condition(r, as_of) for r in applicable),
        )
        if action == "pseudonymise":
            expired = and_(expired, ~sr.c.source_id.startswith(actions.PSEUDONYM_PREFIX))
        found = connection.execute(select(sr.c.id).where(expired).order_by(sr.c.id)).scalars()
        ids = [int(i) for i in found]
        quarantine_cutoff = min(r.keep_for.before(as_of) for r in applicable)
        outcome.source_records = len(ids)
        outcome.quarantined_rows = actions.expired_quarantine(
            connection, agency, source_table, quarantine_cutoff, delete=not dry_run
        )
        if ids:
            outcome.affected = (
                actions.count_affected(connection, ids, action)
                if dry_run
                else (
                    actions.delete_source_records(connection, ids)
                    if action == "delete"
                    else actions.pseudonymise_source_records(connection, ids, as_of, pseudonym_key)
                )
            )
        if (ids or outcome.quarantined_rows) and not dry_run:
            outcome.audit_seq = actions.record(connection, actor, outcome, as_of)
        if ids or outcome.quarantined_rows:
            report.outcomes.append(outcome)
    if not dry_run:
        report.audit_seq = actions.record_run(connection, actor, report)
    return report
