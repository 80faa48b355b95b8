"""Every reader of an untrusted JSON or YAML document says a document nested too deeply one
way, whatever the process's recursion limit: past it the parser raised RecursionError (a
traceback, or "not valid JSON (nested too deeply)"), within it the reader went on to say
something else (a structure it did not expect), or took the document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from joinedup.api.exchange import _json as partner_body
from joinedup.domain.nesting import TOO_DEEP, deeper_than
from joinedup.errors import JoinedUpError
from joinedup.exchange import encoding, partners
from joinedup.governance import agreements, retention
from joinedup.receive import tokens
from joinedup.services.audit_log import read_saved_head
from tests.support.recursion import raised_recursion_limit, under_both_limits


def deep_json(levels: int) -> str:
    return '{"a": ' + "[" * levels + "]" * levels + "}"


def deep_yaml(levels: int) -> str:
    return "rules: " + "[" * levels + "]" * levels + "\n"


def _file(text: str, name: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


READERS: dict[str, tuple[Callable[[int], str], str, Callable[[Path], object]]] = {
    "an agreements file": (deep_yaml, "dsa.yaml", agreements.load_file),
    "retention rules": (deep_yaml, "rules.yaml", retention.rules_from_yaml),
    "the partners file": (deep_yaml, "partners.yaml", partners.load),
    "a saved signed head": (deep_json, "head.json", read_saved_head),
    "child encodings": (deep_json, "enc.json", lambda p: encoding.deserialise(p.read_bytes())),
    "a partner's request body": (deep_json, "body.json", lambda p: partner_body(p.read_bytes())),
}


def _said(read: Callable[[Path], object], path: Path) -> str:
    with pytest.raises(JoinedUpError) as refused:
        read(path)
    return str(refused.value)


@pytest.mark.parametrize("levels", [65, 3_000])
@pytest.mark.parametrize("reader", list(READERS))
def test_too_deep_is_said_one_way_whatever_the_recursion_limit(
    tmp_path: Path, reader: str, levels: int
) -> None:
    make, name, read = READERS[reader]
    path = _file(make(levels), name)(tmp_path)
    low, high = under_both_limits(lambda: _said(read, path))
    assert low == high
    assert TOO_DEEP in low, low


def test_a_token_whose_claims_nest_too_deeply_is_refused_like_any_unsigned_token() -> None:
    from joserfc import jws
    from joserfc.jwk import OKPKey

    key = OKPKey.generate_key("Ed25519")
    token = jws.serialize_compact(
        {"alg": tokens.ALGORITHM}, deep_json(3_000).encode(), key, algorithms=[tokens.ALGORITHM]
    )
    with (
        raised_recursion_limit(),
        pytest.raises(tokens.CredentialRefused, match="not a signed token"),
    ):
        tokens.verify(token, lambda _agency, _kid: None)


def test_depth_is_counted_without_recursion() -> None:
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    assert deeper_than(value)
    assert not deeper_than({"a": [[{"b": 1}]]}, levels=4)
    assert deeper_than({"a": [[{"b": [1]}]]}, levels=4)
