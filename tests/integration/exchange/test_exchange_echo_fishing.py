"""Red team (issue 24): can a partner fish for summaries of children it does not hold?

It used to: the holder checked a request against the encoding it had exported, and the
partner holds the export, so echoing it back got a signed summary of every child exported.
Now (``services.exchange_sessions``) each exchange is a session whose own salt keys both
sides' encodings, the partner deposits its encodings before the holder releases its export,
and the holder answers only refs its own matching paired with that deposit. These tests
try the echo every way round: in the same session (after the export: too late to deposit),
in a later session (the old export's encodings match nothing), and naming the old session;
and the bound on what a partner holding the secret can deposit (a dictionary)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from joinedup.errors import BadInput, Conflict, NotFound
from joinedup.exchange import encoding
from joinedup.services import exchange, exchange_sessions
from joinedup.store.audit_tables import audit_entry

from .conftest import Pair, open_and_deposit

NOW = datetime.now(UTC)


def _exported(pair: Pair) -> tuple[str, bytes]:
    """A session in which Otherbury deposited its own children, and the export it got."""
    session, _ = open_and_deposit(pair, NOW)
    with pair.sides["exampleshire"].active():
        return session, exchange.export_encodings(pair.a, "otherbury", session, NOW)


def _echo(blob: bytes, key: bytes) -> list[encoding.ChildEncoding]:
    return encoding.deserialise(blob, secret=key)


def _key(pair: Pair, session: str) -> bytes:
    with pair.a.connect() as a:
        salt = a.execute(text("select salt from exchange_session where id = :id"),
                         {"id": session}).scalar_one()  # fmt: skip
    with pair.sides["otherbury"].active():
        return encoding.session_secret(exchange.configured().get("exampleshire").secret,
                                       bytes(salt))  # fmt: skip


def _deposit(pair: Pair, session: str, encodings: list[encoding.ChildEncoding],
             key: bytes) -> dict:  # fmt: skip
    document = json.loads(encoding.serialise(encodings, secret=key))
    with pair.sides["exampleshire"].active():
        partner = exchange.configured().get("otherbury")
        return exchange_sessions.deposit(pair.a, partner, {"session": session,
                                                           "deposit": document}, NOW)  # fmt: skip


def test_echoing_the_export_back_gets_no_summary_of_a_child_the_partner_does_not_hold(
    pair: Pair,
) -> None:
    session, blob = _exported(pair)
    echoed = [{"ref": e.ref} for e in _echo(blob, _key(pair, session))]
    assert len(echoed) > len(pair.movers)  # Otherbury holds a handful of them
    with pair.sides["exampleshire"].active(), pytest.raises(NotFound):
        exchange.answer_requests(pair.a, "otherbury", session, echoed[:50], NOW)
    # Depositing the export in the same session, now that it has been seen: too late.
    with pytest.raises(Conflict, match="new session"):
        _deposit(pair, session, _echo(blob, _key(pair, session)), _key(pair, session))


def test_an_old_sessions_encodings_deposited_in_a_new_session_pair_with_nothing(
    pair: Pair,
) -> None:
    old, blob = _exported(pair)
    old_key = _key(pair, old)
    echoed = _echo(blob, old_key)
    with pair.sides["exampleshire"].active():
        partner = exchange.configured().get("otherbury")
        new = exchange_sessions.open_session(pair.a, partner, NOW)["session"]
    # As sent, the old encodings carry the old session's key check: refused outright.
    with pytest.raises(BadInput, match="different shared secret"):
        _deposit(pair, new, echoed, old_key)
    # Relabelled with the new session's key check, they are kept but match nothing.
    _deposit(pair, new, echoed, _key(pair, new))
    with pair.sides["exampleshire"].active():
        fresh = _echo(exchange.export_encodings(pair.a, "otherbury", new, NOW), _key(pair, new))
        with pytest.raises(NotFound, match=r"requests\[0\]"):
            exchange.answer_requests(pair.a, "otherbury", new, [{"ref": fresh[0].ref}], NOW)
    with pair.a.connect() as a:
        paired = a.execute(text("select count(*) from exchange_export_ref "
                                "where paired_with is not null")).scalar_one()  # fmt: skip
    assert paired == 0
    # And a request naming the old session, whose refs it did get, is refused and audited.
    with pair.sides["exampleshire"].active(), pytest.raises(NotFound, match="session"):
        exchange.answer_requests(pair.a, "otherbury", old, [{"ref": echoed[0].ref}], NOW)
    with pair.a.connect() as a:
        refused = a.execute(select(audit_entry.c.details).where(
            audit_entry.c.kind == "EXCHANGE_REQUEST_REFUSED")).scalars().all()  # fmt: skip
    assert [r["session"] for r in refused] == [new, old]


def test_the_holder_releases_nothing_until_the_partner_has_deposited(pair: Pair) -> None:
    with pair.sides["exampleshire"].active():
        partner = exchange.configured().get("otherbury")
        session = exchange_sessions.open_session(pair.a, partner, NOW)["session"]
        with pytest.raises(Conflict, match="deposit") as refused:
            exchange.export_encodings(pair.a, "otherbury", session, NOW)
        assert refused.value.http_status == 409
        with pytest.raises(NotFound, match="session"):
            exchange.export_encodings(pair.a, "otherbury", "not-a-session", NOW)


def test_the_export_is_released_once_per_session(pair: Pair) -> None:
    session, _ = _exported(pair)
    with pair.sides["exampleshire"].active(), pytest.raises(Conflict, match="once"):
        exchange.export_encodings(pair.a, "otherbury", session, NOW)


def test_a_deposit_larger_than_the_partners_maximum_is_refused_and_audited(pair: Pair) -> None:
    import yaml

    side = pair.sides["exampleshire"]
    config = yaml.safe_load(side.partners_file.read_text())
    config["partners"]["otherbury"]["max_deposit"] = 5
    side.partners_file.write_text(yaml.safe_dump(config))
    with side.active():
        partner = exchange.configured().get("otherbury")
        opened = exchange_sessions.open_session(pair.a, partner, NOW)
    key = _key(pair, opened["session"])
    invented = [
        encoding.ChildIdentity(f"invented-{n}", name, "SMITH", None, None, (), None)
        for n, name in enumerate(("AVA", "ZOE", "MIA", "LEO", "ALI", "JO"))
    ]  # fmt: skip
    made = encoding.encode_children(invented, key, export_salt=b"x" * 32)
    assert _deposit(pair, opened["session"], made[:4], key)["deposited"] == 4
    with pytest.raises(exchange_sessions.DepositTooLarge, match="more than the 5") as refused:
        _deposit(pair, opened["session"], made[4:], key)
    assert refused.value.http_status == 413
    with pair.a.connect() as a:
        audited = {r.kind: r.details for r in a.execute(select(
            audit_entry.c.kind, audit_entry.c.details).where(
            audit_entry.c.kind.like("EXCHANGE_DEPOSIT%")))}  # fmt: skip
        kept = a.execute(text("select deposited from exchange_session")).scalar_one()
    assert audited["EXCHANGE_DEPOSITED"]["children"] == 4
    assert audited["EXCHANGE_DEPOSIT_REFUSED"] == {
        "partner": "otherbury", "session": opened["session"], "children": 6, "max_deposit": 5,
    }  # fmt: skip
    assert kept == 4
