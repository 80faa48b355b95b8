"""What the receiving MASH's exchange page shows of its own partnership's record of the child
(red team, issue 24): only through the gate. The movers are known here to a school only, so
a MASH practitioner seconded from children's social care, the police or health, with no
relationship with the child, is shown none of the school's record (name, date of birth,
postcode); the school's own secondee is (its agency's own record, as the MASH's alerts show
it), unless that record is sealed."""

from __future__ import annotations

from sqlalchemy import select, update

from joinedup.governance.reader import Reader
from joinedup.services import exchange_view
from joinedup.store.audit_tables import audit_entry
from joinedup.store.tables import person_record

from .conftest import Pair
from .test_exchange_flow import run

IDENTITY = ("name", "date_of_birth", "postcode")


def mash(agency: str) -> Reader:
    return Reader.build(user_id=f"mash.{agency}", role="MASH_PRACTITIONER", agency=agency,
                        purpose="CHILD_MOVED_AREA")  # fmt: skip


def first_summary(pair: Pair, reader: Reader) -> dict:
    listed = exchange_view.moved_in(pair.b, reader)
    return exchange_view.summary_page(pair.b, reader, listed["summaries"][0]["summary_id"])


def test_another_agencys_record_of_the_child_is_withheld_without_a_relationship(
    pair: Pair,
) -> None:
    run(pair)
    with pair.sides["otherbury"].active():
        for agency in ("social_care", "police", "health"):
            shown = first_summary(pair, mash(agency))
            assert all(shown["our_record"][k] is None for k in IDENTITY), agency
            assert shown["our_record"]["withheld"] is True
            assert shown["our_record"]["agency"] is None


def test_the_mashs_own_agencys_record_is_shown_unless_sealed(pair: Pair) -> None:
    run(pair)
    with pair.sides["otherbury"].active():
        shown = first_summary(pair, mash("education"))
        assert shown["our_record"]["postcode"] == "WM1 4QT"
        assert shown["our_record"]["withheld"] is False
        with pair.b.begin() as b:
            b.execute(update(person_record).where(person_record.c.agency_id == "education")
                      .values(attributes={"sealed": "adoption"}))  # fmt: skip
        sealed = first_summary(pair, mash("education"))
    assert all(sealed["our_record"][k] is None for k in IDENTITY)
    assert sealed["our_record"]["withheld"] is True


def test_the_decision_about_the_record_is_audited(pair: Pair) -> None:
    run(pair)
    with pair.sides["otherbury"].active():
        shown = first_summary(pair, mash("police"))
    with pair.b.connect() as b:
        kinds = set(b.execute(select(audit_entry.c.kind).where(
            audit_entry.c.subject == shown["person_id"],
            audit_entry.c.actor == "mash.police")).scalars())  # fmt: skip
    assert "EXCHANGE_SUMMARY_READ" in kinds
    assert "ACCESS" in kinds, "the gate's decision is recorded"
