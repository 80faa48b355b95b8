"""Two partnerships for the exchange tests (issue 24): Exampleshire and Otherbury, each its own
store, audit key and partners file, with the agreement between them loaded in both, and
children who moved from Exampleshire to Otherbury (their first record there: a school's).

Until the two-partnership generator lands, a move is made here: the mover's identity from
Exampleshire's store becomes a new pupil record and linked person in Otherbury's store, at a
new address, as the first delivery of a school in the new area would make it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, insert, select

from joinedup import services
from joinedup.config import use_in_this_process
from joinedup.governance.agreements import EXAMPLES
from joinedup.store.linkage_tables import linkage_record, linkage_run
from joinedup.store.tables import delivery, event, person, person_record, source_record

BETWEEN = EXAMPLES / "between"
NAMES = ("exampleshire", "otherbury")


@dataclass
class Side:
    name: str
    url: str  # the database URL
    key: str  # the audit signing key, base64 raw (JOINEDUP_AUDIT_SIGNING_KEY)
    partners_file: Path
    public_key_file: Path

    def env(self) -> dict[str, str]:
        return {
            "JOINEDUP_DATABASE_URL": self.url,
            "JOINEDUP_AUDIT_SIGNING_KEY": self.key,
            "JOINEDUP_EXCHANGE_PARTNERS": str(self.partners_file),
        }

    @contextmanager
    def active(self) -> Iterator[None]:
        with use_in_this_process(self.env()):
            yield


def new_key(folder: Path, name: str) -> tuple[str, Path]:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = folder / f"{name}-audit.pub.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return base64.b64encode(raw).decode(), public


def build_store(
    folder: Path, url: str, seed: int, children: int = 250, *, own_nhs_numbers: bool = True
) -> Engine:
    """A linked store of a generated partnership with the shipped agreements and the one
    between the two partnerships. ``own_nhs_numbers=False``: its NHS numbers are dropped,
    since two generated partnerships draw them from the same synthetic range while real ones
    are national and unique (unrelated children would share them and be matched); the pair
    generator (``joinedup synth --moves-to``) gives each partnership its own range."""
    from sqlalchemy import update

    from joinedup.synth import SynthOptions, generate_partnership

    feeds = folder / f"feeds-{seed}"
    generate_partnership(feeds, children=children, seed=seed, options=SynthOptions())
    engine = services.open_store(url)
    for d in services.deliveries_in(feeds):
        services.ingest(engine, d, link=False)
    services.link_people(engine)
    if not own_nhs_numbers:
        with engine.begin() as connection:
            connection.execute(update(person_record).values(nhs_number=None))
    services.load_agreements(engine, sorted(EXAMPLES.glob("*.yaml")), loaded_by="tests")
    services.load_agreements(engine, sorted(BETWEEN.glob("*.yaml")), loaded_by="tests")
    return engine


def sides(folder: Path, urls: dict[str, str], base_urls: dict[str, str]) -> dict[str, Side]:
    """Keys, the shared secret and each side's partners file (the other side as partner)."""
    secret = folder / "shared.secret"
    secret.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    keys = {name: new_key(folder, name) for name in NAMES}
    out = {}
    for name in NAMES:
        other = next(n for n in NAMES if n != name)
        partners = folder / f"{name}-partners.yaml"
        partners.write_text(yaml.safe_dump({
            "partnership": name,
            "partners": {other: {"url": base_urls[other], "secret_file": str(secret),
                                 "public_keys": [str(keys[other][1])]}},
        }))  # fmt: skip
        out[name] = Side(name, urls[name], keys[name][0], partners, keys[name][1])
    return out


def on_plan(engine: Engine, today: Any) -> list[str]:
    """Exampleshire's children on a current child protection plan or looked after."""
    with engine.connect() as c:
        ids = c.execute(select(event.c.person_source_id).where(
            event.c.agency_id == "social_care", event.c.event_type.in_(("CP_PLAN", "LOOKED_AFTER")),
            event.c.ended_on.is_(None), event.c.occurred_on <= today)).scalars().all()  # fmt: skip
        return sorted(set(c.execute(select(linkage_record.c.person_id).where(
            linkage_record.c.agency_id == "social_care",
            linkage_record.c.source_id.in_(ids))).scalars()))  # fmt: skip


def move(source: Engine, target: Engine, person_ids: list[str], postcode: str) -> dict[str, str]:
    """Each child's identity (social care's record of them, else any) as a new pupil and
    linked person in ``target``; returns source person id -> target person id."""
    out = {}
    now = datetime.now(UTC)
    with source.connect() as a, target.begin() as b:
        run_id = b.execute(select(func.max(linkage_run.c.id))).scalar()
        delivery_id = b.execute(select(func.max(delivery.c.id))).scalar()
        for n, person_id in enumerate(person_ids):
            record = _identity_of(a, person_id)
            source_id = f"MOVER-{n:04d}"
            payload = {"upn": source_id, "forename": record.forenames, "surname": record.surname}
            sr = b.execute(insert(source_record).values(
                agency_id="education", source_table="pupils", source_id=source_id,
                content_sha256=hashlib.sha256(source_id.encode()).hexdigest(), payload=payload,
                first_delivery_id=delivery_id, last_changed_delivery_id=delivery_id,
                row_number=n + 1)).inserted_primary_key  # fmt: skip
            assert sr is not None
            b.execute(insert(person_record).values(
                source_record_id=sr[0], agency_id="education", source_table="pupils",
                source_id=source_id, forenames=record.forenames, surname=record.surname,
                date_of_birth=record.date_of_birth, sex=record.sex,
                nhs_number=record.nhs_number, postcode=postcode,
                surname_folded=(record.surname or "").lower()))  # fmt: skip
            new_id = f"P-MOVER{n:05d}"
            b.execute(insert(person).values(id=new_id, created_at=now))
            b.execute(insert(linkage_record).values(
                record_key=f"education|pupils|{source_id}", agency_id="education",
                source_table="pupils", source_id=source_id, person_id=new_id,
                run_id=run_id))  # fmt: skip
            out[person_id] = new_id
    return out


def _identity_of(connection: Any, person_id: str) -> Any:
    """The person's record a mover's new area would meet: social care's, else any."""
    record = connection.execute(
        select(person_record)
        .join(linkage_record, (linkage_record.c.agency_id == person_record.c.agency_id)
              & (linkage_record.c.source_id == person_record.c.source_id)
              & (linkage_record.c.source_table == person_record.c.source_table))
        .where(linkage_record.c.person_id == person_id)
        .order_by((person_record.c.agency_id != "social_care"), person_record.c.id)
    ).first()  # fmt: skip
    assert record is not None
    return record


def children_ids(engine: Engine, today: Any) -> list[str]:
    """Person ids of the store's children, the exchange's way (under 18, linked)."""
    from joinedup.services.exchange_records import encoded_children

    with engine.connect() as c:
        person_ids, _ = encoded_children(c, b"k" * 32, b"s" * 32, today)
        return person_ids


def mover_delivery(
    source: Engine, person_ids: list[str], folder: Path, postcode: str
) -> tuple[Path, dict[str, str]]:
    """The receiving area's first records of the movers, as a real delivery: a school census
    (``school-census-csv/1``) with one pupil per child, from ``source``'s record of them, at
    a new address. Returns the folder and source person id -> UPN."""
    from joinedup.domain.identifiers import upn_check_letter
    from tests.support.deliveries import school_census_delivery

    pupils, upns = [], {}
    with source.connect() as a:
        for n, person_id in enumerate(person_ids):
            record = _identity_of(a, person_id)
            digits = f"{938000000000 + n:012d}"
            upn = upn_check_letter(digits) + digits
            upns[person_id] = upn
            pupils.append({
                "upn": upn, "legal_forename": record.forenames, "legal_surname": record.surname,
                "date_of_birth": record.date_of_birth.isoformat(), "sex": record.sex,
                "postcode": postcode, "urn": "100001", "entry_date": datetime.now(UTC).date()
                .isoformat(), "fsm_eligible": "false", "sen_provision": "N",
            })  # fmt: skip
    extracted = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return school_census_delivery(folder, pupils=pupils, extracted_at=extracted), upns
