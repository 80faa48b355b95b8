"""The parse side of a large delivery in a second process, so parsing overlaps writing.

On two cores an ingest is about three parts parsing (reading, adapters, validation, canonical
JSON, derived rows) to two parts writing. ``ParseProcess`` starts a fresh interpreter that runs
``parse_side.parse_delivery`` over the whole delivery and sends each ``ParsedBatch`` back
pickled, through a pipe, while this process writes the previous batch inside the delivery's
single transaction. The child never touches the store.

- A fresh interpreter, not ``fork``: the parent holds open database connections and may run
  threads. ``subprocess`` rather than ``multiprocessing``'s spawn: spawn would also import the
  parent's main module (the CLI, a web app) in the child, and forkserver children are not the
  caller's, so their CPU time would not show in its resource usage.
- Bounded: the child queues at most ``QUEUED_BATCHES`` pickled batches, and the pipe holds one
  more; memory stays bounded by the streaming read, as in one process.
- Failure: the child sends any exception it raises (``DeliveryRejected`` with its message
  unchanged); the parent raises it, so the transaction rolls back. A child that dies without a
  word fails the ingest with its exit status. If the parent dies, the child's next send fails
  and it exits.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from joinedup.ingest.manifest import Manifest, read_manifest
from joinedup.ingest.parse_side import Item, fewer_collections, plan_files

QUEUED_BATCHES = 3
# The function the child runs, as "module:name", called with (manifest, plan) and yielding
# ``Item``s; tests point it at one that fails on purpose.
ENTRY = "joinedup.ingest.parse_side:parse_delivery"
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_STOP_SECONDS = 10.0


class ParseProcessFailed(RuntimeError):
    """The parsing process stopped without finishing, or raised something not picklable."""


class _RemoteTraceback(Exception):
    """The child's traceback, chained as the cause of the error raised here."""

    def __str__(self) -> str:
        return str(self.args[0])


class ParseProcess:
    """Parse ``manifest``'s delivery in a child process; ``items()`` yields what it sends."""

    def __init__(self, manifest: Manifest, sha256: str) -> None:
        self.folder = manifest.folder
        read, write = os.pipe()
        arguments = {
            "folder": str(manifest.folder),
            "sha256": sha256,
            "fd": write,
            "entry": ENTRY,
            "path": sys.path,
        }
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(arguments)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(write,),
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.pipe = Connection(read, writable=False)
        self.finished = False

    def items(self) -> Iterator[Item]:
        while True:
            try:
                data = self.pipe.recv_bytes()
            except EOFError:
                raise ParseProcessFailed(
                    f"the process parsing {self.folder} stopped without finishing "
                    f"(exit status {self._exit_status()})"
                ) from None
            kind, *rest = pickle.loads(data)  # noqa: S301 - our own child, a private pipe
            if kind == "item":
                yield rest[0]
            elif kind == "done":
                self.finished = True
                return
            else:
                raise _rebuilt(*rest)

    def _exit_status(self) -> int | None:
        try:
            return self.process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """Wait for the child (it exits once it has sent everything), or stop it: when the
        ingest ended early (failed, or the delivery was already in) what it parses is of
        no use."""
        self.pipe.close()
        if not self.finished and self.process.poll() is None:
            self.process.kill()
        if self.process.poll() is None:
            try:
                self.process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ParseProcess:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.close()


def _rebuilt(error: bytes | None, trace: str) -> BaseException:
    rebuilt: BaseException | None = None
    if error is not None:
        try:
            rebuilt = pickle.loads(error)  # noqa: S301 - from our own child
        except Exception:
            rebuilt = None
    if not isinstance(rebuilt, BaseException):
        last = trace.strip().splitlines()[-1] if trace.strip() else "unknown error"
        rebuilt = ParseProcessFailed(f"the parsing process failed: {last}")
    from joinedup.errors import DeliveryRejected

    if not isinstance(rebuilt, DeliveryRejected):  # a rejection is raised "from None" there
        rebuilt.__cause__ = _RemoteTraceback(f"\n\nIn the parsing process:\n{trace}")
    return rebuilt


_BOOT = "import sys; from joinedup.ingest.parse_process import child_main; child_main(sys.argv[1])"


def child_main(argument: str) -> None:
    """The child: parse the delivery and send ("item", item) for each item, then ("done",),
    or ("error", the pickled exception or None, its traceback)."""
    arguments = json.loads(argument)
    sys.path[:] = arguments["path"]  # the parent's, so that what it imports imports here
    pipe = Connection(arguments["fd"], readable=False)
    outbox: queue.Queue[bytes | None] = queue.Queue(QUEUED_BATCHES)
    parent_gone = threading.Event()
    sender = threading.Thread(target=_send_all, args=(pipe, outbox, parent_gone), daemon=True)
    sender.start()

    def put(data: bytes | None) -> None:
        while not parent_gone.is_set():
            try:
                outbox.put(data, timeout=0.5)
                return
            except queue.Full:
                continue
        raise SystemExit(1)

    def send(message: tuple[Any, ...]) -> None:
        put(pickle.dumps(message, _PROTOCOL))

    try:
        with fewer_collections():
            manifest = read_manifest(Path(arguments["folder"]))
            if manifest.sha256 != arguments["sha256"]:
                raise ParseProcessFailed(
                    f"{manifest.folder}/manifest.json changed during the ingest"
                )
            module, name = arguments["entry"].split(":")
            parse: Callable[..., Iterator[Item]] = getattr(importlib.import_module(module), name)
            for item in parse(manifest, plan_files(manifest)):
                send(("item", item))
        send(("done",))
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - every failure goes to the parent
        try:
            pickled: bytes | None = pickle.dumps(error, _PROTOCOL)
        except Exception:
            pickled = None
        send(("error", pickled, traceback.format_exc()))
    put(None)
    sender.join()


def _send_all(pipe: Connection, outbox: queue.Queue[bytes | None], gone: threading.Event) -> None:
    # The pipe write blocks (without the GIL) while the parent is busy writing; parsing
    # carries on meanwhile until the outbox is full.
    while (data := outbox.get()) is not None:
        try:
            pipe.send_bytes(data)
        except OSError:  # the parent closed the pipe or died
            gone.set()
            return
    pipe.close()
