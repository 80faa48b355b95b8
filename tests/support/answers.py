"""Whether a typed answer keeps a service's answer whole (issue 18)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter


def assert_answered_exactly(model: Any, found: Any) -> None:
    """The JSON written of ``found`` through ``model`` (as a route declared with
    ``api.answers.answers(model)`` writes it: only the keys set) is, to the character, the
    JSON written of ``found`` as a plain mapping (as the route wrote it before it was
    typed): no key lost, none added as null, no number turned from 1 into 1.0."""
    adapter = TypeAdapter(model)
    typed = adapter.dump_python(adapter.validate_python(found), mode="json", exclude_unset=True)
    plain = TypeAdapter(Any).dump_python(found, mode="json")
    assert json.dumps(typed, sort_keys=True) == json.dumps(plain, sort_keys=True)
