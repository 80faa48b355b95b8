"""A sealed record in the link review (red team): the reviewer compared a pair's records as
their agencies recorded them, a witness-protected person's name, date of birth, address and
identifiers included. A sealed record opens through no rule of the link review: its side
of the pair says only "restricted record" (the other side is shown as before)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from joinedup.governance.minimisation import RESTRICTED
from joinedup.ingest import ingest_delivery
from joinedup.linkage.review import pair_records
from tests.support.hostile import police

SEALED = ("Jane", "Smith", "1990-04-01", "1 High Street", "LS6 2AB")


@pytest.mark.parametrize("kind", ["witness_protection", "adoption", "something else"])
def test_a_sealed_record_in_a_review_pair_is_restricted(
    engine: Engine, tmp_path: Path, kind: str
) -> None:
    ingest_delivery(engine, police(tmp_path / "p"))
    with engine.begin() as c:
        c.execute(
            text("update person_record set attributes = :a where source_id = 'N1'"),
            {"a": f'{{"sealed": "{kind}"}}'},
        )
        records = pair_records(
            c, {"record_key_l": "police|persons|N1", "record_key_r": "police|persons|N2"}
        )
    left, right = records["left"], records["right"]
    assert left is not None and right is not None
    assert left["restricted"] == RESTRICTED
    for value in SEALED:
        assert value not in repr(left), value
    assert right["forenames"] == "Tom" and right["restricted"] is None


def test_the_review_page_says_restricted_and_compares_nothing_with_it() -> None:
    from joinedup.web.pages.review import side_by_side

    shown = {"forenames": "Tom", "surname": "Smith", "other_names": [], "date_of_birth": None,
             "sex": "M", "nhs_number": None, "upn": None, "postcode": "LS6 2AB",
             "address_line": None, "other_identifiers": [], "restricted": None}  # fmt: skip
    sealed = {**{k: None for k in shown}, "other_names": [], "other_identifiers": [],
              "restricted": RESTRICTED}  # fmt: skip
    rows = side_by_side({"left": sealed, "right": shown})
    assert {r["left"] for r in rows} == {RESTRICTED}
    assert all(r["agree"] == "" for r in rows)
