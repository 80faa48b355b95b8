"""Reading what an evaluation needs from the store, in bulk (store-aware: takes a Connection).

In: a Connection. Out: pandas frames for ``covariates.build``: linked people (date of birth,
sex), their events as kinds (referral, CP plan, police incident, A&E...), the interventions
with the person each names, and the date the data reach (the latest delivery's extract).
Everything is read per person through linkage (``linkage_record``): one child across every
agency. Only the event kinds the covariates and outcomes use are read.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from joinedup.errors import BadInput
from joinedup.store.intervention_tables import intervention
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import delivery, event, person_record

EPOCH = date(1970, 1, 1)
_SOCIAL_CARE = {
    "REFERRAL": "referral",
    "CP_PLAN": "cp_plan",
    "LOOKED_AFTER": "looked_after",
    "CONTACT": "contact",
    "EARLY_HELP": "early_help",
    "MISSING_EPISODE": "missing",
}
_AGENCY_PRIORITY = {"health": 0, "education": 1, "social_care": 2}


def to_day(value: date) -> int:
    return (value - EPOCH).days


def from_day(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(day))


def _days(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series).to_numpy().astype("datetime64[D]").astype(np.int64)


def person_map(connection: Connection) -> pd.DataFrame:
    """``agency_id, source_id -> person_id`` for every linked record."""
    rows = connection.execute(
        select(linkage_record.c.agency_id, linkage_record.c.source_id, linkage_record.c.person_id)
    ).all()
    if not rows:
        raise BadInput("no linked people yet: run `joinedup link` before evaluating")
    return pd.DataFrame(rows, columns=["agency_id", "person_source_id", "person_id"])


def people(connection: Connection) -> pd.DataFrame:
    """``person_id, dob_day, male``: the date of birth most agencies agree on (health first)."""
    query = select(
        linkage_record.c.person_id,
        person_record.c.agency_id,
        person_record.c.date_of_birth,
        person_record.c.sex,
    ).join(person_record, LINKED_PERSON_RECORD)
    frame = pd.DataFrame(
        connection.execute(query).all(), columns=["person_id", "agency_id", "dob", "sex"]
    )
    frame = frame.dropna(subset=["dob"])
    frame["rank"] = frame["agency_id"].map(_AGENCY_PRIORITY).fillna(9)
    frame = frame.sort_values(["person_id", "rank"]).drop_duplicates("person_id")
    return pd.DataFrame(
        {
            "person_id": frame["person_id"].to_numpy(),
            "dob_day": _days(frame["dob"]),
            "male": (frame["sex"] == "M").astype(float).to_numpy(),
        }
    )


def events(connection: Connection, persons: pd.DataFrame) -> pd.DataFrame:
    """``person_id, kind, day, value`` for the event kinds the evaluation uses."""
    wanted = or_(
        and_(event.c.category == "social_care", event.c.event_type.in_(list(_SOCIAL_CARE))),
        event.c.category == "police_incident",
        and_(event.c.category == "health_encounter", event.c.event_type == "EMER"),
        and_(event.c.category == "education", event.c.event_type.like("EXCLUSION%")),
    )
    cols = [event.c.agency_id, event.c.person_source_id, event.c.event_type, event.c.occurred_on]
    raw = pd.DataFrame(
        connection.execute(select(*cols, event.c.category).where(wanted)).all(),
        columns=["agency_id", "person_source_id", "event_type", "occurred_on", "category"],
    )
    kind = raw["event_type"].map(_SOCIAL_CARE)
    kind = kind.where(raw["category"] == "social_care")
    kind = kind.fillna(
        raw["category"].map(
            {"police_incident": "police", "health_encounter": "emergency", "education": "exclusion"}
        )
    )
    raw["kind"], raw["value"] = kind, np.nan
    da = raw[(raw["category"] == "police_incident") & (raw["event_type"] == "DOMESTIC_ABUSE")]
    da = da.assign(kind="police_da")
    attendance = connection.execute(
        select(*cols, event.c.detail).where(
            event.c.category == "education", event.c.event_type == "ATTENDANCE"
        )
    ).all()
    absence = pd.DataFrame(
        [(*row[:4], "absence", _absence(row.detail)) for row in attendance],
        columns=["agency_id", "person_source_id", "event_type", "occurred_on", "kind", "value"],
    )
    frames = [f for f in (raw.drop(columns="category"), da.drop(columns="category"), absence)]
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=["person_id", "kind", "day", "value"])
    frame = frame.merge(persons, on=["agency_id", "person_source_id"], how="inner")
    return pd.DataFrame(
        {
            "person_id": frame["person_id"].to_numpy(),
            "kind": frame["kind"].to_numpy(),
            "day": _days(frame["occurred_on"]),
            "value": frame["value"].astype(float).to_numpy(),
        }
    )


def _absence(detail: object) -> float:
    if isinstance(detail, str):
        detail = json.loads(detail)
    value = (detail or {}).get("absence_rate") if isinstance(detail, dict) else None
    return float(value) if value is not None else np.nan


def interventions(connection: Connection, persons: pd.DataFrame) -> pd.DataFrame:
    """``external_id, type_code, person_id, day, end_day, cost_pence`` (person None: not linked)."""
    rows = connection.execute(
        select(
            intervention.c.external_id,
            intervention.c.type_code,
            intervention.c.person_agency,
            intervention.c.person_source_id,
            intervention.c.start_date,
            intervention.c.end_date,
            intervention.c.cost_pence,
        )
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "external_id",
            "type_code",
            "agency_id",
            "person_source_id",
            "start",
            "end",
            "cost_pence",
        ],
    )
    frame = frame.merge(persons, on=["agency_id", "person_source_id"], how="left")
    frame["day"] = _days(frame["start"]) if len(frame) else []
    return frame


def data_end(connection: Connection) -> date:
    """The date the data reach: the latest extract of any delivery."""
    latest = connection.execute(select(func.max(delivery.c.extracted_at))).scalar()
    if latest is None:
        raise BadInput("nothing has been ingested yet")
    return latest.date() if hasattr(latest, "date") else date.fromisoformat(str(latest)[:10])
