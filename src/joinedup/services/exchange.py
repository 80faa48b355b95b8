"""The exchange between partnerships (issue 24) as use cases, on one store.

Holding side (the partnership the child is known to): ``export_encodings`` encodes its
children for a partner (keyed by the secret the two share) and keeps which ref is which
child; ``answer_requests`` answers a partner's request for summaries by ref, only for refs
of that export whose encoding the partner's own encoding of the child matches, only what
the agreement between the two lets pass, signed with the audit key and audited.

Receiving side: ``discover_from`` matches our children (new ones first) against a
partner's encodings and records the matches; ``summary_requests`` is what to ask for;
``receive_summaries`` checks each summary's signature, that it is about a child we matched
and holds only what the agreement allows, keeps it, tells the MASH and, for a child on a
plan or looked after, opens a transfer-in case (``exchange_transfer``). Both sides audit
(``EXCHANGE_SENT`` / ``EXCHANGE_RECEIVED``, about the child), which the child's
transparency report shows. Nothing about a child only one side holds crosses: encodings
are all that leave before a match.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from joinedup.config import settings
from joinedup.errors import BadInput, NotFound
from joinedup.exchange import encoding, matching, partners, shape, summary
from joinedup.exchange.terms import PURPOSE, SECTIONS, NotAgreed, Terms, terms_for
from joinedup.governance.agreement_store import current_agreements
from joinedup.governance.audit import append
from joinedup.governance.audit.keys import load_signer
from joinedup.services import exchange_records, exchange_transfer
from joinedup.store.exchange_tables import exchange_export_ref, exchange_match, exchange_summary

SYSTEM = "exchange"
MAX_REQUESTS = 5_000


def configured() -> partners.Partners:
    path = settings().exchange.partners_file
    if path is None:
        raise BadInput("no exchange partners: set JOINEDUP_EXCHANGE_PARTNERS to the partners file")
    return partners.load(path)


def _terms(connection: Connection, source: str, recipient: str, now: datetime) -> Terms:
    return terms_for(current_agreements(connection), source, recipient, now.date())


def _audit(connection: Connection, kind: str, subject: str | None, now: datetime,
           **details: Any) -> None:  # fmt: skip
    append(connection, kind=kind, actor=SYSTEM, purpose=PURPOSE, subject=subject,
           details=details, recorded_at=now)  # fmt: skip


def _matches(row: Any, clk: bytes, blocks: tuple[str, ...], threshold: float) -> bool:
    """Whether the requester's encoding of its child matches ours of the ref, by the same
    discovery the requester ran (blocking, threshold, identifier rules)."""
    if len(clk) != len(row.clk):
        return False
    theirs = encoding.ChildEncoding("requester", clk, blocks)
    ours = encoding.ChildEncoding(row.ref, row.clk, tuple(row.blocks or ()))
    return bool(matching.discover([theirs], [ours], threshold=threshold))


# ---- holding side -----------------------------------------------------------------------
def export_encodings(engine: Engine, partner_name: str, now: datetime) -> bytes:
    """Our children's encodings for ``partner_name`` (refused unless an agreement in force
    lets us share with it); the refs of the previous export to it stop answering."""
    config = configured()
    partner = config.get(partner_name)
    with engine.begin() as connection:
        terms = _terms(connection, config.ours, partner.name, now)
        person_ids, encodings = exchange_records.encoded_children(
            connection, partner.secret, secrets.token_bytes(32), now.date()
        )
        connection.execute(delete(exchange_export_ref).where(
            exchange_export_ref.c.partner == partner.name))  # fmt: skip
        rows = [
            {
                "partner": partner.name,
                "ref": e.ref,
                "person_id": person_id,
                "clk": e.clk,
                "blocks": list(e.blocks),
                "exported_at": now,
            }  # fmt: skip
            for person_id, e in zip(person_ids, encodings, strict=True)
        ]
        for start in range(0, len(rows), 5_000):
            connection.execute(insert(exchange_export_ref), rows[start : start + 5_000])
        _audit(connection, "EXCHANGE_EXPORTED", None, now, partner=partner.name,
               children=len(rows), agreements=[terms.agreement])  # fmt: skip
    return encoding.serialise(encoding.shuffled(encodings), secret=partner.secret)


def _requested(items: Any) -> list[tuple[str, bytes, tuple[str, ...]]]:
    if not isinstance(items, list) or not items:
        raise BadInput("requests: expected a list of {ref, clk, blocks}")
    if len(items) > MAX_REQUESTS:
        raise BadInput(f"requests: at most {MAX_REQUESTS:,} at once")
    out = []
    for n, item in enumerate(items):
        ref = item.get("ref") if isinstance(item, dict) else None
        try:
            clk = base64.b64decode(str(item.get("clk")), validate=True)
        except (binascii.Error, ValueError, AttributeError):
            clk = b""
        blocks = item.get("blocks") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not clk:
            raise BadInput(f"requests[{n}]: expected a ref and your encoding (clk, base64)")
        if not isinstance(blocks, list) or not all(isinstance(b, str) for b in blocks):
            raise BadInput(f"requests[{n}].blocks: expected your encoding's block keys")
        out.append((ref, clk, tuple(blocks)))
    return out


def answer_requests(
    engine: Engine, partner_name: str, items: Any, now: datetime
) -> list[dict[str, Any]]:
    """Signed summaries for the refs the partner matched; ``NotFound`` naming the first ref
    that is not of our last export to it or that its encoding does not match."""
    config = configured()
    partner = config.get(partner_name)
    wanted = _requested(items)
    signer = load_signer(engine.url)
    out = []
    with engine.begin() as connection:
        terms = _terms(connection, config.ours, partner.name, now)
        people = []
        for n, (ref, clk, blocks) in enumerate(wanted):
            row = connection.execute(select(exchange_export_ref).where(
                exchange_export_ref.c.partner == partner.name, exchange_export_ref.c.ref == ref
            )).first()  # fmt: skip
            if row is None or not _matches(row, clk, blocks, partner.threshold):
                raise NotFound(f"requests[{n}]: ref {ref[:12]} is not a child you matched in "
                               f"our last export to {partner.name}")  # fmt: skip
            people.append((ref, row.person_id))
        for ref, person_id in people:
            sections = exchange_records.sections(connection, person_id, terms, now.date())
            terms.check(sections, now.date())
            document = {
                "from": config.ours, "to": partner.name, "ref": ref, "purpose": PURPOSE,
                "agreement": terms.agreement, "flow": terms.flow, "made_at": now.isoformat(),
                "sections": sections,
            }  # fmt: skip
            signed = summary.sign(document, signer.private_key)
            _audit(connection, "EXCHANGE_SENT", person_id, now, partner=partner.name,
                   from_agency="social_care", to_partnership=partner.name,
                   fields=terms.fields, agreements=[terms.agreement],
                   lawful_basis=terms.lawful_basis, gateways=list(terms.gateways),
                   sections=sorted(sections), digest=summary.digest(signed.summary))  # fmt: skip
            out.append(signed.to_dict())
    return out


# ---- receiving side ---------------------------------------------------------------------
def discover_from(engine: Engine, partner_name: str, blob: bytes, now: datetime) -> dict:
    """Match our children against the partner's encodings and record the matches (a ref of
    an earlier export of theirs is replaced). Returns the counts and what to request."""
    config = configured()
    partner = config.get(partner_name)
    theirs = encoding.deserialise(blob, secret=partner.secret)
    with engine.begin() as connection:
        _terms(connection, partner.name, config.ours, now)  # nothing to ask for without one
        person_ids, ours = exchange_records.encoded_children(
            connection, partner.secret, secrets.token_bytes(32), now.date()
        )
        by_ref = {
            e.ref: (person_id, e.clk, e.blocks)
            for person_id, e in zip(person_ids, ours, strict=True)
        }
        found = matching.discover(ours, theirs, threshold=partner.threshold)
        connection.execute(
            delete(exchange_match).where(
                exchange_match.c.partner == partner.name, exchange_match.c.status == "MATCHED"
            )
        )
        requests = []
        for d in found:
            person_id, clk, blocks = by_ref[d.our_ref]
            connection.execute(insert(exchange_match).values(
                partner=partner.name, person_id=person_id, their_ref=d.their_ref,
                score=d.score, found_at=now, status="MATCHED"))  # fmt: skip
            requests.append({"ref": d.their_ref, "clk": base64.b64encode(clk).decode(),
                             "blocks": list(blocks)})  # fmt: skip
        _audit(connection, "EXCHANGE_DISCOVERY", None, now, partner=partner.name,
               ours=len(ours), theirs=len(theirs), matched=len(found))  # fmt: skip
    return {"partner": partner.name, "ours": len(ours), "theirs": len(theirs),
            "matched": len(found), "requests": requests}  # fmt: skip


def receive_summaries(engine: Engine, partner_name: str, signed: Any, now: datetime) -> dict:
    """Check, keep and act on the partner's signed summaries (all or none: one bad summary
    refuses the lot, naming it)."""
    config = configured()
    partner = config.get(partner_name)
    if not isinstance(signed, list):
        raise BadInput("summaries: expected a list of signed summaries")
    parsed = [summary.parse(s, f"summaries[{n}]") for n, s in enumerate(signed)]
    for item in parsed:
        summary.verify(item, partner.public_keys, partner.name)
    received = []
    with engine.begin() as connection:
        terms = _terms(connection, partner.name, config.ours, now)
        for n, item in enumerate(parsed):
            document = item.summary
            if document.get("to") != config.ours:
                raise BadInput(f"summaries[{n}]: addressed to {document.get('to')!r}, not us")
            match = connection.execute(select(exchange_match).where(
                exchange_match.c.partner == partner.name,
                exchange_match.c.their_ref == str(document.get("ref")),
            )).first()  # fmt: skip
            if match is None:
                raise NotFound(f"summaries[{n}]: about a child we did not match")
            try:
                shape.check_document(document)
            except shape.Unagreed as carried:
                raise NotAgreed(
                    f"summaries[{n}]: {carried}, which no agreement lets pass"
                ) from None
            sections = document.get("sections") or {}
            terms.check(sections, now.date())
            received.append(_keep(connection, partner.name, match, item, sections, terms, now))
    return {"partner": partner.name, "received": received}


def _keep(connection: Connection, partner: str, match: Any, item: summary.SignedSummary,
          sections: dict[str, Any], terms: Terms, now: datetime) -> dict[str, Any]:  # fmt: skip
    digest = summary.digest(item.summary)
    latest = connection.execute(select(exchange_summary.c.id, exchange_summary.c.summary).where(
        exchange_summary.c.partner == partner, exchange_summary.c.person_id == match.person_id,
    ).order_by(exchange_summary.c.id.desc()).limit(1)).first()  # fmt: skip
    if latest is not None and (latest.summary or {}).get("sections") == sections:
        # The same as last time (a later run, a new export): nothing new to tell the MASH.
        connection.execute(update(exchange_match).where(exchange_match.c.id == match.id)
                           .values(status="RECEIVED", summary_id=int(latest.id)))  # fmt: skip
        return {"summary_id": int(latest.id), "person_id": match.person_id, "new": False}
    key = connection.execute(insert(exchange_summary).values(
        partner=partner, person_id=match.person_id, their_ref=match.their_ref,
        summary=item.summary, key_id=item.key_id, signature=item.signature, digest=digest,
        received_at=now)).inserted_primary_key  # fmt: skip
    assert key is not None
    summary_id = int(key[0])
    connection.execute(update(exchange_match).where(exchange_match.c.id == match.id)
                       .values(status="RECEIVED", summary_id=summary_id))  # fmt: skip
    fields = sorted({f"social_care.{i}" for s in sections for i in SECTIONS.get(s, ())})
    _audit(connection, "EXCHANGE_RECEIVED", match.person_id, now, partner=partner,
           from_partnership=partner, to_agency="social_care", fields=fields,
           agreements=[str(item.summary.get("agreement"))], summary_id=summary_id,
           digest=digest, key_id=item.key_id, lawful_basis=terms.lawful_basis,
           gateways=list(terms.gateways))  # fmt: skip
    acted = exchange_transfer.act_on(connection, partner, match.person_id, summary_id,
                                     sections, now)  # fmt: skip
    connection.execute(update(exchange_summary).where(exchange_summary.c.id == summary_id)
                       .values(alert_id=acted["alert_id"]))  # fmt: skip
    return {"summary_id": summary_id, "person_id": match.person_id, "new": True, **acted}


def summary_of(connection: Connection, summary_id: int) -> dict[str, Any]:
    row = connection.execute(
        select(exchange_summary).where(exchange_summary.c.id == summary_id)
    ).first()
    if row is None:
        raise NotFound(f"no exchanged summary {summary_id}")
    return {
        "summary_id": int(row.id), "partner": row.partner, "person_id": row.person_id,
        "received_at": row.received_at.isoformat(), "key_id": row.key_id,
        "sections": row.summary.get("sections", {}), "agreement": row.summary.get("agreement"),
        "made_at": row.summary.get("made_at"), "alert_id": row.alert_id,
    }  # fmt: skip
