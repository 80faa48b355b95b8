"""The exchange protocol between two partnerships' stores (issue 24), in one process, on
SQLite: the session and the receiver's deposit, the holder's export (with its own matching
of the deposit), the receiver's discovery, the holder's signed summaries and the
receiver's checks, MASH alerts and transfer-in cases, for ``--children`` per side with
``--movers`` children who moved. Building the two stores is not timed. Prints JSON.

    PYTHONPATH=src:. python bench/bench_exchange_protocol.py --children 2000 --movers 100
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from joinedup.exchange import encoding
from joinedup.services import exchange, exchange_sessions
from tests.support import partnerships


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--movers", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    os.environ.setdefault("XDG_CONFIG_HOME", str(folder / "xdg"))
    os.environ.setdefault("XDG_STATE_HOME", str(folder / "xdg-state"))
    urls = {n: f"sqlite:///{folder / f'{n}.db'}" for n in partnerships.NAMES}
    started = time.perf_counter()
    a = partnerships.build_store(folder, urls["exampleshire"], seed=6, children=args.children)
    b = partnerships.build_store(folder, urls["otherbury"], seed=7, children=args.children,
                                 own_nhs_numbers=False)  # fmt: skip
    today = datetime.now(UTC).date()
    planned = partnerships.on_plan(a, today)[: args.movers // 5]
    others = [p for p in partnerships.children_ids(a, today) if p not in planned]
    movers = partnerships.move(a, b, planned + others[: args.movers - len(planned)], "OB1 4QT")
    built = time.perf_counter() - started
    sides = partnerships.sides(folder, urls, {n: "http://127.0.0.1:9" for n in urls})
    now = datetime.now(UTC)
    timings: dict[str, float] = {}

    def timed(name: str, side: str, work):  # type: ignore[no-untyped-def]
        with sides[side].active():
            t0, c0 = time.perf_counter(), time.process_time()
            value = work()
            timings[f"{name}_s"] = round(time.perf_counter() - t0, 3)
            timings[f"{name}_cpu_s"] = round(time.process_time() - c0, 3)
        return value

    with sides["exampleshire"].active():
        holder = exchange.configured().get("otherbury")
        opened = exchange_sessions.open_session(a, holder, now)
    session, salt = opened["session"], base64.b64decode(opened["salt"])
    ours = timed("encode_deposit", "otherbury",
                 lambda: exchange.deposit_for(b, "exampleshire", salt, now))  # fmt: skip
    key = encoding.session_secret(holder.secret, salt)
    document = json.loads(encoding.serialise(ours.encodings, secret=key))
    timed("deposit", "exampleshire", lambda: exchange_sessions.deposit(
        a, holder, {"session": session, "deposit": document}, now))  # fmt: skip
    blob = timed("export", "exampleshire",
                 lambda: exchange.export_encodings(a, "otherbury", session, now))  # fmt: skip
    found = timed("discover", "otherbury",
                  lambda: exchange.discover_from(b, "exampleshire", blob, ours, now))  # fmt: skip
    requests = found["requests"]
    signed = timed("answer", "exampleshire", lambda: exchange.answer_requests(
        a, "otherbury", session, requests, now))  # fmt: skip
    got = timed("receive", "otherbury",
                lambda: exchange.receive_summaries(b, "exampleshire", signed, now))  # fmt: skip
    matched = {r["person_id"] for r in got["received"]}
    print(json.dumps({
        "benchmark": "exchange_protocol", "children_per_side": args.children,
        "movers": len(movers), "movers_on_plan": len(planned), "stores_built_s": round(built, 1),
        "ours": found["ours"], "theirs": found["theirs"], "matched": found["matched"],
        "movers_received": len(matched & set(movers.values())),
        "other_children_received": len(matched - set(movers.values())),
        "transfer_in_cases": sum(1 for r in got["received"] if r.get("transfer_case_id")),
        "encodings_bytes": len(blob), **timings,
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
