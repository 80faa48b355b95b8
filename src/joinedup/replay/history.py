"""``joinedup replay``: a partnership's history replayed as if it arrived live.

1. Everything dated before ``--from`` (and every row without a date of its own: people,
   schools, identifiers) is ingested as history with the alert hook paused, then linked
   (batch linkage, which trains the model) and the example agreements are loaded if the
   store has none.
2. Every later row is fed in time order, one slice of ``slice_days`` (default one day) at a
   time: one delivery per agency per slice (``slices``), extracted at 06:00 UTC the
   morning after the slice, ingested with incremental linking, so the rules fire in the
   ingest transaction as they would have. The alerts' clock is the delivery's extraction
   (deadlines, folding and rate limits run in simulated time); triggers waiting for a new
   person to be linked are evaluated again after each delivery, as the worker would.
3. Against ``truth/`` (never read before the replay has finished): of the children whose
   first statutory outcome (a child protection plan, or becoming looked after) falls in the
   replayed period, how many had an alert beforehand (to their lead practitioner or to
   anyone), how long before (median months), and alerts per recipient per week.

Emails and webhooks are left in the outbox (a worker would send them); risk escalation
alerts are raised only with ``--rescore-days`` (``risk``): nothing else re-scores a
child during a replay.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import Engine, func, select

from joinedup.alerts import intake
from joinedup.domain.events import DeliveryIngested
from joinedup.errors import BadInput, Conflict
from joinedup.replay.risk import Rescoring
from joinedup.replay.slices import AgencyFeed
from joinedup.services import (
    EXAMPLE_AGREEMENTS,
    deliveries_in,
    ingest,
    link_people,
    load_agreements,
)
from joinedup.store.alert_tables import alert
from joinedup.store.governance_tables import agreement_version
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import delivery
from joinedup.store.unit_of_work import NOTHING, EventFlow, using

# A delivery's alerts in simulated time: each delivery's extraction is the alerts' "now"
# (the platform's own flow is joinedup.bootstrap's; a replay re-scores on its own schedule).
LIVE_IN_SIMULATED_TIME = EventFlow(
    in_transaction=MappingProxyType({DeliveryIngested: (intake.on_delivery_ingested_simulated,)})
)

Progress = Callable[[str, int, int], None]
# Within a slice, social care first: a plan that starts the day of an encounter is known.
AGENCY_ORDER = ("social_care", "education", "health", "police")
STATUTORY = ("CP_PLAN", "LOOKED_AFTER")
DAYS_PER_MONTH = 30.4375


def _feeds(partnership: Path) -> list[AgencyFeed]:

    feeds = [AgencyFeed(folder) for folder in deliveries_in(partnership)]
    if not feeds:
        raise BadInput(f"{partnership} holds no agency delivery (see feeds/README.md)")
    rank = {a: i for i, a in enumerate(AGENCY_ORDER)}
    return sorted(feeds, key=lambda f: (rank.get(f.agency, len(rank)), f.agency))


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T06:00:00Z"


def _load_history(
    engine: Engine, feeds: list[AgencyFeed], start: date, work: Path, step: Progress
) -> dict[str, Any]:

    clock = time.perf_counter()
    rows = 0
    with using(NOTHING):  # history raises no alert
        for n, feed in enumerate(feeds):
            step("history", n, len(feeds))
            chosen = feed.select(True, start.isoformat(), start.isoformat())
            folder = feed.write(work / "history", chosen, _stamp(start))
            if folder is not None:
                rows += ingest(engine, folder, link=False).total("rows")
    ingest_seconds = time.perf_counter() - clock
    step("linking", 0, 1)
    link_people(engine)
    with engine.connect() as connection:
        agreements = connection.execute(select(func.count()).select_from(agreement_version))
        has_agreements = bool(agreements.scalar_one())
    if not has_agreements:
        load_agreements(engine, sorted(EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="replay")
    return {
        "rows": rows,
        "ingest_seconds": round(ingest_seconds, 1),
        "link_seconds": round(time.perf_counter() - clock - ingest_seconds, 1),
        "example_agreements_loaded": not has_agreements,
    }


def replay(
    engine: Engine,
    partnership: Path,
    start: date,
    *,
    speed: float = 0.0,
    slice_days: int = 1,
    until: date | None = None,
    work: Path | None = None,
    progress: Progress | None = None,
    rescore_days: int = 0,
) -> dict[str, Any]:

    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(delivery)).scalar_one():
            raise Conflict("replay needs an empty store: point JOINEDUP_DATABASE_URL at a new one")
    if slice_days < 1 or slice_days > intake.LIVE_DAYS:
        raise BadInput(f"--slice-days must be 1 to {intake.LIVE_DAYS} (older events are history)")
    if rescore_days < 0:
        raise BadInput("--rescore-days must be 0 (no risk model) or more")
    step = progress or (lambda _s, _d, _t: None)
    feeds = _feeds(Path(partnership))
    last = max((d for d in (f.last_day() for f in feeds) if d), default=start)
    end = min(until, last + timedelta(days=1)) if until else last + timedelta(days=1)
    if end <= start:
        raise BadInput(f"nothing happens after {start} in {partnership}")
    scratch = Path(tempfile.mkdtemp(prefix="joinedup-replay-", dir=work))
    try:
        history = _load_history(engine, feeds, start, scratch, step)
        rescoring = Rescoring(engine, rescore_days) if rescore_days else None
        if rescoring is not None:
            step("risk model", 0, 1)
            rescoring.start(start)
        clock = time.perf_counter()
        slices = list(range(start.toordinal(), end.toordinal(), slice_days))
        deliveries = rows = 0
        with using(LIVE_IN_SIMULATED_TIME):
            for n, first in enumerate(slices):
                step("replay", n, len(slices))
                lo = date.fromordinal(first)
                hi = min(date.fromordinal(first + slice_days), end)
                for feed in feeds:
                    chosen = feed.select(False, lo.isoformat(), hi.isoformat())
                    folder = feed.write(scratch / f"{lo}", chosen, _stamp(hi))
                    if folder is None:
                        continue
                    report = ingest(engine, folder)
                    rows += report.total("rows")
                    deliveries += 1
                    if rescoring is not None and report.delivery_id is not None:
                        rescoring.delivered([report.delivery_id])
                now = datetime.fromisoformat(_stamp(hi).replace("Z", "+00:00"))
                with engine.begin() as connection:
                    intake.retry_pending(connection, now=now)
                if rescoring is not None and (rescoring.due(n, slice_days) or n == len(slices) - 1):
                    rescoring.rescore(hi, now)
                shutil.rmtree(scratch / f"{lo}", ignore_errors=True)
                if speed > 0:  # simulated days per real second
                    behind = (n + 1) * slice_days / speed - (time.perf_counter() - clock)
                    time.sleep(max(0.0, behind))
        step("replay", len(slices), len(slices))
        seconds = time.perf_counter() - clock
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures = measure(engine, Path(partnership) / "truth", start, end)
    return {
        "partnership": str(partnership),
        "from": start.isoformat(),
        "until": end.isoformat(),
        "slice_days": slice_days,
        "history": history,
        "replay": {
            "slices": len(slices),
            "deliveries": deliveries,
            "rows": rows,
            "seconds": round(seconds, 1),
            "simulated_days_per_second": round((end - start).days / seconds, 2)
            if seconds
            else None,
        },
        "risk_rescoring": rescoring.figures()
        if rescoring is not None
        else "not run (--rescore-days)",
        **figures,
    }


def _truth(
    truth: Path,
) -> tuple[dict[tuple[str, str, str], str], dict[str, list[tuple[str, date]]]]:
    records: dict[tuple[str, str, str], str] = {}
    with (truth / "records.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            records[(row["agency"], row["source_table"], row["source_id"])] = row["person_key"]
    outcomes: dict[str, list[tuple[str, date]]] = defaultdict(list)
    with (truth / "outcomes.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                outcomes[row["person_key"]].append(
                    (row["outcome"], date.fromisoformat(row["date"]))
                )
            except ValueError:
                continue
    return records, outcomes


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 2)


def measure(engine: Engine, truth: Path, start: date, end: date) -> dict[str, Any]:
    """Alerts against the synthetic truth: lead time before statutory outcomes, workload."""
    if not (truth / "records.csv").exists():
        return {"truth": "no truth/ folder: figures against outcomes not measured"}
    records, outcomes = _truth(truth)
    with engine.connect() as connection:
        person_of = {
            (a, t, s): p
            for a, t, s, p in connection.execute(
                select(
                    linkage_record.c.agency_id,
                    linkage_record.c.source_table,
                    linkage_record.c.source_id,
                    linkage_record.c.person_id,
                )
            )
        }
        raised = connection.execute(
            select(
                alert.c.rule_id,
                alert.c.child_person_id,
                alert.c.recipient_kind,
                alert.c.recipient_key,
                alert.c.occurred_at,
                alert.c.occurrences,
            ).where(alert.c.level == 0)
        ).all()
    people: dict[str, set[str]] = defaultdict(set)  # truth person -> joinedup persons
    for key, person_key in records.items():
        if key in person_of:
            people[person_key].add(person_of[key])
    alerts_of: dict[str, list[Any]] = defaultdict(list)
    for row in raised:
        alerts_of[row.child_person_id].append(row)
    reached, before_any, before_lead, lead_months = 0, 0, 0, []
    first_rules: Counter[str] = Counter()
    for person_key, happened in outcomes.items():
        statutory = sorted(d for o, d in happened if o in STATUTORY)
        if not statutory or not start <= statutory[0] < end:
            continue  # no outcome, or the first one was history
        reached += 1
        outcome = statutory[0]
        earlier = sorted(
            (a for p in people.get(person_key, ()) for a in alerts_of.get(p, ())
             if a.occurred_at.date() < outcome),
            key=lambda a: a.occurred_at,
        )  # fmt: skip
        if not earlier:
            continue
        before_any += 1
        before_lead += any(a.recipient_kind == "LEAD" for a in earlier)
        first_rules[earlier[0].rule_id] += 1
        lead_months.append((outcome - earlier[0].occurred_at.date()).days / DAYS_PER_MONTH)
    weeks = max((end - start).days / 7, 1 / 7)
    per_recipient: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    for row in raised:
        per_recipient[row.recipient_key] += 1
        kinds[row.recipient_key] = row.recipient_kind
    leads = [n / weeks for k, n in per_recipient.items() if kinds[k] == "LEAD"]
    teams = {k: round(n / weeks, 2) for k, n in per_recipient.items() if kinds[k] != "LEAD"}
    return {
        "alerts": {
            "raised": len(raised),
            "causes_folded_in": sum(r.occurrences - 1 for r in raised),
            "children": len(alerts_of),
            "by_rule": dict(sorted(Counter(r.rule_id for r in raised).items())),
            "by_recipient_kind": dict(sorted(Counter(r.recipient_kind for r in raised).items())),
        },
        "statutory_outcomes": {
            "children_reaching_first_cp_plan_or_care_in_period": reached,
            "with_an_alert_before": before_any,
            "with_an_alert_to_a_lead_practitioner_before": before_lead,
            "percent_with_an_alert_before": round(100 * before_any / reached, 1)
            if reached
            else None,
            "lead_time_months_median": _percentile(lead_months, 0.5),
            "lead_time_months_p25": _percentile(lead_months, 0.25),
            "lead_time_months_p75": _percentile(lead_months, 0.75),
            "first_alert_rule": dict(first_rules.most_common()),
        },
        "workload": {
            "weeks": round(weeks, 1),
            "lead_practitioners_alerted": len(leads),
            "alerts_per_lead_practitioner_per_week_median": _percentile(leads, 0.5),
            "alerts_per_lead_practitioner_per_week_p90": _percentile(leads, 0.9),
            "alerts_per_lead_practitioner_per_week_max": _percentile(leads, 1.0),
            "alerts_per_week_to_teams": dict(sorted(teams.items())),
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
