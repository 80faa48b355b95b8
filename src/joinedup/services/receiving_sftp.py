"""``joinedup receive sftp``: each agency's drop folder looked at, each whole delivery taken
into the ingest, its receipt put where the agency reads it.

In: the drop (``receive.drop``: DROP/AGENCY/upload/DELIVERY/). Out: one outcome per delivery
taken or refused; deliveries still arriving are left alone until the stale window passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.config import settings
from joinedup.errors import BadInput, DeliveryRejected
from joinedup.receive import drop
from joinedup.services import delivery_schedule, receiving

CHANNEL = "sftp"


def drop_root() -> Path:
    root = settings().ingest.sftp_drop
    if not root:
        raise BadInput("the SFTP receiver needs JOINEDUP_SFTP_DROP (the drop's root folder)")
    path = Path(root)
    if not path.is_dir():
        raise BadInput(f"JOINEDUP_SFTP_DROP: {path} is not a folder")
    return path


def receive_once(engine: Engine, root: Path, *, now: float | None = None) -> list[dict[str, Any]]:
    stale = settings().ingest.sftp_stale_seconds
    outcomes = []
    for dropped in drop.scan(root, now=now):
        if not dropped.complete:
            if dropped.quiet_for < stale:
                continue  # still arriving
            reason = f"not whole after {stale:,} seconds: {dropped.reason}"
            receiving.refused(engine, dropped.agency, dropped.name, reason, CHANNEL)
            drop.set_aside(root, dropped)
            answer: dict[str, Any] = {"status": "refused", "reason": reason}
            outcome = "refused"
        else:
            folder = drop.take_out(dropped, Path(settings().ingest.receive_dir))
            try:
                answer = receiving.take(
                    engine, dropped.agency, folder, channel=CHANNEL, name=dropped.name
                )
                outcome = "taken"
            except DeliveryRejected as rejected:
                answer, outcome = {"status": "refused", "reason": str(rejected)}, "refused"
        drop.write_receipt(root, dropped.agency, dropped.name, answer)
        outcomes.append(
            {
                "agency": dropped.agency,
                "delivery": dropped.name,
                "outcome": outcome,
                "receipt": answer,
            }
        )
    return outcomes


def run(
    engine: Engine, *, once: bool, interval: float, report: Callable[[dict[str, Any]], None]
) -> int:
    root = drop_root()
    handled = 0
    while True:
        for outcome in receive_once(engine, root):
            report(outcome)
            handled += 1
        for late in delivery_schedule.warn_late(engine):
            report({"outcome": "late", **late})
        if once:
            return handled
        time.sleep(interval)
