"""The clerical review queue in a steward's order, and its size (issue 20).

Pairs that change a child's single view come first: a child's own records, then an adult in a
child's household or with a family tie to one, then the rest; within each, nearest the link
threshold first. ``joinedup review size`` states the queue's size, its share of the records and
the steward-weeks it takes. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, union
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.domain.identifiers import nhs_number_check_digit
from joinedup.linkage import queue
from joinedup.linkage.review import list_open
from joinedup.services import ingest
from joinedup.services.accounts import add_user
from joinedup.store.linkage_tables import (
    linkage_family_tie,
    linkage_household_member,
    linkage_model,
    linkage_record,
    linkage_review,
)
from joinedup.store.tables import person_record
from tests.support.deliveries import agency_events_delivery

NHS = "943476596" + str(nhs_number_check_digit("943476596"))


def _adult_pair_for_review(engine: Engine, folder: Path) -> None:
    """Two records of one adult no child is known to be near (a mistyped forename at
    another address): a pair for the queue's last tier."""
    for n, (agency, row) in enumerate(
        [
            (
                "probation",
                [
                    "PQ1",
                    "Evangelina",
                    "Trowbridge",
                    "1966-05-21",
                    "F",
                    "6 Quarry Hill",
                    "LS2 7EY",
                    NHS,
                    "",
                    "",
                ],
            ),
            (
                "housing",
                [
                    "HQ1",
                    "Evangelnia",
                    "Trowbridge",
                    "1966-05-21",
                    "F",
                    "40 Tong Road",
                    "LS12 4NQ",
                    "",
                    "",
                    "",
                ],
            ),
        ],  # fmt: skip
        start=1,
    ):
        delivery = agency_events_delivery(
            folder / agency, agency, persons=[row], events=[],
            extracted_at=f"2026-12-{n:02d}T06:00:00Z",
        )  # fmt: skip
        assert ingest(engine, delivery).status == "ingested"


def _expected_tiers(engine: Engine) -> dict[int, str]:
    """Each open pair's tier, worked out apart from ``queue``: from every record's date of
    birth, the households and the family ties."""
    today = date.today()
    cutoff = today.replace(year=today.year - queue.ADULT_AGE)
    with engine.connect() as c:
        person_of = dict(
            c.execute(select(linkage_record.c.record_key, linkage_record.c.person_id)).all()
        )
        children = {
            person_of[f"{a}|{t}|{s}"]
            for a, t, s, born in c.execute(
                select(
                    person_record.c.agency_id,
                    person_record.c.source_table,
                    person_record.c.source_id,
                    person_record.c.date_of_birth,
                )
            )  # fmt: skip
            if born is not None and born > cutoff and f"{a}|{t}|{s}" in person_of
        }
        homes: dict[str, set[str]] = {}
        for home, pid in c.execute(
            select(linkage_household_member.c.household_id, linkage_household_member.c.person_id)
        ):
            homes.setdefault(home, set()).add(pid)
        ties = c.execute(
            select(linkage_family_tie.c.person_id, linkage_family_tie.c.related_person_id)
        ).all()
        review = linkage_review.c
        items = c.execute(
            select(review.id, review.record_key_l, review.record_key_r).where(
                review.status == "OPEN"
            )
        ).all()
    near = {p for members in homes.values() if members & children for p in members}
    near |= {a for a, b in ties if b in children} | {b for a, b in ties if a in children}
    tiers = {}
    for item in items:
        persons = {person_of.get(item.record_key_l), person_of.get(item.record_key_r)}
        tiers[item.id] = (
            "CHILD" if persons & children else "CHILDS_HOUSEHOLD" if persons & near else "OTHER"
        )
    return tiers


def test_pairs_that_change_a_childs_view_come_first(linked_on_each: Engine, tmp_path: Path) -> None:
    _adult_pair_for_review(linked_on_each, tmp_path)
    with linked_on_each.connect() as c:
        items = list_open(c, 10_000)
        threshold = c.execute(
            select(linkage_model.c.thresholds).where(linkage_model.c.active.is_(True))
        ).scalar_one()["link"]
    expected = _expected_tiers(linked_on_each)
    assert {i["id"]: i["tier"] for i in items} == expected
    tiers = [i["tier"] for i in items]
    assert {"CHILD", "CHILDS_HOUSEHOLD", "OTHER"} <= set(tiers), tiers
    assert tiers == sorted(tiers, key=queue.TIERS.index)  # a child's first, the rest last
    for tier in queue.TIERS:
        distances = [abs(i["match_weight"] - threshold) for i in items if i["tier"] == tier]
        assert distances == sorted(distances)  # nearest the threshold first
    with linked_on_each.connect() as c:
        first_two = list_open(c, 2)
    assert [i["id"] for i in first_two] == [i["id"] for i in items[:2]]


def test_the_queue_size_is_stated_with_its_share_of_records(
    linked_on_each: Engine, tmp_path: Path
) -> None:
    add_user(linked_on_each, username="queue-steward", role="PARTNERSHIP_ANALYST",
             agency="social_care", display_name="Data steward", password=None)  # fmt: skip
    env = {"JOINEDUP_DATABASE_URL": linked_on_each.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(app, ["review", "size", "--as", "queue-steward", "--json"], env=env)
    assert result.exit_code == 0, result.output
    size = json.loads(result.stdout)
    with linked_on_each.connect() as c:
        review = linkage_review.c
        open_pairs = c.scalar(
            select(func.count()).select_from(linkage_review).where(review.status == "OPEN")
        )
        keys = union(
            select(review.record_key_l).where(review.status == "OPEN"),
            select(review.record_key_r).where(review.status == "OPEN"),
        ).subquery()
        touched = c.scalar(select(func.count()).select_from(keys))
        records = c.scalar(select(func.count()).select_from(linkage_record))
    assert open_pairs and size["open_pairs"] == open_pairs
    assert sum(size["by_tier"].values()) == open_pairs
    assert size["records_in_queue"] == touched and size["linked_records"] == records
    assert size["share_of_records"] == round(touched / records, 5)
    assert size["steward_weeks"] == round(open_pairs / queue.PAIRS_PER_STEWARD_WEEK, 2)
    text = CliRunner().invoke(app, ["review", "size", "--as", "queue-steward"], env=env)
    assert text.exit_code == 0, text.output
    assert f"{open_pairs} pairs open" in text.stdout and f"of {records} records" in text.stdout
