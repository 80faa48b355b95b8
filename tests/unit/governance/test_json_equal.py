"""``audit.chain.json_equal``: how a checkpoint compares an entry's stored columns with its
hashed leaf. Its fast path for two scalars of one type (issue 22: checkpoints of large bulk
reads spent most of their time here) must answer as the element-by-element rules do."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from joinedup.governance.audit.chain import json_equal

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.5, -1.0, 1e20]),
    st.sampled_from(["", "a", "1", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=8,
)


def reference(a: Any, b: Any) -> bool:
    """The rules as stated, with no shortcut."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(reference(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(reference(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@given(VALUES, VALUES)
def test_json_equal_answers_as_the_rules(a: Any, b: Any) -> None:
    assert json_equal(a, b) is reference(a, b)
    assert json_equal(a, a)


def test_numbers_by_value_but_never_a_boolean_for_a_number() -> None:
    assert json_equal(1e20, 100000000000000000000)
    assert json_equal({"n": [1, 2.0]}, {"n": [1.0, 2]})
    assert not json_equal(True, 1)
    assert not json_equal([False], [0])
    assert not json_equal("1", 1)
    assert not json_equal(None, "")
