"""The triage list and a child's risk explanation, through the gate.

The list is the MASH's: a MASH practitioner, declaring MASH triage, sees the children at or
above the triage threshold (being on the list is their legitimate relationship). Each child
listed is a governed read (decision and audit entry per child, so the child's transparency
report shows it).

Everything derived is minimised as the data it comes from (docs/governance.md, "Derived
data"): a factor is shown only if the reader may see the field its evidence came from; a
part of the score (an area of concern, free school meals, ...) only if the reader may see
every field it draws on (``risk.provenance``); the score itself, its change and the list's
order are the model's sum over the parts the reader may see, so no number says what a
withheld part contributed. What is withheld is counted, never named. A reader who may not
open the child gets no score at all. Advisory only: a practitioner decides, and the
decision is recorded with its reason. The list and the explanation are answered as the
models in ``triage_view``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, tuple_

from joinedup.domain.agencies import AgencyId
from joinedup.errors import Forbidden
from joinedup.governance import gate, gate_bulk, uses
from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.data_map import identity_field
from joinedup.governance.pdp import UK
from joinedup.governance.purposes import Relationship
from joinedup.governance.reader import Reader
from joinedup.governance.recording import engine_for
from joinedup.risk import triage as stored
from joinedup.risk import triage_decisions as decisions
from joinedup.risk.areas import AREA_OF
from joinedup.risk.factors import FACTORS
from joinedup.risk.provenance import SCORE_FIELDS, STATUS_FIELDS, TERM_NEEDS, withheld_terms
from joinedup.services import triage_records
from joinedup.services.triage_view import Explanation, TriageList
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import event, person_record

IDENTITY_FIELDS = frozenset(f"{a.value}.identity" for a in AgencyId)
# What a score, its explanation and the list's filters can draw on: asked for (and recorded
# in the audit entry) whenever a child's score is read.
REQUESTED = (
    SCORE_FIELDS
    | IDENTITY_FIELDS
    | frozenset(f.field for f in FACTORS.values())
    | {"social_care.allocated_worker", "education.school"}
)
FILTER_FIELDS = {"team": "social_care.allocated_worker", "school_urn": "education.school"}
_FACTOR_KEYS = (
    "code", "label", "area", "fields", "agencies", "event_ids", "last_seen", "contribution",
)  # fmt: skip
_WITHHELD_NOTE = "{n} factor{s} from information you may not see for this purpose"


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
    factors: list[dict[str, Any]], allowed: frozenset[str], withheld: frozenset[str]
) -> tuple[list[dict[str, Any]], int]:
    """The factors whose evidence the reader may see, and how many others there are. A
    factor shows its area's weight only when the whole area is visible: the weight is the
    area's, drawn on every field of it."""
    shown = []
    for factor in factors:
        if not set(factor.get("fields", [])) <= allowed:
            continue
        kept = {k: factor[k] for k in _FACTOR_KEYS if k in factor}
        if AREA_OF.get(factor.get("code", "")) in withheld:
            kept["contribution"] = None
            kept.pop("area", None)
        shown.append(kept | {k: v for k, v in factor.items() if k == "own_event_ids"})
    return shown, len(factors) - len(shown)


def _withheld_note(count: int) -> str | None:
    return _WITHHELD_NOTE.format(n=count, s="s" if count != 1 else "") if count else None


def _status(status: str | None, allowed: frozenset[str]) -> str | None:
    field = STATUS_FIELDS.get(status or "")
    return status if field and field in allowed else None


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


def _on_the_list(connection: Connection, reader: Reader, now: datetime) -> Decision:
    """What the reader may see of a child on the MASH's list (relationship MASH_TRIAGE, no
    seal): the policy's answer for the list as a whole, which ranks and filters it. It reads
    no one's data, so it is not an audited access; each child shown is decided again, and
    audited, on its own."""
    request = AccessRequest.build(
        user_id=reader.user_id,
        role=reader.role.value,
        agency=reader.agency.value,
        purpose=reader.purpose.value,
        child_id="(a child on the MASH's list)",
        fields=REQUESTED,
        team=reader.team,
        relationships=[Relationship.MASH_TRIAGE.value],
    )
    return engine_for(connection).decide(request, today=now.astimezone(UK).date())


def _check_filters(allowed: frozenset[str], **filters: str | None) -> None:
    for name, value in filters.items():
        if not value:
            continue
        field = FACTORS[value].field if name == "factor" and value in FACTORS else None
        field = field or FILTER_FIELDS.get(name)
        if field and field not in allowed:
            raise Forbidden(
                f"you may not filter the list by {name.replace('_', ' ')} for this purpose: "
                "the agreements do not share what it is read from"
            )


def visible_factor_filters(reader: Reader, engine: Engine) -> list[tuple[str, str]]:
    """The factors a reader may filter the list by (code, label): those they may see."""
    uses.TRIAGE_LIST.check(reader)
    with engine.connect() as connection:
        allowed = _on_the_list(connection, reader, datetime.now(UTC)).allowed_fields
    return sorted(
        ((code, f.label) for code, f in FACTORS.items() if f.field in allowed),
        key=lambda x: x[1].lower(),
    )


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
    offset: int = 0,
    now: datetime | None = None,
) -> TriageList:
    """The children at or above the triage threshold, ranked by the score the reader may see
    (or by its recent rise), each with the factors the reader may see (in words, with the
    evidence events)."""
    uses.TRIAGE_LIST.check(reader)
    reader.check_purpose()
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        typical = _on_the_list(connection, reader, now)
    _check_filters(typical.allowed_fields, team=team, school_urn=school_urn, factor=factor)
    hidden = withheld_terms(typical.allowed_fields)
    listed = stored.triage_list(
        engine, team=team, school_urn=school_urn, min_age=min_age, max_age=max_age,
        factor=factor, order=order, limit=limit, offset=offset, withheld=hidden,
        flagged_only=True,
    )  # fmt: skip
    with engine.begin() as connection:
        opened = gate_bulk.open_people(
            connection, reader, [c["person_id"] for c in listed["children"]], REQUESTED, now=now
        )
        names = _names(connection, opened)
        shown = [p for p, o in opened.items() if o.decision.allowed]
        decided = triage_records.decisions(connection, reader, shown, latest_only=True)
        cases = triage_records.open_cases(connection, reader, shown, now)
        then = triage_records.scores_at(
            connection, reader, (d[0]["score_id"] for d in decided.values()), hidden
        )
    children = []
    for child in listed["children"]:
        decision = opened[child["person_id"]].decision
        if not decision.allowed:  # e.g. a sealed record: not on this reader's list at all
            continue
        allowed = decision.allowed_fields
        own_hidden = withheld_terms(allowed)
        factors, withheld = _minimise_factors(child["top_factors"], allowed, own_hidden)
        same_view = own_hidden == hidden
        latest = next(iter(decided.get(child["person_id"], [])), None)
        at_decision = then.get(latest["score_id"]) if latest and latest["score_id"] else None
        since_decision = (
            round(child["probability_12m"] - at_decision, 4)
            if same_view and at_decision is not None
            else None
        )
        children.append(
            {
                "rank": child["rank"],
                "person_id": child["person_id"],
                "as_of": child["as_of"],
                "score_basis": "visible" if own_hidden else "all",
                "probability_12m": child["probability_12m"] if same_view else None,
                "probability_6m": None if own_hidden else child["probability_6m"],
                "flagged": True,
                "factor_count": child["factor_count"] if same_view else None,
                "change_since_previous": child["change_since_previous"] if same_view else None,
                "open_to_social_care": _status(child["open_to_social_care"], allowed),
                "age": child["age"] if allowed & IDENTITY_FIELDS else None,
                **names.get(child["person_id"], {"name": None, "date_of_birth": None}),
                "top_factors": factors,
                "factors_withheld": withheld,
                "withheld_note": _withheld_note(withheld),
                "latest_decision": latest,
                "change_since_decision": since_decision,
                "triage_case": cases.get(child["person_id"]),
            }
        )
    answer = {
        "as_of": listed["as_of"],
        "model_id": listed["model_id"],
        "threshold": listed["threshold"],
        "children_scored": listed["children_scored"],
        "matched": listed["matched"],
        "offset": offset,
        "limit": limit,
        "shown": len(children),
        "advisory": listed["advisory"],
        "score_basis": "visible" if hidden else "all",
        "terms_withheld": len(hidden & set(TERM_NEEDS)),
        "ranking": listed.get("ranking"),
        "children": children,
    }
    return TriageList.model_validate(answer)


def explain_child(
    engine: Engine, reader: Reader, person_id: str, *, since: date | None = None
) -> Explanation:
    """Why the child's score is what it is, and what changed since the last review, as far
    as the reader may see, with the child's name (as the single view would show it), the
    decisions recorded about them and their open MASH case. A reader who may not open the
    child is refused (the refusal is audited with what was asked for)."""
    uses.RISK_EXPLANATION.check(reader)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        opened = gate.open_person(connection, reader, person_id, REQUESTED)
        if opened.decision.allowed:
            named = _names(connection, {person_id: opened}).get(person_id, {})
            history = triage_records.decisions(
                connection, reader, [person_id], latest_only=False
            ).get(person_id, [])
            case = triage_records.open_cases(connection, reader, [person_id], now).get(person_id)
    decision = opened.decision
    if not decision.allowed:
        raise Forbidden(
            "you may not open this child's record for "
            f"{reader.purpose_title}: their score and its explanation are not shown"
        )
    allowed = decision.allowed_fields
    hidden = withheld_terms(allowed)
    explained = stored.explain_child(engine, person_id, since=since, withheld=hidden)
    evidence = sorted({i for f in explained["factors"] for i in f.get("event_ids", [])})
    with engine.connect() as connection:
        own = set(
            connection.execute(_OWN_EVENTS, {"ids": evidence, "person_id": person_id}).scalars()
            if evidence
            else ()
        )
    everything = [
        f | {"own_event_ids": [i for i in f.get("event_ids", []) if i in own]}
        for f in explained["factors"]
    ]
    factors, withheld = _minimise_factors(everything, allowed, hidden)
    visible = {f["code"] for f in factors}
    out = {
        "person_id": person_id,
        "name": named.get("name"),
        "date_of_birth": named.get("date_of_birth"),
        "decisions": history,
        "triage_case": case,
        "as_of": explained["as_of"],
        "score_basis": explained["score_basis"],
        "probability_6m": explained["probability_6m"],
        "probability_12m": explained["probability_12m"],
        # Being over the threshold is a fact about the whole score.
        "flagged": explained["flagged"] if not hidden else None,
        "open_to_social_care": _status(explained["open_to_social_care"], allowed),
        "baseline_log_odds": explained["baseline_log_odds"],
        "contributions": explained["contributions"],
        "terms_withheld": explained["terms_withheld"],
        "factors": factors,
        "factors_withheld": withheld,
        "withheld_note": _withheld_note(withheld),
        "advisory": explained["advisory"],
        "last_review": _last_review(explained["last_review"], reader),
        "changes_since_last_review": None,
    }
    changes = explained.get("changes_since_last_review")
    if changes:
        out["changes_since_last_review"] = {
            "probability_12m_change": changes["probability_12m_change"],
            "new_factors": _minimise_factors(changes["new_factors"], allowed, hidden)[0],
            "factors_no_longer_seen": [
                f for f in changes["factors_no_longer_seen"] if _visible_code(f["code"], allowed)
            ],
            "factors_with_new_evidence": [
                f for f in changes["factors_with_new_evidence"] if f["code"] in visible
            ],
        }
    return Explanation.model_validate(out)


def _visible_code(code: str, allowed: frozenset[str]) -> bool:
    return code in FACTORS and FACTORS[code].field in allowed


def _last_review(review: dict[str, Any] | None, reader: Reader) -> dict[str, Any] | None:
    """The last review; the MASH's reason (free text, which may speak of anything the MASH
    saw) only for the MASH."""
    if review is None:
        return None
    decision = review.get("decision")
    if decision and not uses.TRIAGE_DECISION.allows(reader.role, reader.purpose):
        decision = {k: v for k, v in decision.items() if k != "reason"}
    return {**review, "decision": decision}


def record_triage_decision(
    engine: Engine, reader: Reader, person_id: str, decision: str, *, reason: str
) -> dict[str, Any]:
    """A MASH practitioner records what they decided about a child on the list (and why)."""
    uses.TRIAGE_DECISION.check(reader)
    with engine.begin() as connection:
        opened = gate.open_person(connection, reader, person_id, ())
        if not opened.relationships:
            raise Forbidden("this child is not on the MASH's triage list")
    recorded = decisions.record_triage_decision(
        engine, person_id, decision, reason=reason, decided_by=reader.user_id
    )
    # The stored row keeps the whole score and its rank for the model's oversight; the
    # answer gives back what was decided.
    return {k: v for k, v in recorded.items() if k not in ("probability_12m", "rank")}


def triage_decisions(
    engine: Engine, reader: Reader, *, overrides_only: bool = False
) -> dict[str, Any]:
    """The recorded decisions and how often the ranking was overridden: counts for the
    partnership analyst; the decisions themselves (whose child, why) for the MASH. Audited."""
    from joinedup.governance.audit import append

    uses.TRIAGE_OVERSIGHT.check(reader)
    found = decisions.triage_decisions(engine, overrides_only=overrides_only)
    mash = uses.TRIAGE_DECISION.allows(reader.role, reader.purpose)
    rows = [
        {k: v for k, v in row.items() if k not in ("probability_12m", "rank")}
        for row in found["rows"]
    ]
    with engine.begin() as connection:
        append(
            connection,
            kind="TRIAGE_DECISIONS_READ",
            actor=reader.user_id,
            actor_role=reader.role.value,
            purpose=reader.purpose.value,
            details={"rows": len(rows) if mash else 0, "overrides_only": overrides_only},
        )
    return {**found, "rows": rows if mash else []}
