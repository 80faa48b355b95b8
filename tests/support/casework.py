"""Test helpers for casework: a contact to children's social care about a child, as the
MASH would receive one (a triage case answers a contact or a referral)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, insert, select, text

from joinedup.store.tables import event, person_record


def child_known_to_social_care(engine: Engine, *, skip: int = 0) -> tuple[str, str]:
    """(person_id, social care person_source_id) of a child with a social care record and
    no contact or referral in the store's last 30 days of data (``skip`` picks another)."""
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, lr.source_id from linkage_record lr"
                " join person_record pr on pr.agency_id = lr.agency_id"
                " and pr.source_table = lr.source_table and pr.source_id = lr.source_id"
                " where lr.agency_id = 'social_care' and pr.date_of_birth > :born_after"
                " and not exists (select 1 from event e where e.agency_id = 'social_care'"
                " and e.person_source_id = lr.source_id"
                " and e.event_type in ('CONTACT', 'REFERRAL') and e.occurred_on >= :since)"
                " order by lr.person_id limit 1 offset :skip"
            ),
            {
                "born_after": date(date.today().year - 16, 1, 1),
                "since": date.fromordinal(date.today().toordinal() - 40),
                "skip": skip,
            },
        ).first()
    assert row is not None, "the test partnership has no child known to social care"
    return str(row[0]), str(row[1])


def add_contact(engine: Engine, source_id: str, on: date | None = None) -> int:
    """A CONTACT event for the social care person ``source_id`` (on ``on``, default today)."""
    with engine.begin() as connection:
        record = connection.execute(
            select(person_record.c.source_record_id).where(
                person_record.c.agency_id == "social_care", person_record.c.source_id == source_id
            )
        ).scalar_one()
        key = connection.execute(
            insert(event).values(
                source_record_id=record,
                agency_id="social_care",
                source_table="ssd_contacts",
                source_id=f"TEST-CONTACT-{source_id}-{(on or date.today()).isoformat()}",
                person_source_id=source_id,
                category="social_care",
                event_type="CONTACT",
                occurred_on=on or date.today(),
                codes=[],
                detail={},
            )
        ).inserted_primary_key
    assert key is not None
    return int(key[0])
