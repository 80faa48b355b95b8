"""Keyed Bloom-filter encodings of children: what they hide, what they keep comparable."""

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from joinedup.errors import BadInput
from joinedup.exchange import (
    ChildEncoding,
    ChildIdentity,
    EncodingParams,
    deserialise,
    encode_children,
    serialise,
)
from joinedup.exchange.matching import as_words, dice_scores

SECRET = b"agreed between the two partnerships"
OLIVIA = ChildIdentity(
    "person-17", "Olivia Mae", "Smith", date(2015, 3, 4), "F", ("WF1 2AB",), "9434765919"
)


def dice(a: ChildEncoding, b: ChildEncoding) -> float:
    return float(dice_scores(as_words([a]), as_words([b]), np.array([0]), np.array([0]))[0])


def one(
    child: ChildIdentity, secret: bytes = SECRET, salt: bytes = b"export-1", **kw
) -> ChildEncoding:
    return encode_children([child], secret, export_salt=salt, **kw)[0]


def test_the_ref_is_opaque_and_differs_between_exports_while_the_filter_does_not():
    first, second = one(OLIVIA, salt=b"export-1"), one(OLIVIA, salt=b"export-2")
    assert "person-17" not in first.ref and first.ref != second.ref
    assert first.clk == second.clk and first.blocks == second.blocks
    # nothing of the plaintext appears in the serialised export
    blob = serialise([first], secret=SECRET).upper()
    for plain in (b"OLIVIA", b"SMITH", b"2015", b"9434765919", b"WF1", b"PERSON-17"):
        assert plain not in blob


def test_without_the_same_secret_nothing_is_comparable():
    ours, theirs = one(OLIVIA), one(OLIVIA, secret=b"another secret")
    assert ours.clk != theirs.clk
    assert not set(ours.blocks) & set(theirs.blocks)
    assert dice(ours, theirs) < 0.8  # no better than two strangers' balanced filters


def test_the_same_child_recorded_with_errors_scores_higher_than_a_similar_stranger():
    recorded_there = replace(
        OLIVIA,
        person_id="other-side-9",
        forenames="Olivia",
        surname="Smyth",
        date_of_birth=date(2015, 4, 3),  # day and month swapped
        postcodes=("LS6 1AA",),  # moved
    )
    stranger = replace(
        OLIVIA, person_id="x", forenames="Olive", date_of_birth=date(2015, 9, 21), nhs_number=None
    )
    same = dice(one(OLIVIA), one(recorded_there))
    assert same > 0.93
    assert same > dice(one(OLIVIA), one(stranger)) + 0.03


def test_balanced_filters_all_weigh_the_same_whatever_the_child_holds():
    sparse = ChildIdentity("p2", "Al", "Li", None, None, (), None)
    weights = {
        int(np.unpackbits(np.frombuffer(one(c).clk, np.uint8)).sum()) for c in (OLIVIA, sparse)
    }
    assert weights == {EncodingParams().bits}


def test_the_wire_format_round_trips_and_refuses_what_it_cannot_read():
    encodings = encode_children([OLIVIA, replace(OLIVIA, person_id="p3")], SECRET, export_salt=b"e")
    blob = serialise(encodings, secret=SECRET)
    assert deserialise(blob, secret=SECRET) == encodings
    with pytest.raises(BadInput, match="different shared secret"):
        deserialise(blob, secret=b"not ours")
    with pytest.raises(BadInput, match="different encoding parameters"):
        deserialise(blob, params=EncodingParams(balanced=False))
    with pytest.raises(BadInput, match="not JSON"):
        deserialise(b"\x00garbage")
    with pytest.raises(BadInput, match="version"):
        deserialise(blob.replace(b'"version":1', b'"version":9'))
    with pytest.raises(BadInput, match="encoding 1 has"):
        deserialise(_short(blob))


def _short(blob: bytes) -> bytes:
    doc = json.loads(blob)
    doc["encodings"][0]["clk"] = "AAAA"
    return json.dumps(doc).encode()


def test_an_empty_secret_or_salt_is_refused():
    with pytest.raises(BadInput, match="secret"):
        encode_children([OLIVIA], b"", export_salt=b"s")
    with pytest.raises(BadInput, match="export_salt"):
        encode_children([OLIVIA], SECRET, export_salt=b"")


def test_a_heavy_token_sets_as_many_positions_as_its_weight():
    """Positions came from at most two 64-byte digests, so a weight above 32 was cut to 32."""
    only_nhs = EncodingParams(
        k_forename=0, k_surname=0, k_dob_part=0, k_sex=0, k_postcode=0, balanced=False
    )
    nhs_only = ChildIdentity("p", "", "", None, None, (), "9434765919")
    for k in (40, 64):
        clk = one(nhs_only, params=replace(only_nhs, k_nhs=k)).clk
        assert int(np.unpackbits(np.frombuffer(clk, np.uint8)).sum()) >= k - 3
