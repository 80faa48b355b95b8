"""Retention: a dry run changes nothing and reports counts; a real run deletes or
pseudonymises exactly the expired rows and records what it did in the audit log."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from joinedup.errors import BadInput
from joinedup.governance.audit import verify_log
from joinedup.governance.audit.heads import trusted_keys
from joinedup.governance.audit.query import search
from joinedup.governance.retention import (
    DEFAULT_RULES,
    Period,
    RetentionRule,
    governing,
    load_rules,
    rules_from_yaml,
    run_retention,
)
from joinedup.store import tables as t
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)

AS_OF = date(2026, 11, 21)  # six years back is 21 Nov 2020
OLD = datetime(2018, 1, 10, tzinfo=UTC)
NEW = datetime(2026, 6, 1, tzinfo=UTC)
RULES = [
    RetentionRule("police", "*", Period(years=6), "delete", origin="test"),
    RetentionRule("health", "*", Period(years=6), "pseudonymise", origin="test"),
]


class Partnership:
    """A handful of agency rows with chosen dates, written straight into the store."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.deliveries: dict[tuple[str, datetime], int] = {}

    def delivery(self, agency: str, when: datetime) -> int:
        if (agency, when) not in self.deliveries:
            self.deliveries[(agency, when)] = self._insert(
                t.delivery,
                agency_id=agency,
                feed_format="x",
                extracted_at=when,
                received_at=when,
                manifest_sha256=f"{agency}{when:%Y%m%d}".ljust(64, "0"),
                source_path="/x",
            )
        return self.deliveries[(agency, when)]

    def _insert(self, table: Any, **values: Any) -> int:
        return int(self.connection.execute(insert(table).values(**values)).inserted_primary_key[0])

    def source(self, agency: str, table: str, source_id: str, when: datetime) -> int:
        delivery = self.delivery(agency, when)
        record = self._insert(
            t.source_record,
            agency_id=agency,
            source_table=table,
            source_id=source_id,
            content_sha256="c" * 64,
            payload={"name": "delivered row"},
            version=1,
            first_delivery_id=delivery,
            last_changed_delivery_id=delivery,
            row_number=1,
        )
        self._insert(
            t.source_record_version,
            source_record_id=record,
            version=1,
            content_sha256="c" * 64,
            payload={"name": "delivered row"},
            delivery_id=delivery,
        )
        return record

    def person(self, agency: str, source_id: str, when: datetime, born: date) -> int:
        record = self.source(agency, "persons", source_id, when)
        self._insert(
            t.person_record,
            source_record_id=record,
            agency_id=agency,
            source_table="persons",
            source_id=source_id,
            forenames="Alex",
            surname="Smith",
            date_of_birth=born,
            sex="U",
            nhs_number="9434765919",
            postcode="LS6 2AB",
            address_line="1 High Street",
            other_names=["Al"],
            attributes={"pnc": "1"},
        )
        self._insert(
            t.person_identifier,
            source_record_id=record,
            agency_id=agency,
            person_source_id=source_id,
            identifier_type="NHS_NUMBER",
            value="9434765919",
        )
        return record

    def event(self, agency: str, source_id: str, person: str, when: datetime, on: date) -> int:
        record = self.source(agency, "events", source_id, when)
        self._insert(
            t.event,
            source_record_id=record,
            agency_id=agency,
            source_table="events",
            source_id=source_id,
            person_source_id=person,
            category="x",
            event_type="INCIDENT",
            occurred_on=on,
            codes=[],
            detail={"note": "free text"},
        )
        return record

    def quarantined(self, agency: str, when: datetime) -> None:
        self._insert(
            t.quarantined_row,
            delivery_id=self.delivery(agency, when),
            agency_id=agency,
            file="persons.csv",
            row_number=3,
            source_table="persons",
            raw="N9,Jo,Bloggs",
            reason_codes=["BAD_DOB"],
            message="bad date",
        )


def build(engine: Engine) -> None:
    with engine.begin() as connection:
        p = Partnership(connection)
        p.person("police", "N1", OLD, date(2001, 1, 1))  # old, no later activity: expires
        p.event("police", "E1", "N1", OLD, date(2018, 1, 5))
        p.person("police", "N2", OLD, date(2002, 2, 2))  # old row, but a recent event:
        p.event("police", "E2", "N2", NEW, date(2026, 3, 1))  # both kept
        p.person("police", "N3", NEW, date(2003, 3, 3))  # recently delivered: kept
        p.quarantined("police", OLD)  # refused row from an old delivery: deleted
        p.quarantined("police", NEW)
        p.person("health", "H1", OLD, date(2004, 4, 4))  # pseudonymised
        p.person("education", "S1", OLD, date(2005, 5, 5))  # no rule: kept


def counts(engine: Engine) -> dict[str, int]:
    tables = (
        t.source_record,
        t.source_record_version,
        t.person_record,
        t.event,
        t.person_identifier,
        t.quarantined_row,
    )
    with engine.connect() as connection:
        return {
            tb.name: int(connection.scalar(select(func.count()).select_from(tb)) or 0)
            for tb in tables
        }


def ids(engine: Engine, agency: str) -> set[str]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                select(t.source_record.c.source_id).where(t.source_record.c.agency_id == agency)
            ).scalars()
        )


def apply(engine: Engine, dry_run: bool):  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        return run_retention(
            connection, as_of=AS_OF, rules=RULES, rules_source="test", dry_run=dry_run, actor="dpo"
        )


def test_a_dry_run_reports_what_would_expire_and_changes_nothing(engine: Engine) -> None:
    build(engine)
    before = counts(engine)
    report = apply(engine, dry_run=True)
    assert counts(engine) == before
    with engine.connect() as connection:
        assert search(connection) == []  # not even an audit entry
    by_table = {(o.agency, o.source_table): o for o in report.outcomes}
    assert set(by_table) == {("police", "events"), ("police", "persons"), ("health", "persons")}
    police_persons = by_table[("police", "persons")]
    assert (police_persons.action, police_persons.source_records) == ("delete", 1)
    assert police_persons.quarantined_rows == 1
    assert police_persons.affected["person_record"] == 1
    assert police_persons.affected["person_identifier"] == 1
    assert by_table[("police", "events")].affected["event"] == 1
    health = by_table[("health", "persons")]
    assert (health.action, health.source_records, health.affected["person_record"]) == (
        "pseudonymise",
        1,
        1,
    )
    assert report.ungoverned == {"education/persons": 1}
    assert all(o.audit_seq is None for o in report.outcomes) and report.audit_seq is None


def test_a_run_deletes_and_pseudonymises_exactly_the_expired_rows(engine: Engine) -> None:
    build(engine)
    before = counts(engine)
    report = apply(engine, dry_run=False)
    assert ids(engine, "police") == {"N2", "E2", "N3"}
    assert ids(engine, "education") == {"S1"}
    after = counts(engine)
    assert after["person_record"] == before["person_record"] - 1  # health kept, pseudonymised
    assert after["event"] == before["event"] - 1
    assert after["quarantined_row"] == before["quarantined_row"] - 1
    with engine.connect() as connection:
        health = connection.execute(
            select(t.person_record).where(t.person_record.c.agency_id == "health")
        ).one()
        payloads = (
            connection.execute(
                select(t.source_record_version.c.payload)
                .join(
                    t.source_record,
                    t.source_record.c.id == t.source_record_version.c.source_record_id,
                )
                .where(t.source_record.c.agency_id == "health")
            )
            .scalars()
            .all()
        )
        health_ids = connection.scalar(
            select(func.count())
            .select_from(t.person_identifier)
            .where(t.person_identifier.c.agency_id == "health")
        )
        kept = connection.execute(
            select(t.person_record.c.surname, t.person_record.c.nhs_number).where(
                t.person_record.c.source_id == "N2"
            )
        ).one()
    assert (health.forenames, health.surname, health.date_of_birth, health.nhs_number) == (
        None,
        None,
        None,
        None,
    )
    assert (health.address_line, health.postcode, health.attributes) == (None, "LS6", {})
    assert health.source_id.startswith("pseud-") and "H1" not in health.source_id
    assert payloads == [{"pseudonymised_on": "2026-11-21"}] and health_ids == 0
    assert tuple(kept) == ("Smith", "9434765919")  # what had not expired is untouched
    with engine.connect() as connection:
        entries = search(connection, kind="RETENTION")
        run = search(connection, kind="RETENTION_RUN")
        intact = verify_log(connection, trusted_keys(engine.url))
    assert len(entries) == 3 and len(run) == 1 and intact.ok
    assert {(e.details["agency"], e.details["source_table"]) for e in entries} == {
        ("police", "events"),
        ("police", "persons"),
        ("health", "persons"),
    }
    assert all(e.actor == "dpo" for e in entries + run)
    assert run[0].details["source_records"] == 3 and run[0].seq == report.audit_seq


def test_a_second_run_finds_nothing_more_to_do(engine: Engine) -> None:
    build(engine)
    apply(engine, dry_run=False)
    before = counts(engine)
    again = apply(engine, dry_run=False)
    assert again.outcomes == [] and counts(engine) == before


def test_date_of_birth_rules_expire_a_person_and_their_events_together(engine: Engine) -> None:
    with engine.begin() as connection:
        p = Partnership(connection)
        p.person("social_care", "C1", NEW, date(1999, 6, 1))  # 27 on AS_OF: expires
        p.event("social_care", "R1", "C1", NEW, date(2026, 5, 1))
        p.person("social_care", "C2", NEW, date(2010, 6, 1))  # 16: kept
        p.event("social_care", "R2", "C2", NEW, date(2026, 5, 1))
    rules = [RetentionRule("social_care", "*", Period(years=25), "delete", "date_of_birth")]
    with engine.begin() as connection:
        run_retention(connection, as_of=AS_OF, rules=rules, rules_source="test")
    assert ids(engine, "social_care") == {"C2", "R2"}


def test_the_most_specific_rules_govern_and_all_of_them_must_agree() -> None:
    general = RetentionRule("*", "*", Period(years=1))
    police = RetentionRule("police", "*", Period(years=6))
    police_long = RetentionRule("police", "*", Period(years=10))
    events = RetentionRule("police", "events", Period(days=30))
    rules = [general, police, police_long, events]
    assert governing(rules, "police", "events") == [events]
    assert governing(rules, "police", "persons") == [police, police_long]
    assert governing(rules, "health", "x") == [general]
    assert governing([police], "health", "x") == []


def test_periods_are_calendar_periods() -> None:
    assert Period.parse("P6Y").before(date(2026, 11, 21)) == date(2020, 11, 21)
    assert Period.parse("P1Y").before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert Period.parse("P18M").before(date(2026, 3, 31)) == date(2024, 9, 30)
    assert Period.parse(30).before(date(2026, 3, 1)) == date(2026, 1, 30)
    assert str(Period.parse("P2Y1M")) == "2 years 1 month"
    with pytest.raises(BadInput):
        Period.parse("six years")


def test_rules_come_from_a_file_then_the_agreements_then_the_defaults(
    engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as connection:
        assert load_rules(connection, AS_OF)[0] == list(DEFAULT_RULES)
    from joinedup.governance.agreement_store import save
    from joinedup.governance.agreements import shipped_agreements

    with engine.begin() as connection:
        for agreement in shipped_agreements():
            save(connection, agreement, source="examples", loaded_by="dpo")
    with engine.begin() as connection:
        rules, source = load_rules(connection, date(2026, 11, 21))
    assert "agreements" in source and rules
    assert all(r.origin.startswith("agreement ") and r.source_table == "*" for r in rules)
    assert any(r.clock == "date_of_birth" and r.keep_for == Period(years=25) for r in rules)
    file = tmp_path / "retention.yaml"
    file.write_text("rules:\n  - {agency: police, keep_for: P2Y, action: pseudonymise}\n")
    with engine.begin() as connection:
        rules, source = load_rules(connection, AS_OF, file)
    assert rules == rules_from_yaml(file) and rules[0].action == "pseudonymise"
    file.write_text("rules:\n  - {agency: police, keep_for: P2Y, action: shred}\n")
    with pytest.raises(BadInput):
        rules_from_yaml(file)


def test_the_cli_dry_run_and_run_report_in_json(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from joinedup.cli import app

    build(engine)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {agency: police, keep_for: P6Y}\n")
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner, before = CliRunner(), counts(engine)
    args = ["retention", "run", "--as-of", "2026-11-21", "--rules", str(rules), "--json"]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0 and counts(engine) == before
    planned = json.loads(dry.output)
    assert planned["dry_run"] is True and planned["audit_seq"] is None
    assert sum(t["source_records"] for t in planned["tables"]) == 2
    done = runner.invoke(app, args)
    assert done.exit_code == 0 and json.loads(done.output)["audit_seq"] is not None
    assert ids(engine, "police") == {"N2", "E2", "N3"}
    assert runner.invoke(app, ["retention", "run", "--as-of", "21/11/2026"]).exit_code == 2
