"""A small police delivery with places, objects and incident links (``pole-csv/1``'s optional
files), written by hand: three children who went missing or were exploited, one adult, one
hotel and one car tie them; a second adult, a shop and a child with nothing to do with
exploitation do not count (each is tied to fewer than two such children)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from joinedup.governance.agreement_store import save
from joinedup.governance.agreements import shipped_agreements
from joinedup.ingest import ingest_delivery
from joinedup.store.casework_tables import triage_case
from tests.support.deliveries import (
    POLICE_INCIDENTS,
    POLICE_INVOLVEMENTS,
    POLICE_PERSONS,
    csv_text,
    make_delivery,
)
from tests.support.linked import link_by_hand

LOCATIONS = ["location_id", "kind", "name", "postcode"]
OBJECTS = ["object_id", "kind", "identifier", "description"]
LINKS = ["incident_id", "entity_type", "entity_id", "role"]

PERSONS = [
    ["C1", "Amy", "Brook", "2011-02-03", "F", "1 Elm Road", "LS6 2AB", ""],
    ["C2", "Beth", "Cole", "2010-09-14", "F", "2 Oak Road", "LS6 3CD", ""],
    ["C3", "Cara", "Dean", "2012-01-20", "F", "3 Ash Road", "LS7 1AA", ""],
    ["C4", "Dan", "Ellis", "2011-06-01", "M", "4 Yew Road", "LS7 2BB", ""],
    ["A1", "Gareth", "Fenwick", "1988-03-03", "M", "9 Mill Lane", "LS9 8AA", "12/345678A"],
    ["A2", "Harry", "Gill", "1990-05-05", "M", "8 Mill Lane", "LS9 8AB", ""],
]
INCIDENTS = [
    ["I1", "2026-03-01T22:00:00Z", "MISSING_PERSON", "LS1 4AP", "", "Missing overnight"],
    ["I2", "2026-04-01T23:00:00Z", "MISSING_PERSON", "LS1 4AP", "", "Missing"],
    ["I3", "2026-05-01T20:00:00Z", "CHILD_SEXUAL_EXPLOITATION", "LS1 4AP", "", "Concern"],
    ["I4", "2026-05-02T12:00:00Z", "THEFT", "LS1 5AA", "", "Shop theft"],
    ["I5", "2026-06-01T21:00:00Z", "MISSING_PERSON", "LS1 4AP", "", "Missing"],
]
INVOLVEMENTS = [
    ["I1", "C1", "MISSING_PERSON"],
    ["I1", "A1", "SUSPECT"],
    ["I2", "C2", "MISSING_PERSON"],
    ["I2", "A1", "SUBJECT_OF_CONCERN"],
    ["I3", "C3", "VICTIM"],
    ["I3", "A1", "SUSPECT"],
    ["I4", "C4", "SUSPECT"],
    ["I4", "A2", "WITNESS"],
    ["I5", "C4", "MISSING_PERSON"],
    ["I5", "A2", "SUSPECT"],
]
LOCATION_ROWS = [
    ["L1", "HOTEL", "Station Hotel", "LS1 4AP"],
    ["L2", "SHOP", "Corner Shop", "LS1 5AA"],
]
OBJECT_ROWS = [
    ["O1", "VEHICLE", "ab12cde", "Silver hatchback"],
    ["O2", "PHONE", "07700 900123", "Pay as you go"],
]
LINK_ROWS = [
    ["I1", "LOCATION", "L1", "SEEN_AT"],
    ["I1", "OBJECT", "O1", "SEEN_IN"],
    ["I2", "LOCATION", "L1", "SEEN_AT"],
    ["I3", "OBJECT", "O1", "SEEN_IN"],
    ["I4", "LOCATION", "L2", "SEEN_AT"],
    ["I5", "OBJECT", "O2", "USED"],
]
# The children and the adult the network holds; who the police records are (person ids).
CHILDREN = ("C1", "C2", "C3")
PEOPLE = {f"P-{s}": [("police", "persons", s)] for s in (*CHILDREN, "C4", "A1", "A2")}


def pole_delivery(
    folder: Path,
    *,
    locations: list[list[Any]] | str | None = None,
    objects: list[list[Any]] | str | None = None,
    links: list[list[Any]] | str | None = None,
    **kwargs: Any,
) -> Path:
    """The delivery; pass rows (or a file's whole text) to replace an optional file."""

    def text(header: list[str], rows: list[list[Any]] | str) -> str:
        return rows if isinstance(rows, str) else csv_text(header, rows)

    return make_delivery(
        folder,
        "police",
        {
            "persons.csv": csv_text(POLICE_PERSONS, PERSONS),
            "incidents.csv": csv_text(POLICE_INCIDENTS, INCIDENTS),
            "involvements.csv": csv_text(POLICE_INVOLVEMENTS, INVOLVEMENTS),
            "locations.csv": text(LOCATIONS, LOCATION_ROWS if locations is None else locations),
            "objects.csv": text(OBJECTS, OBJECT_ROWS if objects is None else objects),
            "incident_links.csv": text(LINKS, LINK_ROWS if links is None else links),
        },
        **kwargs,
    )


def network_store(
    engine: Engine,
    folder: Path,
    on_mash_list: tuple[str, ...],
    now: datetime,
    *,
    police_withholds: tuple[str, ...] = (),
) -> None:
    """The shipped agreements in force, the delivery ingested, each police record its own
    person (``PEOPLE``), and a MASH triage case open for each child of ``on_mash_list`` (their
    legitimate relationship). ``police_withholds`` are police items (``incidents``...) the
    agreements do not share with the MASH in this store."""
    ingest_delivery(engine, pole_delivery(folder))
    with engine.begin() as connection:
        for agreement in shipped_agreements():
            flows = tuple(
                flow.model_copy(
                    update={"items": tuple(i for i in flow.items if i not in police_withholds)}
                )
                if flow.source == "police"
                else flow
                for flow in agreement.flows
            )
            changed = agreement.model_copy(update={"flows": flows})
            save(connection, changed, source="examples", loaded_by="dpo", now=now)
        link_by_hand(connection, PEOPLE, now)
        for source_id in on_mash_list:
            connection.execute(
                insert(triage_case).values(
                    person_id=f"P-{source_id}",
                    opened_by="mash-practitioner",
                    agency="social_care",
                    reason="Missing episodes",
                    opened_at=now,
                    due_at=now + timedelta(days=1),
                    prompted_by="CONTACT",
                )
            )
