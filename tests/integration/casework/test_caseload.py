"""My children (issue 19, finding 3): the reader's caseload through the gate, and what is new
since they last opened each child, counted only from what they may see (SQLite and
PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text

from joinedup.errors import Forbidden
from joinedup.governance.reader import Reader
from joinedup.services.casework import single_view
from joinedup.services.home import caseload, recently_opened
from joinedup.store.casework_tables import last_looked
from joinedup.store.tables import delivery, event, source_record


def _worker_with_police_child(engine: Engine) -> tuple[str, str, str | None]:
    """(person_id, key, team): a social care lead involvement, open, of a child police also
    know (the last such child, so that other tests' first choices are not disturbed)."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, i.practitioner_key, p.team from involvement i"
                " join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " left join practitioner p on p.agency_id = i.agency_id"
                " and p.practitioner_key = i.practitioner_key"
                " where i.agency_id = 'social_care' and i.end_date is null"
                " and (i.start_date is null or i.start_date <= :today)"
                " and exists (select 1 from linkage_record o where o.person_id = lr.person_id"
                " and o.agency_id = 'police')"
                " order by lr.person_id desc limit 1"
            ),
            {"today": date.today()},
        ).first()
    assert row is not None
    return row[0], row[1], row[2]


def _reader(key: str, team: str | None, user: str) -> Reader:
    return Reader.build(
        user_id=user,
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK",
        practitioner_key=key,
        team=team,
    )


def _deliver(engine: Engine, person_id: str, agency: str, table: str, kind: str) -> None:
    """An event about the person from ``agency``, in a delivery received now."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        source = connection.execute(
            text(
                "select source_id from linkage_record where person_id = :p and agency_id = :a"
                " limit 1"
            ),
            {"p": person_id, "a": agency},
        ).scalar_one()
        sent: Any = connection.execute(
            insert(delivery).values(
                agency_id=agency,
                feed_format="test",
                extracted_at=now,
                received_at=now,
                manifest_sha256=uuid.uuid4().hex * 2,
                source_path="test",
                rows=1,
                accepted=1,
            )
        ).inserted_primary_key
        record: Any = connection.execute(
            insert(source_record).values(
                agency_id=agency,
                source_table=table,
                source_id=f"T-{uuid.uuid4().hex[:8]}",
                content_sha256="0" * 64,
                payload={},
                first_delivery_id=sent[0],
                last_changed_delivery_id=sent[0],
                row_number=1,
            )
        ).inserted_primary_key
        connection.execute(
            insert(event).values(
                source_record_id=record[0], agency_id=agency, source_table=table,
                source_id=f"T-{uuid.uuid4().hex[:8]}", person_source_id=source, category=agency,
                event_type=kind, occurred_on=date.today(), codes=[], detail={},
            )
        )  # fmt: skip


def _entry(found: Any, person_id: str) -> Any:
    return next(c for c in found.children if c.person_id == person_id)


def test_my_children_and_what_is_new_since_i_looked(store: Engine) -> None:
    person, key, team = _worker_with_police_child(store)
    reader = _reader(key, team, f"caseload-{uuid.uuid4().hex[:6]}")
    everyone = caseload(store, reader, per_page=1000)
    child = _entry(everyone, person)
    assert child.name and child.last_looked is None and child.new_since is None
    assert everyone.total == len(everyone.children) + everyone.not_shown

    single_view(store, reader, person)
    child = _entry(caseload(store, reader, per_page=1000), person)
    assert child.last_looked is not None and child.new_since == 0
    assert [c.person_id for c in recently_opened(store, reader)] == [person]

    _deliver(store, person, "social_care", "ssd_contacts", "CONTACT")
    assert _entry(caseload(store, reader, per_page=1000), person).new_since == 1
    # A police incident the agreements do not share with this purpose is not counted.
    view = single_view(store, reader, person).as_dict()
    assert "police.incidents" not in view["access"]["fields_shown"]
    _deliver(store, person, "police", "incidents", "INCIDENT")
    assert _entry(caseload(store, reader, per_page=1000), person).new_since == 0


def test_each_child_listed_is_an_audited_read_and_pages_split_the_list(store: Engine) -> None:
    _person, key, team = _worker_with_police_child(store)
    reader = _reader(key, team, f"caseload-{uuid.uuid4().hex[:6]}")
    first = caseload(store, reader, per_page=1)
    assert first.pages == first.total and len(first.children) + first.not_shown == 1
    last = caseload(store, reader, page=10_000, per_page=1)
    assert last.page == last.pages
    with store.connect() as connection:
        audited = connection.execute(
            text("select count(*) from audit_entry where kind = 'ACCESS' and actor = :me"),
            {"me": reader.user_id},
        ).scalar_one()
    assert audited == 2


def test_a_refused_opening_is_not_a_look(store: Engine) -> None:
    person, _key, _team = _worker_with_police_child(store)
    stranger = _reader("nobody-at-all", None, f"stranger-{uuid.uuid4().hex[:6]}")
    assert not single_view(store, stranger, person).access.allowed
    with store.connect() as connection:
        rows = connection.execute(
            select(last_looked).where(last_looked.c.reader == stranger.user_id)
        ).all()
    assert rows == []
    assert caseload(store, stranger).total == 0


def test_roles_without_a_caseload_are_refused(store: Engine) -> None:
    analyst = Reader.build(
        user_id="analyst", role="PARTNERSHIP_ANALYST", agency="social_care",
        purpose="STATUTORY_RETURN",
    )  # fmt: skip
    with pytest.raises(Forbidden):
        caseload(store, analyst)
