"""Retention: delete or pseudonymise what each agreement's retention says has expired, one
audit entry per table acted on and one for the run; a dry run changes nothing. An operator's
scheduled task over the whole store, not a read of anyone's record: it returns counts, and
names who ran it (``actor``) in the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from joinedup.governance.retention import RetentionReport, RetentionRule, load_rules, run_retention


def apply_retention(
    engine: Engine,
    *,
    as_of: date,
    rules_file: Path | None = None,
    dry_run: bool = False,
    actor: str = "retention",
) -> RetentionReport:
    """Apply the rules in force on ``as_of`` (from ``rules_file``, else the agreements), in
    one transaction; rows no rule covers are kept and listed in the report."""
    with engine.connect() as connection:
        rules, source = load_rules(connection, as_of, rules_file)
        report = run_retention(
            connection,
            as_of=as_of,
            rules=rules,
            rules_source=source,
            dry_run=dry_run,
            actor=actor,
        )
        if not dry_run:  # a dry run's transaction is rolled back when it closes
            connection.commit()
    return report


def retention_rules(
    engine: Engine, *, as_of: date, rules_file: Path | None = None
) -> tuple[list[RetentionRule], str]:
    """The retention rules in force on ``as_of`` and where they come from."""
    with engine.connect() as connection:
        return load_rules(connection, as_of, rules_file)
