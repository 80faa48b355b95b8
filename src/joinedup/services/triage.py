"""The triage list and a child's risk explanation, through the gate.

The list is the MASH's: a MASH practitioner, declaring MASH triage, sees the children at or
above the triage threshold (being on the list is their legitimate relationship). Each child
listed is a governed read (decision and audit entry per child, so the child's transparency
report shows it), and each factor is shown only if the reader may see every field its
evidence came from; a factor withheld is counted, not described. The score itself is shown:
it is the MASH's own derived information, computed from all factors (the model card says
so). Advisory only: a practitioner decides, and the decision is recorded with its reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select, tuple_

from joinedup.errors import Forbidden
from joinedup.governance import gate
from joinedup.governance.data_map import identity_field
from joinedup.governance.purposes import Purpose
from joinedup.governance.reader import Reader
from joinedup.governance.roles import Role
from joinedup.risk import triage as stored
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import event, person_record

TRIAGE_ROLES = (Role.MASH_PRACTITIONER,)
_NOT_SHOWN = ("top_factors", "team", "school_urn")
_WITHHELD = {"factor": "withheld", "label": "a factor you may not see"}
TRIAGE_PURPOSES = (Purpose.MASH_TRIAGE,)
EXPLAIN_PURPOSES = (
    Purpose.MASH_TRIAGE,
    Purpose.CHILD_PROTECTION_ENQUIRY,
    Purpose.LEAD_PRACTITIONER_CASEWORK,
    Purpose.EARLY_HELP,
)


def _check(reader: Reader, roles: tuple[Role, ...], purposes: tuple[Purpose, ...]) -> None:
    reader.check_purpose()
    if reader.role not in roles:
        raise Forbidden("the triage list is the MASH's: for MASH practitioners")
    if reader.purpose not in purposes:
        names = ", ".join(p.value for p in purposes)
        raise Forbidden(f"declare one of {names} to see risk scores")


def _factor_fields(factors: list[dict[str, Any]]) -> set[str]:
    return {f for factor in factors for f in factor.get("fields", [])}


# Which evidence events are the child's own records (the rest are a parent's or a sibling's,
# e.g. "an adult in the household known to probation"): those are the ones the child's
# single view lists, so only those link to it.
_OWN_EVENTS = select(event.c.id).where(
    event.c.id.in_(bindparam("ids", expanding=True)),
    tuple_(event.c.agency_id, event.c.person_source_id).in_(
        select(linkage_record.c.agency_id, linkage_record.c.source_id).where(
            linkage_record.c.person_id == bindparam("person_id")
        )
    ),
)


def _minimise_factors(
    factors: list[dict[str, Any]], allowed: frozenset[str]
) -> tuple[list[dict[str, Any]], int]:
    shown = [f for f in factors if set(f.get("fields", [])) <= allowed]
    return shown, len(factors) - len(shown)


def _names(connection: Any, opened: dict[str, gate.Opened]) -> dict[str, dict[str, Any]]:
    """Each child's name and date of birth from an agency whose identity data the reader may
    see for that child."""
    if not opened:
        return {}
    lr, pr = linkage_record.c, person_record.c
    rows = connection.execute(
        select(lr.person_id, pr.agency_id, pr.forenames, pr.surname, pr.date_of_birth)
        .join(person_record, LINKED_PERSON_RECORD)
        .where(lr.person_id.in_(list(opened)))
        .order_by(lr.person_id, pr.agency_id)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = identity_field(row.agency_id)
        if row.person_id in out or not name or not opened[row.person_id].allows(name):
            continue
        out[row.person_id] = {
            "name": " ".join(x for x in (row.forenames, row.surname) if x),
            "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
        }
    return out


def triage_list(
    engine: Engine,
    reader: Reader,
    *,
    team: str | None = None,
    school_urn: str | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    factor: str | None = None,
    order: str = "score",
    limit: int = 50,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The children at or above the triage threshold, ranked by score or by recent rise,
    each with the factors the reader may see (in words, with the evidence events)."""
    _check(reader, TRIAGE_ROLES, TRIAGE_PURPOSES)
    now = now or datetime.now(UTC)
    listed = stored.triage_list(
        engine, team=team, school_urn=school_urn, min_age=min_age, max_age=max_age,
        factor=factor, order=order, limit=limit,
    )  # fmt: skip
    flagged = [c for c in listed["children"] if c["flagged"]]
    with engine.begin() as connection:
        opened = {}
        for child in flagged:
            fields = _factor_fields(child["top_factors"]) | {
                f"{a.value}.identity" for a in _agencies()
            }
            opened[child["person_id"]] = gate.open_person(
                connection, reader, child["person_id"], fields, now=now
            )
        names = _names(connection, opened)
    children = []
    for child in flagged:
        decision = opened[child["person_id"]].decision
        factors, withheld = _minimise_factors(child["top_factors"], decision.allowed_fields)
        children.append(
            {
                **{
                    k: v for k, v in child.items() if k not in ("top_factors", "team", "school_urn")
                },
                **names.get(child["person_id"], {"name": None, "date_of_birth": None}),
                "top_factors": factors,
                "factors_withheld": withheld,
            }
        )
    return {
        **{k: v for k, v in listed.items() if k != "children"},
        "shown": len(children),
        "below_threshold_not_listed": len(listed["children"]) - len(flagged),
        "children": children,
    }


def _agencies() -> list[Any]:
    from joinedup.domain.agencies import AgencyId

    return list(AgencyId)


def explain_child(
    engine: Engine, reader: Reader, person_id: str, *, since: date | None = None
) -> dict[str, Any]:
    """Why the child's score is what it is, and what changed since the last review, with
    the factors the reader may see."""
    _check(reader, (*TRIAGE_ROLES, Role.SOCIAL_WORKER), EXPLAIN_PURPOSES)
    explained = stored.explain_child(engine, person_id, since=since)
    evidence = sorted({i for f in explained["factors"] for i in f.get("event_ids", [])})
    with engine.begin() as connection:
        opened = gate.open_person(
            connection, reader, person_id, _factor_fields(explained["factors"])
        )
        own = set(
            connection.execute(_OWN_EVENTS, {"ids": evidence, "person_id": person_id}).scalars()
            if evidence and opened.decision.allowed
            else ()
        )
    allowed = opened.decision.allowed_fields
    if not opened.decision.allowed and explained["factors"]:
        raise Forbidden(
            "you have no legitimate relationship with this child for "
            f"{reader.purpose_title}: the explanation is not shown"
        )
    factors, withheld = _minimise_factors(explained["factors"], allowed)
    factors = [
        f | {"own_event_ids": [i for i in f.get("event_ids", []) if i in own]} for f in factors
    ]
    visible = {f["code"] for f in factors}
    every = {f["code"] for f in explained["factors"]}
    contributions = [
        c
        if c["factor"] in visible or c["factor"] not in every
        else _WITHHELD | {"log_odds": c["log_odds"]}
        for c in explained["contributions"]
    ]
    out = {
        **explained,
        "factors": factors,
        "factors_withheld": withheld,
        "contributions": contributions,
    }
    changes = explained.get("changes_since_last_review")
    if changes:
        out["changes_since_last_review"] = {
            **changes,
            "new_factors": [f for f in changes["new_factors"] if f["code"] in visible],
            "factors_with_new_evidence": [
                f for f in changes["factors_with_new_evidence"] if f["code"] in visible
            ],
        }
    return out


def record_triage_decision(
    engine: Engine, reader: Reader, person_id: str, decision: str, *, reason: str
) -> dict[str, Any]:
    """A MASH practitioner records what they decided about a child on the list (and why)."""
    _check(reader, TRIAGE_ROLES, TRIAGE_PURPOSES)
    with engine.begin() as connection:
        opened = gate.open_person(connection, reader, person_id, ())
        if not opened.relationships:
            raise Forbidden("this child is not on the MASH's triage list")
    return stored.record_triage_decision(
        engine, person_id, decision, reason=reason, decided_by=reader.user_id
    )


def triage_decisions(
    engine: Engine, reader: Reader, *, overrides_only: bool = False
) -> dict[str, Any]:
    """The recorded decisions and how often the ranking was overridden (for the MASH and
    the partnership's oversight of the model)."""
    reader.check_purpose()
    if reader.role not in (Role.MASH_PRACTITIONER, Role.PARTNERSHIP_ANALYST):
        raise Forbidden("triage decisions are for the MASH and the partnership analyst")
    return stored.triage_decisions(engine, overrides_only=overrides_only)
