"""Data sharing agreements as data, for the operator and the data protection officers: check
and load them, list and compare the stored versions, generate their documents, and ask the
policies compiled from them what they decide.

Agreements hold no personal data: none of these takes a caller identity. Loading is audited
(``agreement_store.save``); a decision asked here is a what-if, written nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from joinedup.governance import agreement_store
from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.agreements import Agreement, load_paths, load_with_sources
from joinedup.governance.conflicts import Conflict, find_conflicts, side_by_side
from joinedup.store import UnitOfWork

DocumentKind = Literal["document", "dpia"]


@dataclass(frozen=True)
class Loaded:
    """Agreements checked (and, unless only checked, stored), with the conflicts between
    the active agreements that follow."""

    checked: list[Agreement]
    outcomes: list[agreement_store.LoadOutcome]
    conflicts: list[Conflict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": [a.key for a in self.checked],
            "loaded": [o.to_dict() for o in self.outcomes],
            "conflicts": [c.to_dict() for c in self.conflicts],
        }


def check(paths: list[Path]) -> Loaded:
    """Validate agreement files (every problem named by file and field); store nothing. The
    conflicts are those among the files themselves."""
    agreements = load_paths(paths)
    return Loaded(agreements, [], find_conflicts(agreements))


def load(engine: Engine, paths: list[Path], *, loaded_by: str) -> Loaded:
    """Validate and store agreements: a new version supersedes the old, which is kept; an
    identical one changes nothing; each load is audited."""
    loaded = load_with_sources(paths)
    with UnitOfWork(engine) as uow:
        outcomes = [
            agreement_store.save(uow.connection, agreement, source=source, loaded_by=loaded_by)
            for agreement, source in loaded
        ]
        current = agreement_store.current_agreements(uow.connection)
        uow.commit()
    return Loaded([a for a, _ in loaded], outcomes, find_conflicts(current))


def stored(engine: Engine, *, history: bool = False) -> list[dict[str, Any]]:
    """The stored agreements: current versions, or every version with ``history``."""
    with UnitOfWork(engine) as uow:
        rows = agreement_store.history(uow.connection)
    return rows if history else [r for r in rows if r["superseded_at"] is None]


def get(engine: Engine, reference: str) -> Agreement:
    """One stored agreement by ``ID`` (its current version) or ``ID@VERSION``."""
    agreement_id, version = agreement_store.parse_reference(reference)
    with UnitOfWork(engine) as uow:
        return agreement_store.get(uow.connection, agreement_id, version)


def conflicts(engine: Engine) -> list[Conflict]:
    """Every conflict between the active agreements in the store."""
    with UnitOfWork(engine) as uow:
        return find_conflicts(agreement_store.current_agreements(uow.connection))


def compare(engine: Engine, left: str, right: str) -> list[tuple[str, str, str]]:
    """Two agreements (or two versions of one) side by side: a header row, then the terms
    that differ (what, left, right)."""
    return side_by_side(get(engine, left), get(engine, right))


@dataclass(frozen=True)
class AgreementDocument:
    """A document generated from an agreement: Markdown, or a PDF made from it."""

    title: str
    markdown: str

    def pdf(self) -> bytes:
        from joinedup.governance.pdf import markdown_to_pdf

        return markdown_to_pdf(self.markdown, self.title)


def document(engine: Engine, reference: str, kind: DocumentKind) -> AgreementDocument:
    """The data sharing agreement document of an agreement, or a DPIA draft from its data
    for the DPO to complete."""
    from joinedup.governance.documents import dpia_markdown, dsa_markdown

    agreement = get(engine, reference)
    if kind == "document":
        return AgreementDocument(agreement.title, dsa_markdown(agreement))
    return AgreementDocument(f"DPIA draft: {agreement.title}", dpia_markdown(agreement))


def decide(
    request: dict[str, Any],
    *,
    store: Callable[[], Engine],
    agreement_files: list[Path] | None = None,
    on: date | None = None,
) -> tuple[AccessRequest, Decision]:
    """What the policies decide for a stated request (``AccessRequest.build``'s fields), and
    why, field by field: against ``agreement_files``, or else the agreements in the store
    (opened only then). A what-if for testing the policies: it reads no personal data and
    is not audited."""
    from joinedup.governance.pdp import PolicyDecisionPoint
    from joinedup.governance.recording import engine_for

    built = AccessRequest.build(**request)
    if agreement_files:
        pdp = PolicyDecisionPoint(load_paths(agreement_files))
    else:
        with UnitOfWork(store()) as uow:
            pdp = engine_for(uow.connection)
    return built, pdp.decide(built, today=on)


def compiled_policies(engine: Engine) -> str:
    """The Cedar policies compiled from the stored agreements and the role rules."""
    from joinedup.governance.recording import engine_for

    with UnitOfWork(engine) as uow:
        return engine_for(uow.connection).compiled.text
