"""A new record that bridges two persons merges them at once (issue 20).

A parent known to probation under one person and to housing under another (a mistyped
forename, another address, no NHS number at housing) stays two people until something ties
them. A substance misuse service's record with probation's NHS number and housing's address
is that tie: incremental linking now merges the two in the same transaction, records the merge,
moves what held the merged-away id, and the old id answers for the merged person. A bridge
the constraints forbid (the other person holds a different NHS number; a reviewer said "not
the same person") is not merged, and the pair goes to a reviewer. SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from joinedup.domain.identifiers import nhs_number_check_digit
from joinedup.governance import gate
from joinedup.governance.reader import Reader
from joinedup.linkage.review import decide
from joinedup.services import ingest
from joinedup.services.casework import single_view
from joinedup.store.audit_tables import audit_entry
from joinedup.store.casework_tables import concern, last_looked
from joinedup.store.linkage_tables import (
    linkage_change,
    linkage_merge,
    linkage_record,
    linkage_review,
)
from tests.support.deliveries import agency_events_delivery


def nhs(first_nine: str) -> str:
    return first_nine + str(nhs_number_check_digit(first_nine))


@dataclass
class Store:
    engine: Engine
    folder: Path
    deliveries: Iterator[int]

    def deliver(self, agency: str, *row: str) -> dict[str, Any] | None:
        """One person record (``AGENCY_PERSONS`` columns) delivered by ``agency``."""
        number = next(self.deliveries)
        folder = agency_events_delivery(
            self.folder / f"{agency}-{number}",
            agency,
            persons=[list(row)],
            events=[],
            extracted_at=f"2026-12-{number:02d}T06:00:00Z",
        )
        report = ingest(self.engine, folder)
        assert report.status == "ingested", report
        return report.linking

    def person(self, record_key: str) -> str:
        with self.engine.connect() as c:
            found = c.execute(
                select(linkage_record.c.person_id).where(linkage_record.c.record_key == record_key)
            ).scalar_one()
        return str(found)

    def review_status(self, left: str, right: str) -> str | None:
        left, right = sorted((left, right))
        with self.engine.connect() as c:
            found = c.execute(
                select(linkage_review.c.status).where(
                    linkage_review.c.record_key_l == left, linkage_review.c.record_key_r == right
                )
            ).scalar_one_or_none()
        return None if found is None else str(found)


@pytest.fixture(scope="module")
def store(linked_on_each: Engine, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(linked_on_each, tmp_path_factory.mktemp("bridge"), itertools.count(1))


PROBATION = "probation|persons|"
HOUSING = "housing|persons|"
DRUGS = "substance_misuse|persons|"


def test_a_record_bridging_two_persons_merges_them(store: Store) -> None:
    number = nhs("943476591")
    store.deliver("probation", "PB1", "Oluwaseun", "Brightwater", "1988-02-14", "M",
                  "4 Mill Lane", "LS6 2AB", number, "", "")  # fmt: skip
    store.deliver("housing", "HB1", "Oluwasuen", "Brightwater", "1988-02-14", "M",
                  "17 Kirkstall Road", "LS4 2QP", "", "", "")  # fmt: skip
    probation, housing = store.person(PROBATION + "PB1"), store.person(HOUSING + "HB1")
    assert probation != housing, "a mistyped forename at another address: two persons so far"
    assert store.review_status(PROBATION + "PB1", HOUSING + "HB1") == "OPEN"
    now = datetime.now(UTC)
    with store.engine.begin() as c:  # what practitioners left on each person
        for pid in (probation, housing):
            c.execute(
                insert(concern).values(
                    person_id=pid, kind="CONCERN", text=f"about {pid}", recorded_by="kw",
                    role="SOCIAL_WORKER", agency="social_care", purpose="CHILD_PROTECTION_ENQUIRY",
                    recorded_at=now, routed_to=[],
                )
            )  # fmt: skip
            c.execute(insert(last_looked).values(reader="kw", person_id=pid, looked_at=now))

    linking = store.deliver("substance_misuse", "SB1", "Oluwaseun", "Brightwater", "1988-02-14",
                            "M", "17 Kirkstall Road", "LS4 2QP", number, "", "")  # fmt: skip

    assert linking is not None and linking["joined_existing_persons"] == 1
    assert linking["persons_merged"] == 1
    survivor = store.person(DRUGS + "SB1")
    assert store.person(PROBATION + "PB1") == store.person(HOUSING + "HB1") == survivor
    (merged,) = {probation, housing} - {survivor}
    with store.engine.connect() as c:
        merge = c.execute(select(linkage_merge)).mappings().one()
        changes = c.execute(
            select(linkage_change.c.kind, linkage_change.c.person_id).where(
                linkage_change.c.run_id == merge["run_id"]
            )
        ).all()
        audited = c.execute(
            select(audit_entry.c.details).where(audit_entry.c.kind == "LINK_MERGE")
        ).scalar_one()
        concerns = c.execute(select(concern.c.person_id)).scalars().all()
        looked = c.execute(select(last_looked.c.person_id)).scalars().all()
        view = gate.subject(c, merged)
    assert merge["merged_person_id"] == merged and merge["into_person_id"] == survivor
    assert merge["bridge_record_key"] == DRUGS + "SB1"
    assert set(merge["match_weights"]) == {probation, housing}
    assert min(merge["match_weights"].values()) > 10
    assert merge["record_keys"] == [(PROBATION + "PB1") if merged == probation else HOUSING + "HB1"]
    assert ("MERGED", survivor) in changes and ("RETIRED", merged) in changes
    assert audited["survivor"] == survivor and audited["merged"] == [merged]
    assert concerns == [survivor, survivor]  # both concerns now on the one person
    assert looked == [survivor]  # one "last looked" per reader and person
    # The old id answers for the merged person, with every agency's record.
    assert view.person_id == survivor
    assert {a for a, _ in view.agency_records} == {"probation", "housing", "substance_misuse"}
    reader = Reader.build(user_id="kw", role="SOCIAL_WORKER", agency="social_care",
                          purpose="CHILD_PROTECTION_ENQUIRY")  # fmt: skip
    assert single_view(store.engine, reader, merged).person_id == survivor
    # The pair a reviewer was asked about is now one person: no longer a question.
    assert store.review_status(PROBATION + "PB1", HOUSING + "HB1") == "STALE"


def test_a_bridge_blocked_by_different_nhs_numbers_goes_to_review(store: Store) -> None:
    first, second = nhs("943476593"), nhs("943476594")
    store.deliver("probation", "PC1", "Tobiah", "Fernleigh", "1985-07-30", "M",
                  "2 Hill Top", "LS11 5AA", first, "", "")  # fmt: skip
    # Another person: another NHS number, with a housing record at the same house.
    store.deliver("adult_mental_health", "AC1", "Tobiah", "Fernleigh", "1985-07-30", "M",
                  "11 Beck Lane", "LS12 3BB", second, "", "")  # fmt: skip
    store.deliver("housing", "HC1", "Tobiah", "Fernleigh", "1985-07-30", "M",
                  "11 Beck Lane", "LS12 3BB", "", "", "")  # fmt: skip
    other = store.person("adult_mental_health|persons|AC1")
    assert store.person(HOUSING + "HC1") == other != store.person(PROBATION + "PC1")

    # Probation's NHS number, the housing record's name, DOB and postcode (not its house).
    linking = store.deliver("substance_misuse", "SC1", "Tobiah", "Fernleigh", "1985-07-30", "M",
                            "9 Beck Lane", "LS12 3BB", first, "", "")  # fmt: skip

    assert linking is not None and linking["queued_for_review"] >= 1
    assert linking["persons_merged"] == 0
    assert store.person(DRUGS + "SC1") == store.person(PROBATION + "PC1") != other
    assert store.person(HOUSING + "HC1") == store.person("adult_mental_health|persons|AC1")
    assert store.review_status(DRUGS + "SC1", HOUSING + "HC1") == "OPEN"
    with store.engine.connect() as c:
        merges = c.execute(
            select(linkage_merge.c.id).where(linkage_merge.c.bridge_record_key == DRUGS + "SC1")
        ).all()
    assert merges == []


def test_a_reviewers_not_the_same_person_blocks_the_bridge(store: Store) -> None:
    number = nhs("943476595")
    store.deliver("probation", "PD1", "Marguerite", "Ashdown", "1979-11-03", "F",
                  "8 Canal Wharf", "LS1 4BR", number, "", "")  # fmt: skip
    store.deliver("housing", "HD1", "Margeurite", "Ashdown", "1979-11-03", "F",
                  "3 Oak Road", "LS8 1QQ", "", "", "")  # fmt: skip
    left, right = sorted((PROBATION + "PD1", HOUSING + "HD1"))
    with store.engine.begin() as c:
        item = c.execute(
            select(linkage_review.c.id).where(
                linkage_review.c.record_key_l == left, linkage_review.c.record_key_r == right
            )
        ).scalar_one()
        decide(c, item, "NON_MATCH", reviewer="steward", reason="different mothers' names")

    store.deliver("substance_misuse", "SD1", "Marguerite", "Ashdown", "1979-11-03", "F",
                  "3 Oak Road", "LS8 1QQ", number, "", "")  # fmt: skip

    assert store.person(PROBATION + "PD1") != store.person(HOUSING + "HD1")
    with store.engine.connect() as c:
        assert not c.execute(
            select(linkage_merge.c.id).where(linkage_merge.c.bridge_record_key == DRUGS + "SD1")
        ).all()
