"""Sealing: a signed head at the end of every command and web request that appended entries,
written to the witness too.

Entries after the newest signed head are protected by the hash chain alone; a head every
1,000 entries left a quiet installation's whole log unsigned (the demo ended with none). Now
``append`` notes the store in the current ``sealing()`` scope, and when the scope ends (a
CLI command, a web request) the store gets a head over everything so far, in a transaction
of its own, and the head goes to the witness once that has committed.

Concurrent requests share the work: while one thread signs a store's head, others that
finish only ask for one more round, which covers all their entries. The web app seals in
batches (``seal_soon``): at most one round a second per store, a request that appends within
the second being covered by a round at its end; a round per request held SQLite's write lock
as often as the requests themselves did and cut a single view's throughput by a third
(110 -> 71 a second in bench_web on 5,000 children), and wrote a head per request. A
command seals at once when it ends (``seal``); a batch still waiting when the process ends
is sealed then. A failure (a broken log, an unreadable key) is logged at ERROR and
leaves the entries as they were: ``joinedup audit verify`` reports the same problem.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from joinedup.errors import JoinedUpError

if TYPE_CHECKING:
    from joinedup.governance.audit.treehead import TreeHead

_log = logging.getLogger(__name__)
# The stores the current command or request appended to (None outside a sealing scope).
_APPENDED: ContextVar[dict[int, Engine] | None] = ContextVar(
    "joinedup_audit_appended", default=None
)


def note_append(engine: Engine) -> None:
    """Called by ``append``: this store has entries the current scope must seal."""
    appended = _APPENDED.get()
    if appended is not None:
        appended[id(engine)] = engine


@contextmanager
def collecting() -> Iterator[dict[int, Engine]]:
    """The stores appended to within the block (for a caller that seals them itself, as the
    web app does off the event loop)."""
    appended: dict[int, Engine] = {}
    token = _APPENDED.set(appended)
    try:
        yield appended
    finally:
        _APPENDED.reset(token)


def seal_all(appended: dict[int, Engine]) -> None:
    for engine in list(appended.values()):
        seal(engine)


def seal_now() -> None:
    """Seal what the current scope has appended so far, without ending it: for a command
    that runs until stopped (the alerts worker), after each unit of work."""
    appended = _APPENDED.get()
    if appended:
        seal_all(appended)


@contextmanager
def sealing() -> Iterator[None]:
    """Seal, when the block ends, every store appended to within it (also when the block
    raises: a refused sign-in's entry is committed before the refusal)."""
    with collecting() as appended:
        try:
            yield
        finally:
            seal_all(appended)


@dataclass
class _Rounds:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    wanted: bool = False
    last_done: float = float("-inf")  # time.monotonic() when the last round ended
    timer: threading.Timer | None = None  # the batch's round, when one is waiting
    engine: Engine | None = None


# The web app's batch: one signed head a second at most per store.
BATCH_SECONDS = 1.0

_rounds: dict[str, _Rounds] = {}
_rounds_lock = threading.Lock()


def seal(engine: Engine) -> None:
    """Sign a head over everything the store holds and witness it; while another thread of
    this process is doing so, ask it for one more round instead (it covers these entries)."""
    state = _state(engine)
    with state.lock:
        if state.running:
            state.wanted = True
            return
        state.running = True
    try:
        while True:
            seal_once(engine)
            with state.lock:
                state.last_done = time.monotonic()
                if not state.wanted:
                    state.running = False
                    return
                state.wanted = False
    except BaseException:
        with state.lock:
            state.running = False
        raise


def _state(engine: Engine) -> _Rounds:
    key = engine.url.render_as_string(hide_password=False)
    with _rounds_lock:
        state = _rounds.setdefault(key, _Rounds())
        state.engine = engine
        return state


def seal_soon(engine: Engine, batch_seconds: float = BATCH_SECONDS) -> None:
    """Seal now if the store's last round ended ``batch_seconds`` ago or more; otherwise
    make sure one round runs when the batch ends (it covers every entry appended since)."""
    if seal_due(engine, batch_seconds):
        seal(engine)


def seal_due(engine: Engine, batch_seconds: float = BATCH_SECONDS) -> bool:
    """``seal_soon`` without the sealing: True when the caller must seal now (``seal``);
    otherwise a round is waiting for the batch's end (started here if need be). It never
    blocks, so the web app asks on the event loop and goes to a thread only to seal, about
    once a second, instead of for every request."""
    state = _state(engine)
    with state.lock:
        if state.timer is not None:
            return False  # the batch's round is already waiting: it will cover these entries
        wait = state.last_done + batch_seconds - time.monotonic()
        if wait > 0:
            state.timer = threading.Timer(wait, _batch_ends, (state,))
            state.timer.daemon = True
            state.timer.start()
            return False
    return True


def _batch_ends(state: _Rounds) -> None:
    with state.lock:
        state.timer = None
        engine = state.engine
    if engine is not None:
        seal(engine)


@atexit.register
def _seal_waiting_batches() -> None:
    """A batch still waiting when the process ends is sealed then, not lost."""
    with _rounds_lock:
        waiting = [s for s in _rounds.values() if s.timer is not None]
    for state in waiting:
        timer = state.timer
        if timer is not None:
            timer.cancel()
        _batch_ends(state)


def seal_once(engine: Engine) -> TreeHead | None:
    """One signed head over the whole log (or the newest, if nothing was added), witnessed
    after it commits; None when the log is empty or the head could not be made."""
    # (imported here: ``log`` imports this module, and ``heads`` imports ``log``)
    from joinedup.governance.audit import witness
    from joinedup.governance.audit.heads import checkpoint

    try:
        with engine.begin() as connection:
            head = checkpoint(connection)
        if head is not None:
            witness.record(engine.url, head)
        return head
    except (JoinedUpError, OSError, SQLAlchemyError) as error:
        # the command's or request's own work has committed: report, do not undo it
        _log.error("audit log not sealed: %s", error)
        return None
