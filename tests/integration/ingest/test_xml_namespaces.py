"""A namespaced XML return (red team): the DfE's returns (the CIN census, the School Census's
CBDS ``<Message>``) carry no XML namespace (the CIN census XSD has no target namespace), so
a root such as ``<Message xmlns="...">`` was counted as no records and refused with the
confusing "rows expected 2, actual 0". Every adapter that reads XML rows now refuses it with
one line naming the namespace and the expected root, whatever the manifest claims; and a
namespaced record element inside a plain root likewise (it would otherwise go uncounted)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery
from joinedup.ingest.xml_rows import count_rows
from joinedup.store import tables as t
from tests.support.hostile import corpus
from tests.support.returns import child, message

NAMESPACE = "http://www.education.gov.uk/CBDS"
CIN_TEXT = message(child("C1"), child("C2"))
CENSUS_TEXT = corpus("education/school_census_hostile.xml").decode("utf-8")
# (format, agency, file, a return the adapter takes)
ADAPTERS = [
    pytest.param("cin-census-xml/1", "social_care", "cin_census.xml", CIN_TEXT, id="cin"),
    pytest.param("school-census-xml/1", "education", "school_census.xml", CENSUS_TEXT, id="census"),
]


def _deliver(folder: Path, agency: str, fmt: str, name: str, data: bytes, rows: int) -> Path:
    """A delivery whose manifest claims ``rows`` (as the sender's software counted them)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    entry = {"path": name, "rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
    manifest = {"agency": agency, "format": fmt, "extracted_at": "2026-11-20T06:00:00Z",
                "files": [entry]}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _refused(engine: Engine, folder: Path) -> str:
    with pytest.raises(DeliveryRejected) as caught:
        ingest_delivery(engine, folder)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.source_record)).scalar() == 0
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(("fmt", "agency", "name", "text"), ADAPTERS)
def test_a_namespaced_root_is_refused_naming_the_namespace_and_the_root(
    engine: Engine, tmp_path: Path, fmt: str, agency: str, name: str, text: str
) -> None:
    plain = tmp_path / "plain.xml"
    plain.write_text(text, encoding="utf-8")
    rows = count_rows(plain)
    assert rows >= 2
    namespaced = text.replace("<Message>", f'<Message xmlns="{NAMESPACE}">', 1)
    folder = _deliver(tmp_path / "d", agency, fmt, name, namespaced.encode("utf-8"), rows)
    found = _refused(engine, folder)
    assert "rows expected" not in found
    assert re.search(
        rf"{name}: has root element <Message> in namespace {NAMESPACE!r} at line 2; "
        r"expected <Message> with no namespace",
        found,
    ), found


@pytest.mark.parametrize(("fmt", "agency", "name", "text"), ADAPTERS)
def test_a_namespaced_record_is_refused_naming_it(
    engine: Engine, tmp_path: Path, fmt: str, agency: str, name: str, text: str
) -> None:
    record = "<Child>" if "<Child>" in text else "<PupilOnRoll>"
    tagged = text.replace(record, f'{record[:-1]} xmlns="{NAMESPACE}">', 1)
    plain = tmp_path / "plain.xml"
    plain.write_text(text, encoding="utf-8")
    folder = _deliver(tmp_path / "d", agency, fmt, name, tagged.encode(), count_rows(plain))
    found = _refused(engine, folder)
    assert re.search(
        rf"{name}: holds a {record} record in namespace {NAMESPACE!r} at line \d+; "
        r"the DfE's returns use no namespace",
        found,
    ), found
