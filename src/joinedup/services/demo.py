"""The demonstration partnership: a synthetic partnership generated (unless already there),
loaded, linked and scored, with the example agreements and one demo account per role, so the
web app has content to show. Synthetic people only."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.config import settings
from joinedup.ingest import IngestReport

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoLoaded:
    """What was loaded: the summary (as ``joinedup demo --json`` prints it) and each
    delivery's ingest report."""

    summary: dict[str, Any]
    reports: list[IngestReport]


def load_demo(engine: Engine, partnership: Path, *, progress: Progress | None = None) -> DemoLoaded:
    """Ingest every agency's delivery of the (synthetic) partnership in ``partnership``,
    link people, load the example agreements and the demo users, import the interventions
    and train and score the risk model. (The command line generates the partnership first:
    nothing below it imports the generator.)"""
    from joinedup import services
    from joinedup.accounts import demo_users

    update = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    # People are linked in one batch once every agency is in: faster than one at a time,
    # and every agency's records are there to link against.
    reports = [
        services.ingest(engine, folder, progress=update, link=False)
        for folder in services.deliveries_in(partnership)
    ]
    linkage = services.link_people(engine, progress=update)
    agreements = services.load_agreements(
        engine, sorted(services.EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="demo"
    )
    users = demo_users.create(engine)
    interventions = _interventions(engine, partnership)
    risk = _risk(engine, update)
    if risk.get("trained"):
        risk["exploitation"] = _exploitation(engine, update)
    summary = {
        "partnership": str(partnership),
        "database": settings().database_url,
        "seconds": round(time.perf_counter() - started, 1),
        "deliveries": {
            r.agency: {
                "rows": r.total("rows"),
                "accepted": r.total("accepted"),
                "quarantined": r.total("quarantined"),
                "status": r.status,
            }
            for r in reports
        },
        "linkage": {
            "records": linkage["records"],
            "persons": linkage["persons"],
            "review": linkage["review"],
            "households": linkage["households"],
        },
        "agreements": [a["agreement"] for a in agreements],
        "interventions": interventions,
        "risk": risk,
        "users": users,
    }
    return DemoLoaded(summary, reports)


def _interventions(engine: Engine, partnership: Path) -> dict[str, int] | None:
    """The partnership's intervention records, when it has them (synth --interventions)."""
    from joinedup.services import interventions

    folder = partnership / "interventions"
    if not (folder / "interventions.csv").is_file():
        return None
    return interventions.import_interventions(engine, folder, recorded_by="demo")


def _risk(engine: Engine, update: Progress) -> dict[str, Any]:
    """Train the risk model on the linked history and score every child (the triage list);
    a partnership with too little history is reported, not fatal."""
    from joinedup.errors import BadInput
    from joinedup.services import risk

    started = time.perf_counter()
    try:
        # Snapshots every 6 months, not 2: the demo must be up in minutes; `joinedup risk
        # train` uses every 2 months.
        model = risk.train_risk_model(engine, progress=update, step_months=6)
    except BadInput as problem:
        return {"trained": False, "reason": str(problem)}
    scored = risk.score_children(engine, progress=update)
    return {
        "trained": True,
        "model_id": model["model_id"],
        "children_scored": scored["children_scored"],
        "flagged": scored["flagged"],
        "ranking": model.get("ranking"),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _exploitation(engine: Engine, update: Progress) -> dict[str, Any]:
    """Train the exploitation early warning and score the 10-17s (its triage view); a
    partnership with too few referrals is reported, not fatal."""
    from joinedup.errors import BadInput
    from joinedup.services import exploitation

    try:
        scored = exploitation.score_exploitation(engine, progress=update)
    except BadInput as problem:
        return {"scored": False, "reason": str(problem)}
    return {
        "scored": True,
        "children_scored": scored["children_scored"],
        "flagged": scored["flagged"],
    }


# Libraries whose training chatter the demo keeps off a new user's screen: Splink warns of
# each comparison level no training pair showed (normal in a small partnership: the model
# keeps a default weight for it, ``linkage.model.fill_unseen``).
THIRD_PARTY_LOGGERS = ("splink",)


@dataclass
class Quieted:
    """What ``quietly`` kept off the screen: third-party log records and Python warnings
    (their counts are said in words in the demo's summary)."""

    log_records: list[logging.LogRecord] = field(default_factory=list)
    warnings: list[warnings.WarningMessage] = field(default_factory=list)

    def summary(self) -> str | None:
        if not self.log_records and not self.warnings:
            return None
        return (
            f"{len(self.log_records) + len(self.warnings)} notes from the linkage and "
            "modelling libraries were kept off the screen (in a synthetic partnership some "
            "kinds of difference between records never occur, so the linkage model keeps "
            "its default weight for them)"
        )


class _Keep(logging.Handler):
    def __init__(self, kept: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append(record)


@contextmanager
def quietly() -> Iterator[Quieted]:
    """Third-party libraries' log records and Python warnings are kept, not printed, for
    the block (joinedup's own log lines, such as a new audit key, still show)."""
    quieted = Quieted()
    handler = _Keep(quieted.log_records)
    loggers = [logging.getLogger(name) for name in THIRD_PARTY_LOGGERS]
    before = [(lg, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield quieted
            quieted.warnings.extend(caught)
    finally:
        for lg, propagate in before:
            lg.removeHandler(handler)
            lg.propagate = propagate


@dataclass
class Running:
    """The demo's partnership at work: the mail sink's address and the alerts worker."""

    mail_url: str
    worker: threading.Thread
    stop: threading.Event


@contextmanager
def running_partnership(engine: Engine, *, mail_port: int = 0) -> Iterator[Running]:
    """A local mail sink (``services.mail_sink``, on loopback) with the alerts' SMTP relay
    pointed at it, and the alerts worker in a thread, until the block ends: the worker is
    told to stop (it finishes the item in hand) and waited for, then the sink stops."""
    from joinedup import config
    from joinedup.alerts import worker
    from joinedup.services.alerts import worker_duties
    from joinedup.services.mail_sink import MailSink

    with (
        MailSink(engine, port=mail_port) as sink,
        config.use_in_this_process({"JOINEDUP_SMTP_URL": sink.url}),
    ):
        stop = threading.Event()
        thread = threading.Thread(
            target=worker.run,
            kwargs={
                "engine": engine,
                "poll_seconds": 1.0,
                "stop": stop,
                "duties": worker_duties(),
            },  # fmt: skip
            name="joinedup-alerts-worker",
            daemon=True,
        )
        thread.start()
        try:
            yield Running(sink.url, thread, stop)
        finally:
            stop.set()
            thread.join(timeout=30)
