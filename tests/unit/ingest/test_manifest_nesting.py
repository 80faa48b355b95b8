"""A manifest nested too deeply is rejected with one message, the same whatever the
process's recursion limit: past the limit ``json.loads`` raised RecursionError and the
delivery said "not valid JSON (nested too deeply)"; a process that had raised the limit
parsed it and said whatever the structure check said next."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.errors import DeliveryRejected
from joinedup.ingest.manifest import read_manifest
from tests.support.recursion import under_both_limits


def _reason(folder: Path) -> str:
    with pytest.raises(DeliveryRejected) as rejected:
        read_manifest(folder)
    return str(rejected.value)


@pytest.mark.parametrize("depth", [65, 3_000])
def test_a_deep_manifest_is_said_one_way_whatever_the_recursion_limit(
    tmp_path: Path, depth: int
) -> None:
    (tmp_path / "manifest.json").write_text(
        '{"agency": ' + "[" * depth + "]" * depth + "}", encoding="utf-8"
    )
    low, high = under_both_limits(lambda: _reason(tmp_path))
    assert low == high
    assert low.endswith("manifest.json is nested deeper than 64 levels"), low
