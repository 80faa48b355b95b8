"""Events and person records as tuples for the driver, as ``insert_dicts`` would store them.

Events and person records are most of what an ingest derives from its rows; building each as
a dict (``event_values``, ``person_record_values``) and then turning the dict into a tuple
cost several microseconds a row. The tuples hold exactly the values those dicts did, with the
JSON columns already written as text.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from joinedup.domain.model import Event, SourcePersonRecord
from joinedup.domain.names import folded_or_none

# The columns ``event_values`` and ``person_record_values`` fill, in their order: events and
# person records are most of what an ingest derives, so they go to the driver as tuples too.
EVENT_COLUMNS = (
    "source_record_id",
    "agency_id",
    "source_table",
    "source_id",
    "person_source_id",
    "category",
    "event_type",
    "occurred_on",
    "occurred_at",
    "ended_on",
    "role",
    "codes",
    "detail",
)
PERSON_COLUMNS = (
    "source_record_id",
    "agency_id",
    "source_table",
    "source_id",
    "forenames",
    "surname",
    "date_of_birth",
    "sex",
    "nhs_number",
    "upn",
    "postcode",
    "address_line",
    "ethnicity",
    "other_names",
    "attributes",
    "surname_folded",
)
# json.dumps(value, ensure_ascii=False, separators=(",", ":")), as ``insert_dicts`` writes a
# JSON column, with the encoder built once.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_list(value: Any) -> str:
    """A list of codes or names as JSON text, as ``insert_dicts`` would write it. A list of
    texts only (almost all of them) is written by orjson, which writes text exactly as the
    json module does; anything else by the json module."""
    if not value:
        return "[]"
    if all(type(item) is str for item in value):
        try:
            return orjson.dumps(value).decode()
        except orjson.JSONEncodeError:  # a lone surrogate
            pass
    return _COMPACT.encode(list(value))


def _json_object(value: Any) -> str:
    """An object of details as JSON text, as ``insert_dicts`` would write it (see above)."""
    if not value:
        return "{}"
    if all(type(k) is str and type(v) is str for k, v in value.items()):
        try:
            return orjson.dumps(value).decode()
        except orjson.JSONEncodeError:
            pass
    return _COMPACT.encode(dict(value))


def event_fields(event: Event) -> tuple[Any, ...]:
    """``event_values`` without its source record id (``EVENT_COLUMNS[1:]``), JSON columns as
    text: the parse side builds these before the writer has allocated the id."""
    ref = event.ref
    return (
        ref.agency,
        ref.source_table,
        ref.source_id,
        event.person_source_id,
        event.category.value,
        event.event_type,
        event.occurred_on,
        event.occurred_at,
        event.ended_on,
        event.role,
        _json_list(event.codes),
        _json_object(event.detail),
    )


def event_tuple(event: Event, source_record_id: int) -> tuple[Any, ...]:
    """``event_values`` as a tuple in ``EVENT_COLUMNS`` order, JSON columns as text."""
    return (source_record_id, *event_fields(event))


def person_fields(record: SourcePersonRecord) -> tuple[Any, ...]:
    """``person_record_values`` without its source record id (``PERSON_COLUMNS[1:]``)."""
    ref = record.ref
    return (
        ref.agency,
        ref.source_table,
        ref.source_id,
        record.forenames,
        record.surname,
        record.date_of_birth,
        record.sex.value,
        record.nhs_number,
        record.upn,
        record.postcode,
        record.address_line,
        record.ethnicity,
        _json_list(record.other_names),
        _json_object(record.attributes),
        folded_or_none(record.surname),
    )


def person_tuple(record: SourcePersonRecord, source_record_id: int) -> tuple[Any, ...]:
    """``person_record_values`` as a tuple in ``PERSON_COLUMNS`` order."""
    return (source_record_id, *person_fields(record))
