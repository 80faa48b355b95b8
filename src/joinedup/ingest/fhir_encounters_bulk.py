"""FHIR Encounter lines checked a chunk at a time in DuckDB; Python only for the rows it flags.

Encounters are most of what a health delivery holds (about half of a whole partnership's
rows), and ``fhir.parse_encounter`` row by row was most of the parse side's time. Here a
chunk of lines is read, and a line is taken as a clean row when all of this holds, which is
exactly what ``read_ndjson`` + ``parse_encounter`` + ``prepare_batch`` would accept with no
finding at all, and build the same stored values for:

- the line is already its canonical JSON (orjson, sorted keys: what the generator and most
  exporters write), holds no float, no ``\\u`` escape and no deep nesting: so its stored
  payload is the line itself and its digest the line's SHA-256 (taken by DuckDB), and it has
  no repeated key;
- in DuckDB, over the whole chunk in one query: ``resourceType`` absent, null or
  ``Encounter``; ``id`` a plain key of at most 60 characters; ``subject.reference`` text
  ``Patient/<id>``; ``class.code`` one of the classes as written; ``period.start`` an
  ISO 8601 date-time with its offset; ``reasonCode[0].text`` absent, null or a reason as
  written; ``serviceProvider.display`` absent, null, empty or plain printable text;
- in Python, per clean row: the patient is a Patient of this delivery, its date of birth not
  after the start, the start a real date-time from 1900 and not after the extract, the
  patient id short enough for the store, and the id not seen before in the file.

Every other line is read and parsed the usual way (``reading.ndjson_row``, the adapter's
parse function), so its findings and quarantine are those it always had. If DuckDB cannot
run the query at all, the whole chunk takes the usual way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import msgpack
import orjson

from joinedup.domain.model import EventCategory
from joinedup.ingest.base import DeliveryContext
from joinedup.ingest.fhir import AGENCY, ENCOUNTER_CLASSES, ENCOUNTER_REASONS
from joinedup.ingest.parsed_batch import CleanRow, Derived
from joinedup.ingest.reading import MAX_JSON_DEPTH, RawRow, ndjson_lines, ndjson_row
from joinedup.ingest.store_limits import _EVENT
from joinedup.ingest.validation import EARLIEST_YEAR

# Lines checked per DuckDB query: large enough that the query's own cost is spread thin,
# small enough to bound memory (a few MB of lines).
CHUNK_LINES = 20_000
# A clean row's ids fit every bounded column of its event (the shortest is 60).
_SHORTEST = _EVENT[3]
_CATEGORY = EventCategory.HEALTH_ENCOUNTER.value
# A clean row's codes and detail as JSON text, as ``derived_rows`` writes them: its reason is
# one of the codes, its provider printable ASCII (which orjson and the json module write alike).
_CODES: dict[str | None, str] = {
    None: "[]",
    **{r: orjson.dumps([r]).decode() for r in ENCOUNTER_REASONS},
}


def _in(values: frozenset[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


_PATHS = (
    "$.resourceType",
    "$.id",
    "$.subject",
    "$.subject.reference",
    "$.class",
    "$.class.code",
    "$.period",
    "$.period.start",
    "$.reasonCode",
    "$.reasonCode[0]",
    "$.reasonCode[0].text",
    "$.serviceProvider",
    "$.serviceProvider.display",
)
# json_extract with a list of paths reads each line once; each value comes back as JSON text
# (NULL when the path is absent), so its first character says its type: '"' text, '{'
# object, '[' array, 'n' null.
_QUERY = f"""
WITH v AS (SELECT j, json_extract(j, {list(_PATHS)!r}) AS x FROM lines),
s AS (
  SELECT j, x,
    json_extract_string(x[2], '$') AS id,
    json_extract_string(x[4], '$') AS reference,
    json_extract_string(x[6], '$') AS class,
    json_extract_string(x[8], '$') AS start,
    json_extract_string(x[11], '$') AS reason,
    json_extract_string(x[13], '$') AS provider
  FROM v
)
SELECT
  coalesce(
    (x[1] IS NULL OR x[1] = 'null' OR x[1] = '"Encounter"')
    AND left(x[2], 1) = '"' AND regexp_full_match(id, '[A-Za-z0-9_][A-Za-z0-9_.:/|#-]{{0,59}}')
    AND left(x[3], 1) = '{{' AND left(x[4], 1) = '"' AND starts_with(reference, 'Patient/')
    AND length(reference) > 8
    AND left(x[5], 1) = '{{' AND left(x[6], 1) = '"' AND class IN ({_in(ENCOUNTER_CLASSES)})
    AND left(x[7], 1) = '{{' AND left(x[8], 1) = '"'
    AND regexp_full_match(start,
      '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}([.][0-9]{{1,6}})?)?(Z|[+-][0-9]{{2}}:[0-9]{{2}})')
    AND (x[9] IS NULL OR x[9] = 'null' OR (left(x[9], 1) = '['
      AND (x[10] IS NULL OR left(x[10], 1) = '{{')
      AND (x[11] IS NULL OR x[11] = 'null'
        OR (left(x[11], 1) = '"' AND reason IN ({_in(ENCOUNTER_REASONS)})))))
    AND (x[12] IS NULL OR x[12] = 'null' OR (left(x[12], 1) = '{{'
      AND (x[13] IS NULL OR x[13] = 'null' OR x[13] = '""'
        OR (left(x[13], 1) = '"'
          AND regexp_full_match(provider, '[A-Za-z0-9(]([ -~]{{0,198}}[!-~])?')))))
  , false) AS clean,
  id, substr(reference, 9) AS patient, class, start, reason, nullif(provider, '') AS provider,
  sha256(j) AS digest
FROM s
"""


def _canonical(lines: list[bytes], floats: msgpack.Packer) -> list[bool]:
    """Per line: is it already its canonical JSON, an object with nothing ``read_ndjson``
    would read another way (a float, an escape, deep nesting, a byte-order mark)?"""
    plain = []
    for line in lines:
        text = line[:-1] if line.endswith(b"\n") else line
        try:
            value = orjson.loads(text)
            plain.append(
                type(value) is dict
                and orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == text
                and b"\\u" not in text
                and text.count(b"{") + text.count(b"[") <= MAX_JSON_DEPTH
                and b"\xcb" not in floats.pack(value)
            )
        except (orjson.JSONDecodeError, ValueError, OverflowError):
            plain.append(False)
    return plain


def _checked(lines: list[bytes]) -> list[tuple[Any, ...]] | None:
    """DuckDB's verdict and fields per line, or None when it cannot read the chunk."""
    import duckdb
    import pyarrow as pa

    try:
        with duckdb.connect() as connection:
            connection.execute("SET threads = 1")
            table = pa.table({"j": pa.array(lines, pa.binary()).cast(pa.string())})
            connection.register("lines", table)
            return connection.execute(_QUERY).fetchall()
    except (duckdb.Error, pa.ArrowException):
        return None


def encounter_rows(path: Path, context: DeliveryContext) -> Iterator[RawRow | CleanRow]:
    """Every row of an Encounter file in order: a ``CleanRow`` where the checks above hold,
    else the ``RawRow`` ``read_ndjson`` makes (to be parsed the usual way)."""
    floats = msgpack.Packer()
    chunk: list[tuple[int, int, bytes]] = []
    for item in ndjson_lines(path):
        chunk.append(item)
        if len(chunk) >= CHUNK_LINES:
            yield from _chunk_rows(chunk, context, floats)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, context, floats)


def _chunk_rows(
    chunk: list[tuple[int, int, bytes]], context: DeliveryContext, floats: msgpack.Packer
) -> Iterator[RawRow | CleanRow]:
    lines = [line for _, _, line in chunk]
    plain = _canonical(lines, floats)
    # without the newline: the text hashed is the payload stored
    candidates = [line.rstrip(b"\n") for line, ok in zip(lines, plain, strict=True) if ok]
    verdicts = iter(_checked(candidates) or ()) if candidates else iter(())
    patients = context.keys.get("Patient", set())
    births = context.births
    extracted_at = context.extracted_at
    for (number, line_number, line), ok in zip(chunk, plain, strict=True):
        verdict = next(verdicts, None) if ok else None
        clean = _clean_row(number, line_number, line, verdict, patients, births, extracted_at)
        yield clean if clean is not None else ndjson_row(number, line_number, line, floats)


def _clean_row(
    number: int,
    line_number: int,
    line: bytes,
    verdict: tuple[Any, ...] | None,
    patients: set[str],
    births: dict[str, Any],
    extracted_at: datetime,
) -> CleanRow | None:
    if verdict is None or not verdict[0]:
        return None
    _, encounter_id, patient, klass, start_text, reason, provider, digest = verdict
    if patient not in patients or len(patient) > _SHORTEST:
        return None
    try:
        start = datetime.fromisoformat(start_text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if start.year < EARLIEST_YEAR or start > extracted_at:
        return None
    born = births.get(patient)
    if born is not None and start.date() < born:
        return None
    text = line[:-1] if line.endswith(b"\n") else line
    event = (
        AGENCY,
        "Encounter",
        encounter_id,
        patient,
        _CATEGORY,
        klass,
        start.date(),
        start,
        None,
        None,
        _CODES[reason],
        orjson.dumps({"service_provider": provider}).decode() if provider else "{}",
    )
    derived: Derived = (None, [event], [], [], [], [], [], [])
    accepted = (encounter_id, number, text.decode(), digest, derived)
    return CleanRow(number, line_number, line, "Encounter", encounter_id, accepted)
