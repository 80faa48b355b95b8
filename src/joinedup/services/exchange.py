"""The exchange between partnerships (issue 24) as use cases, on one store.

Holding side (the partnership the child is known to): the partner opens a session and
deposits its own encodings first (``exchange_sessions``: why); ``export_encodings`` then
encodes our children for that session (keyed by the shared secret and the session's salt),
keeps which ref is which child and pairs them with the deposit by our own matching;
``answer_requests`` answers a partner's request for summaries only for refs of that
session's export so paired, only what the agreement between the two lets pass, signed
with the audit key and audited.

Receiving side: ``deposit_for`` encodes our children for the partner's session (what we
deposit); ``discover_from`` matches them against the partner's encodings of the session
and records the matches and what to request; ``receive_summaries`` checks each summary's
signature, that it is about a child we matched and holds only what the agreement allows,
keeps it, tells the MASH and, for a child on a plan or looked after, opens a transfer-in
case (``exchange_transfer``). Both sides audit (``EXCHANGE_SENT`` / ``EXCHANGE_RECEIVED``,
about the child), which the child's transparency report shows. Nothing about a child only
one side holds crosses: encodings are all that leave before a match.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from joinedup.config import settings
from joinedup.errors import BadInput, Conflict, NotFound
from joinedup.exchange import encoding, matching, partners, shape, summary
from joinedup.exchange.terms import PURPOSE, SECTIONS, NotAgreed, Terms, terms_for
from joinedup.governance.agreement_store import current_agreements
from joinedup.governance.audit import append
from joinedup.governance.audit.keys import load_signer
from joinedup.services import exchange_records, exchange_sessions, exchange_transfer
from joinedup.store.exchange_tables import (
    exchange_export_ref,
    exchange_match,
    exchange_session,
    exchange_summary,
)

SYSTEM = "exchange"
MAX_REQUESTS = 5_000


@dataclass(frozen=True)
class Deposit:
    """Our children encoded for one session of a partner's: deposited, then matched."""

    salt: bytes
    person_ids: list[str]
    encodings: list[encoding.ChildEncoding]


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


# ---- holding side -----------------------------------------------------------------------
def export_encodings(engine: Engine, partner_name: str, session_id: Any, now: datetime) -> bytes:
    """Our children's encodings for ``partner_name`` in its session (refused unless an
    agreement in force lets us share with it, and until it has deposited its own: 409),
    once per session. Our own matching pairs them with the deposit now: only a ref so
    paired is answered (``exchange_sessions``: why)."""
    config = configured()
    partner = config.get(partner_name)
    with engine.begin() as connection:
        terms = _terms(connection, config.ours, partner.name, now)
        session = exchange_sessions.current(connection, partner.name, session_id, "session")
        if not session.deposited:
            raise Conflict("session: deposit your encodings of the children you hold first")
        if session.exported_at is not None:
            raise Conflict("session: our encodings were released once; open a new session")
        key = exchange_sessions.session_key(partner, session)
        person_ids, encodings = exchange_records.encoded_children(
            connection, key, secrets.token_bytes(32), now.date()
        )
        person_of = dict(zip((e.ref for e in encodings), person_ids, strict=True))
        sent = encoding.shuffled(encodings)
        theirs = exchange_sessions.deposited(connection, session.id)
        # The same matching, on the same lists in the same order, as the partner runs.
        paired = {d.their_ref: d.our_ref for d in
                  matching.discover(theirs, sent, threshold=partner.threshold)}  # fmt: skip
        rows = [
            {
                "partner": partner.name,
                "ref": e.ref,
                "person_id": person_of[e.ref],
                "clk": e.clk,
                "blocks": list(e.blocks),
                "exported_at": now,
                "session_id": session.id,
                "paired_with": paired.get(e.ref),
            }  # fmt: skip
            for e in sent
        ]
        for start in range(0, len(rows), 5_000):
            connection.execute(insert(exchange_export_ref), rows[start : start + 5_000])
        connection.execute(update(exchange_session).where(exchange_session.c.id == session.id)
                           .values(exported_at=now))  # fmt: skip
        _audit(connection, "EXCHANGE_EXPORTED", None, now, partner=partner.name,
               session=session.id, children=len(rows), deposited=len(theirs),
               paired=len(paired), agreements=[terms.agreement])  # fmt: skip
    return encoding.serialise(sent, secret=key)


def _requested(items: Any) -> list[str]:
    if not isinstance(items, list) or not items:
        raise BadInput("requests: expected a list of {ref}")
    if len(items) > MAX_REQUESTS:
        raise BadInput(f"requests: at most {MAX_REQUESTS:,} at once")
    out = []
    for n, item in enumerate(items):
        ref = item.get("ref") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not ref:
            raise BadInput(f"requests[{n}]: expected the ref of a child of our export")
        out.append(ref)
    return out


def _paired(connection: Connection, partner: str, session_id: Any,
            wanted: list[str]) -> list[tuple[str, str]] | tuple[int, str, str]:  # fmt: skip
    """(ref, person id) for each request, or the first refused: (index, ref, why)."""
    try:
        session = exchange_sessions.current(connection, partner, session_id, "session")
    except NotFound as error:
        return 0, wanted[0], str(error)
    people = []
    for n, ref in enumerate(wanted):
        row = connection.execute(select(exchange_export_ref).where(
            exchange_export_ref.c.partner == partner, exchange_export_ref.c.ref == ref,
            exchange_export_ref.c.session_id == session.id,
        )).first()  # fmt: skip
        if row is None or row.paired_with is None:
            return n, ref, (f"requests[{n}]: ref {ref[:12]} is not a child of our export in "
                            "this session that your deposit matched")  # fmt: skip
        people.append((ref, row.person_id))
    return people


def answer_requests(
    engine: Engine, partner_name: str, session_id: Any, items: Any, now: datetime
) -> list[dict[str, Any]]:
    """Signed summaries for the refs of the session's export that our matching paired with
    the partner's deposit; ``NotFound`` (audited) naming the first request that is not."""
    config = configured()
    partner = config.get(partner_name)
    wanted = _requested(items)
    with engine.begin() as connection:
        terms = _terms(connection, config.ours, partner.name, now)
        people = _paired(connection, partner.name, session_id, wanted)
        if isinstance(people, list):
            return [_signed(connection, engine, config.ours, partner.name, terms, ref,
                            person_id, now) for ref, person_id in people]  # fmt: skip
    # Refused: audited in a transaction of its own, after the request's has ended.
    n, ref, why = people
    exchange_sessions.refused(engine, "EXCHANGE_REQUEST_REFUSED", partner.name, now,
                              session=str(session_id)[:64], request=n, ref=ref[:64])  # fmt: skip
    raise NotFound(why)


def _signed(connection: Connection, engine: Engine, ours: str, partner: str, terms: Terms,
            ref: str, person_id: str, now: datetime) -> dict[str, Any]:  # fmt: skip
    sections = exchange_records.sections(connection, person_id, terms, now.date())
    terms.check(sections, now.date())
    document = {
        "from": ours, "to": partner, "ref": ref, "purpose": PURPOSE,
        "agreement": terms.agreement, "flow": terms.flow, "made_at": now.isoformat(),
        "sections": sections,
    }  # fmt: skip
    signed = summary.sign(document, load_signer(engine.url).private_key)
    _audit(connection, "EXCHANGE_SENT", person_id, now, partner=partner,
           from_agency="social_care", to_partnership=partner,
           fields=terms.fields, agreements=[terms.agreement],
           lawful_basis=terms.lawful_basis, gateways=list(terms.gateways),
           sections=sorted(sections), digest=summary.digest(signed.summary))  # fmt: skip
    return signed.to_dict()


# ---- receiving side ---------------------------------------------------------------------
def deposit_for(engine: Engine, partner_name: str, salt: bytes, now: datetime) -> Deposit:
    """Our children (under 18, linked) encoded for the partner's session ``salt``, in the
    order of their refs: what we deposit with it and then match its export with."""
    config = configured()
    partner = config.get(partner_name)
    with engine.begin() as connection:
        _terms(connection, partner.name, config.ours, now)  # nothing to ask for without one
        person_ids, ours = exchange_records.encoded_children(
            connection, encoding.session_secret(partner.secret, salt), secrets.token_bytes(32),
            now.date(),
        )  # fmt: skip
    pairs = sorted(zip(person_ids, ours, strict=True), key=lambda p: p[1].ref)
    return Deposit(salt, [p for p, _ in pairs], [e for _, e in pairs])


def discover_from(
    engine: Engine, partner_name: str, blob: bytes, ours: Deposit, now: datetime
) -> dict:
    """Match our deposited children against the partner's encodings of the same session and
    record the matches (a ref of an earlier export of theirs is replaced). Returns the
    counts and what to request."""
    config = configured()
    partner = config.get(partner_name)
    theirs = encoding.deserialise(blob, secret=encoding.session_secret(partner.secret, ours.salt))
    person_ids, encodings = ours.person_ids, ours.encodings
    with engine.begin() as connection:
        _terms(connection, partner.name, config.ours, now)
        by_ref = {e.ref: person_id for person_id, e in zip(person_ids, encodings, strict=True)}
        found = matching.discover(encodings, theirs, threshold=partner.threshold)
        connection.execute(
            delete(exchange_match).where(
                exchange_match.c.partner == partner.name, exchange_match.c.status == "MATCHED"
            )
        )
        requests = []
        for d in found:
            connection.execute(insert(exchange_match).values(
                partner=partner.name, person_id=by_ref[d.our_ref], their_ref=d.their_ref,
                score=d.score, found_at=now, status="MATCHED"))  # fmt: skip
            requests.append({"ref": d.their_ref})
        _audit(connection, "EXCHANGE_DISCOVERY", None, now, partner=partner.name,
               ours=len(encodings), theirs=len(theirs), matched=len(found))  # fmt: skip
    return {"partner": partner.name, "ours": len(encodings), "theirs": len(theirs),
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
