"""What went wrong with one item of the alerts worker: at which stage, and why, said without
personal data.

The worker handles each item (a trigger, a concern, a re-score request, a message, an
overdue alert) in isolation; when one fails, the dead letter (``alerts.dead_letters``)
records where and why. ``at(stage)`` names the stage an exception left: the innermost one
wins, so a policy decision that fails while a trigger is evaluated is a "policy decision"
failure, not a "rule evaluation" one.

``reason`` keeps the exception's class and the first line of its message with the values
taken out (email addresses, quoted words, long numbers, postcodes, capitalised names): an
exception about a child or a practitioner easily says who (``KeyError('Jack Miller')``, an
SMTP refusal naming the address, a PostgreSQL DETAIL line with a row's key), and the dead
letters, the status command, the health endpoint and the operator's email are read by
people who need where and what, not whom. The worker's own log keeps the traceback.
"""

from __future__ import annotations

import re
from contextlib import suppress
from types import TracebackType
from typing import Literal, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

RULE_EVALUATION = "rule evaluation"
ROUTING = "routing"
POLICY_DECISION = "policy decision"
RAISING = "raising"
RENDERING = "rendering"
EMAIL = "email"
WEBHOOK = "webhook"
ESCALATION = "escalation"
RESCORING = "re-scoring"
CONCERN_RELAY = "concern relay"
STAGES = (
    RULE_EVALUATION,
    ROUTING,
    POLICY_DECISION,
    RAISING,
    RENDERING,
    EMAIL,
    WEBHOOK,
    ESCALATION,
    RESCORING,
    CONCERN_RELAY,
)
_STAGE = "joinedup_alert_stage"
E = TypeVar("E", bound=BaseException)
REASON_LENGTH = 200


class at:  # noqa: N801 - used as ``with failures.at(POLICY_DECISION):``
    """Names the stage an exception leaves this block from (unless an inner block did)."""

    __slots__ = ("stage",)

    def __init__(self, stage: str) -> None:
        self.stage = stage

    def __enter__(self) -> at:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if isinstance(error, Exception):
            tagged(error, self.stage)
        return False


def tagged(error: E, stage: str) -> E:
    """``error``, named as failing at ``stage`` unless it already names one."""
    if not hasattr(error, _STAGE):
        with suppress(AttributeError):  # an exception class with __slots__: left unnamed
            setattr(error, _STAGE, stage)
    return error


def stage_of(error: BaseException, default: str) -> str:
    return str(getattr(error, _STAGE, default))


def store_unavailable(error: BaseException) -> bool:
    """The store is busy or away (SQLite's write lock past its busy timeout, a lost
    connection, a PostgreSQL restart, a serialisation failure): not the item's fault, so
    not a dead letter; the cycle stops and the worker tries again after a pause."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_NUMBER = re.compile(r"\d{4,}")  # NHS numbers, dates, ids; status codes (500, 550) stay
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ '-][A-Z][a-z]+)+\b")  # "Jack Miller", "O'Neil-Smith"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# Quoted words kept: constants and identifiers ('_', 'RISK_ESCALATION', 'dedup_key').
_CODE = re.compile(r"[A-Z0-9_.:-]*|[a-z0-9]+(?:_[a-z0-9]+)+")


def _quoted(match: re.Match[str]) -> str:
    text = match.group(0)
    return text if _CODE.fullmatch(text[1:-1]) else f"{text[0]}…{text[0]}"


def error_class(error: BaseException) -> str:
    return type(error).__name__[:120]


def reason(error: BaseException) -> str:
    """The first line of the error's message, values taken out, at most 200 characters."""
    source = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(source).strip().splitlines()
    text = " ".join(lines[0].split()) if lines else ""
    text = _EMAIL.sub("<email>", text)
    text = _QUOTED.sub(_quoted, text)
    text = _POSTCODE.sub("<postcode>", text)
    text = _NUMBER.sub("…", text)
    text = _NAME.sub("…", text)
    if len(text) > REASON_LENGTH:
        text = text[: REASON_LENGTH - 1] + "…"
    return text or "(no message)"


def describe(error: BaseException) -> str:
    """``Class: reason``, as the status, the report and the operator's email show it."""
    return f"{error_class(error)}: {reason(error)}"
