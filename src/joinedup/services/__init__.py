"""Use cases: each one function, each one unit of work. The CLI, API and web call these.

The functions here load data and report counts and metrics. Reads of personal data live in
the governed modules: ``casework`` and ``search`` (through the gate: a ``Reader`` with a
declared purpose), ``stewardship`` and ``oversight`` (record-keeping tasks, role-checked
and audited). ``tests/unit/test_architecture.py`` fails if any other path appears.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.errors import BadInput
from joinedup.ingest import IngestReport, ingest_delivery
from joinedup.ingest.manifest import MANIFEST
from joinedup.store.database import refresh_planner_statistics

# Opening the store is the store's own business; the name stays here for its callers.
from joinedup.store.opening import SchemaOutOfDate, open_store  # noqa: F401

TRUTH_FOLDER = "truth"


def deliveries_in(path: Path) -> list[Path]:
    """One delivery folder, or every agency delivery in a partnership folder (sorted)."""
    path = Path(path)
    if (path / MANIFEST).exists() or (path / MANIFEST).is_symlink():
        return [path]
    if not path.is_dir():
        raise BadInput(f"{path} is not a folder")
    # truth/ is the synthetic generator's answer key: the platform never reads it.
    found = sorted(
        p
        for p in path.iterdir()
        if p.is_dir() and not p.is_symlink() and p.name != TRUTH_FOLDER and (p / MANIFEST).is_file()
    )
    if not found:
        raise BadInput(f"{path} holds no manifest.json and no delivery folders with one")
    return found


# A delivery bringing more new or changed people than this is linked by the next batch run
# (`joinedup link`), which is faster per record than one-at-a-time incremental linking.
INCREMENTAL_LINK_LIMIT = 5_000
# A delivery at least this large changes table sizes enough to refresh the planner's
# statistics; small live deliveries (an alert's record) leave them to the next refresh.
STATISTICS_REFRESH_ROWS = 10_000


def ingest(
    engine: Engine,
    path: Path,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    link: bool = True,
) -> IngestReport:
    """Ingest one agency delivery (all or nothing); then, once a linkage model exists, link
    each new or changed person record at once, so that alerts can fire on it."""
    report = ingest_delivery(engine, path, progress=progress)
    if report.status == "ingested" and report.total("rows") >= STATISTICS_REFRESH_ROWS:
        refresh_planner_statistics(engine)
    if link and report.status == "ingested":
        report.linking = link_delivery(engine, report.delivery_id)
    return report


def link_delivery(engine: Engine, delivery_id: int) -> dict[str, Any]:
    """Incrementally link the person records a delivery inserted or changed."""
    from sqlalchemy import select

    from joinedup.store.database import READ_ONLY
    from joinedup.store.linkage_tables import linkage_model as model_table
    from joinedup.store.tables import person_record, source_record

    # Look without the write lock first: most deliveries before the first `joinedup link`
    # have nothing to link, and the ingest's own transaction has just committed. Asked of
    # the table, so that such a delivery does not import the linkage (splink: about a
    # second of CPU).
    with engine.connect().execution_options(**READ_ONLY) as connection:
        active = select(model_table.c.id).where(model_table.c.active.is_(True)).limit(1)
        if connection.execute(active).first() is None:
            return {"status": "not linked", "reason": "no linkage model yet: run `joinedup link`"}
    from joinedup.linkage import model as linkage_model
    from joinedup.linkage.incremental import link_record

    with engine.begin() as connection:
        model = linkage_model.load_active(connection)
        if model is None:
            return {"status": "not linked", "reason": "no linkage model yet: run `joinedup link`"}
        ids = (
            connection.execute(
                select(person_record.c.id)
                .join(source_record, source_record.c.id == person_record.c.source_record_id)
                .where(source_record.c.last_changed_delivery_id == delivery_id)
                .order_by(person_record.c.id)
            )
            .scalars()
            .all()
        )
        if len(ids) > INCREMENTAL_LINK_LIMIT:
            return {
                "status": "deferred",
                "records": len(ids),
                "reason": f"more than {INCREMENTAL_LINK_LIMIT:,} new or changed people: "
                "run `joinedup link`",
            }
        results = [link_record(connection, record_id, model=model) for record_id in ids]
    return {
        "status": "linked",
        "records": len(results),
        "new_persons": sum(1 for r in results if r.created),
        "joined_existing_persons": sum(1 for r in results if not r.created),
        "queued_for_review": sum(r.queued_for_review for r in results),
        "persons_merged": sum(len(r.merged) for r in results),
    }


# --- linkage (issue 4) ---------------------------------------------------------------------


def link_people(
    engine: Engine,
    *,
    backend: str = "duckdb",
    retrain: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Batch-link every record in the store; person ids stay stable across runs."""
    from joinedup.linkage.batch import link

    return link(engine, backend=backend, retrain=retrain, progress=progress).to_dict()


def link_new_record(engine: Engine, person_record_id: int) -> dict[str, Any]:
    """Link one newly ingested record against existing persons at once."""
    from dataclasses import asdict

    from joinedup.linkage.incremental import link_record

    with engine.begin() as connection:
        return asdict(link_record(connection, person_record_id))


def evaluate_linkage(engine: Engine, truth: Path) -> dict[str, Any]:
    """Accuracy of the current links against a synthetic partnership's truth/ folder:
    children and adults apart (when truth/people.csv gives roles), the missed pairs by
    agency pair and error kind (truth/record_errors.csv, extended error model), and the
    exact-match baselines (NHS number alone; name + date of birth)."""
    from sqlalchemy import select

    from joinedup.linkage.evaluate import BASELINES, baseline_clusters, evaluate, read_truth
    from joinedup.linkage.records import read_records
    from joinedup.linkage.splits import by_role, missed_pairs, read_error_kinds, read_roles
    from joinedup.store.linkage_tables import linkage_record

    answer = read_truth(truth)
    with engine.connect() as connection:
        predicted = dict(
            connection.execute(
                select(linkage_record.c.record_key, linkage_record.c.person_id)
            ).all()
        )
        if not predicted:
            raise BadInput("nothing is linked yet: run `joinedup link` first")
        records = read_records(connection)
    report = evaluate(predicted, answer)
    roles = read_roles(truth)
    report["by_role"] = by_role(predicted, answer, roles) if roles else None
    report["missed_pairs"] = missed_pairs(predicted, answer, roles, read_error_kinds(truth))
    report["baselines"] = {
        name: {
            k: v
            for k, v in evaluate(baseline_clusters(records, columns), answer).items()
            if k in ("pairwise", "person")
        }
        for name, columns in BASELINES.items()
    }
    return report


# --- governance (issue 5) ------------------------------------------------------------------

EXAMPLE_AGREEMENTS = Path(__file__).parent.parent / "governance" / "examples"


def load_agreements(engine: Engine, paths: list[Path], *, loaded_by: str) -> list[dict[str, Any]]:
    """Validate and store data sharing agreements (a new version supersedes, the old is
    kept; an identical one changes nothing); each load is audited."""
    from joinedup.governance import agreement_store
    from joinedup.governance.agreements import load_with_sources
    from joinedup.store import UnitOfWork

    loaded = load_with_sources(paths)
    with UnitOfWork(engine) as uow:
        outcomes = [
            agreement_store.save(uow.connection, agreement, source=source, loaded_by=loaded_by)
            for agreement, source in loaded
        ]
        uow.commit()
    return [o.to_dict() for o in outcomes]
