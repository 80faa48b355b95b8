"""The fast JSON path (orjson) reads and writes exactly what the json module does.

A row's content hash decides whether a re-delivered row is unchanged, so its canonical JSON
must be byte for byte what earlier ingests stored, whichever library made it. orjson reads
integers beyond 64 bits as floats and writes floats differently: lines with such numbers take
the json module's path.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest.canonical import canonical_and_digest, canonical_payload, content_hash
from joinedup.ingest.reading import _decode_plain as _decode_plain_with
from joinedup.ingest.reading import read_ndjson

# Text with every kind of character the encoders treat specially: controls, quotes,
# backslashes, DEL, non-ASCII, line and paragraph separators, a BOM, astral characters.
TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\x7f", "\u2028", "\u2029", "\ufeff", "\x00", "\x1f"]),
    ),
    max_size=12,
)
PLAIN_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    TEXT,
    st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1),
)
PLAIN_VALUES = st.recursive(
    PLAIN_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
PLAIN_PAYLOADS = st.dictionaries(TEXT, PLAIN_VALUES, max_size=6)


def _decode_plain(line: str) -> object:
    return _decode_plain_with(line, msgpack.Packer())


@settings(max_examples=400, deadline=None)
@given(PLAIN_PAYLOADS)
def test_a_plain_payload_is_written_and_hashed_as_the_json_module_does(payload: dict) -> None:
    canonical, digest = canonical_and_digest(payload, plain=True)
    assert canonical == canonical_payload(payload)
    assert digest == content_hash(payload)


@settings(max_examples=400, deadline=None)
@given(PLAIN_PAYLOADS)
def test_a_plain_line_is_read_as_the_json_module_reads_it(payload: dict) -> None:
    line = json.dumps(payload, ensure_ascii=False)
    value = _decode_plain(line)
    if value is None:  # msgpack's float byte, 0xCB, occurs otherwise: read the slower way
        assert b"\xcb" in msgpack.packb(json.loads(line))
        return
    assert value == json.loads(line)
    assert canonical_and_digest(value, plain=True)[1] == content_hash(json.loads(line))


def test_floats_and_long_integers_take_the_json_module_path() -> None:
    for line in (
        '{"a": 1.5}',
        '{"a": 1e-07}',
        '{"a": [1, 2E3]}',
        '{"a": -0.0}',
        '{"a": 18446744073709551616}',
        '{"a": -9223372036854775809}',
        '{"a": 1e400}',
        '{"deep": [[[[[[0.5]]]]]]}',
        "\ufeff{}",
    ):
        assert _decode_plain(line) is None, line


def test_what_orjson_refuses_is_left_to_the_json_module() -> None:
    for line in ('{"a": "\\ud800"}', '{"a": NaN}', "[" * 2000 + "]" * 2000, '{"a": 1,}'):
        assert _decode_plain(line) is None, line


def test_a_payload_orjson_cannot_write_is_written_the_json_module_way() -> None:
    payload = {"lone": "\ud800", "n": 2**70}
    canonical, digest = canonical_and_digest(payload, plain=True)
    assert canonical == canonical_payload(payload)
    assert digest == content_hash(payload)


def test_rows_with_floats_and_long_integers_keep_their_exact_values(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "score": 0.1, "big": 123456789012345678901234567890}',
        '{"id": "b", "tiny": 1e-07, "huge": 1e+16}',
        '{"id": "c", "n": 12, "text": "ratio :1.5", "at": "2024-01-30T11:59:00Z"}',
        '{"id": "d", "n": 9223372036854775807, "m": -9223372036854775808}',
    ]
    path = tmp_path / "Patient.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(read_ndjson(path))
    assert [row.plain for row in rows] == [False, False, True, True]
    for row, line in zip(rows, lines, strict=True):
        assert row.values == json.loads(line)
        canonical, digest = canonical_and_digest(row.values or {}, row.plain)
        assert canonical == canonical_payload(json.loads(line))
        assert digest == content_hash(json.loads(line))
    assert rows[0].values is not None and rows[0].values["big"] == 123456789012345678901234567890
