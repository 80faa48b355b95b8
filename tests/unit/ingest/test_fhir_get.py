"""``fhir._get``: a path into a FHIR resource, None wherever the resource is not as expected."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from joinedup.ingest.fhir import _get

PATIENT = orjson.loads(
    b'{"name": [{"family": "Lee", "given": ["Amy", "Jo"]}], "address": [], "gp": "text",'
    b' "n": 5, "flag": true, "none": null, "obj": {"0": "zero"}}'
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("name", 0, "family"), "Lee"),
        (("name", 0, "given", 1), "Jo"),
        (("name", 0, "given"), ["Amy", "Jo"]),
        ((), PATIENT),
        (("name", 1, "family"), None),  # a short list
        (("address", 0, "line"), None),  # an empty list
        (("missing", 0), None),  # a missing key
        (("name", "family"), None),  # a key into a list
        (("obj", 0), None),  # an index into an object (its keys are text)
        (("obj", "0"), "zero"),
        (("gp", 0), None),  # an index into text: not its first character
        (("gp", "x"), None),
        (("gp",), "text"),  # text at the end of the path is the answer
        (("n", 0), None),
        (("flag", "x"), None),
        (("none", 0), None),
        (("name", -1, "family"), "Lee"),  # as before: a negative index counts from the end
    ],
)
def test_a_path_into_a_resource(path: tuple[Any, ...], expected: Any) -> None:
    assert _get(PATIENT, *path) == expected


def test_a_resource_that_is_not_an_object() -> None:
    assert _get("Patient", "name") is None
    assert _get(["a"], 0) == "a"
    assert _get(None, "name") is None
