"""The trained linkage model: Splink settings, unsupervised training, and its saved form.

In: feature dicts (``records.read_records``). Out: a ``TrainedModel`` holding Splink's model
JSON, the match-weight thresholds, the term frequencies the Python scorer needs and a
fingerprint of the data it was trained on. Training uses no labels: u by random sampling,
m by expectation maximisation on two blocking rules that each leave the other fields free.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import splink
from splink import SettingsCreator, block_on
from sqlalchemy import Connection, insert, select, update

from joinedup.linkage.comparisons import COMPARISONS, blocking_rules
from joinedup.linkage.frames import SplinkSession
from joinedup.linkage.scoring import fill_unseen
from joinedup.store.linkage_tables import linkage_model

# Match weights (log2 Bayes factors). Pairs at or above LINK join automatically; pairs from
# REVIEW up to LINK go to a person for clerical review. Chosen on development partnerships
# (docs/linkage.md): false merges cost more than missed links. A pair that only name and
# DOB tie (WEAK_LINK) needs the same weight, and must point one way (``clustering``): the
# full-name term frequency keeps common names below it (issue 20; 8.0 before).
LINK_THRESHOLD = 6.0
WEAK_LINK_THRESHOLD = 6.0
REVIEW_THRESHOLD = 0.0
TF_COLUMNS = ("full_name",)
U_MAX_PAIRS = 2e6
SEED = 42


@dataclass
class TrainedModel:
    settings: dict[str, Any]
    fingerprint: str
    records: int
    backend: str = "duckdb"
    thresholds: dict[str, float] = field(
        default_factory=lambda: {
            "link": LINK_THRESHOLD,
            "weak_link": WEAK_LINK_THRESHOLD,
            "review": REVIEW_THRESHOLD,
        }
    )
    term_frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    id: int | None = None
    # The Python scorer built from this model (by incremental linking), kept with it.
    scorer: Any = field(default=None, repr=False, compare=False)


def settings_creator() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[c.splink_comparison() for c in COMPARISONS],
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=["record_key", "agency"],
    )


def fingerprint(records: list[dict[str, Any]]) -> str:
    """sha256 over the records' compared columns, in unique-id order."""
    digest = hashlib.sha256()
    for r in sorted(records, key=lambda r: r["unique_id"]):
        digest.update(json.dumps(r, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def term_frequencies(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for column in TF_COLUMNS:
        counts = Counter(r[column] for r in records if r[column] is not None)
        total = sum(counts.values()) or 1
        out[column] = {value: n / total for value, n in counts.items()}
    return out


# The blocking rules expectation maximisation trains on (``train``): each a list of options,
# the first whose every rule some two records agree on. An identifier agreeing trains names,
# DOB, address and sex; a store with no identifier shared by two records (the agencies that
# record none, such as schools and police, before health has delivered) trains the names on
# DOB agreement and the DOB on name agreement, as Splink's guidance does without an id.
TRAINING_RULES: tuple[tuple[tuple[tuple[str, ...], ...], ...], ...] = (
    ((("nhs_number",),), (("upn",),), (("dob",), ("surname", "forename1"))),
    ((("dob", "surname", "forename1"),),),
)


def _any_pair(records: list[dict[str, Any]], columns: tuple[str, ...]) -> bool:
    """Whether two records agree on every one of ``columns`` (none of them missing)."""
    seen: set[tuple[Any, ...]] = set()
    for r in records:
        key = tuple(r.get(c) for c in columns)
        if None in key or "" in key:
            continue
        if key in seen:
            return True
        seen.add(key)
    return False


def train(
    records: list[dict[str, Any]], *, backend: str = "duckdb", u_max_pairs: float = U_MAX_PAIRS
) -> TrainedModel:
    """Estimate the model on ``records`` without labels."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    with SplinkSession(records, settings_creator(), backend=backend) as session:
        linker = session.linker
        linker.training.estimate_probability_two_random_records_match(
            [block_on("nhs_number"), block_on("upn"), block_on("full_name", "dob")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=SEED)
        # NHS number agreement trains names, DOB, address, UPN and sex; DOB + surname
        # + forename trains the identifiers (not on twins: they differ in forename).
        # Neither rule constrains the fields it trains.
        for options in TRAINING_RULES:
            chosen = next(
                (rules for rules in options if all(_any_pair(records, r) for r in rules)), ()
            )
            if not chosen:
                # Splink would refuse a rule no pair agrees on; levels left unseen take
                # ``fill_unseen``'s conservative defaults rather than the linking failing.
                logging.getLogger(__name__).warning(
                    "linkage training: no two records agree on any of %s; trained without it",
                    options,
                )
            for columns in chosen:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*columns), estimate_without_term_frequencies=True
                )
        settings = fill_unseen(linker.misc.save_model_to_json())
    return TrainedModel(
        settings=settings,
        fingerprint=fingerprint(records),
        records=len(records),
        backend=backend,
        term_frequencies=term_frequencies(records),
    )


def save(connection: Connection, model: TrainedModel) -> int:
    """Store ``model`` as the active model (the previous one stays, inactive)."""
    connection.execute(update(linkage_model).values(active=False))
    model.id = connection.execute(
        insert(linkage_model)
        .values(
            created_at=datetime.now(UTC),
            fingerprint=model.fingerprint,
            records=model.records,
            backend=model.backend,
            splink_version=splink.__version__,
            settings=model.settings,
            thresholds=model.thresholds,
            term_frequencies=model.term_frequencies,
            active=True,
        )
        .returning(linkage_model.c.id)
    ).scalar_one()
    return model.id


# A saved model never changes, so it is cached; the key names the database too, because ids
# restart in every store and one process may open several (tests do; so may an operator).
_LOADED: dict[tuple[str, int, str], TrainedModel] = {}


def load_active(connection: Connection) -> TrainedModel | None:
    """The active model of this store, or None when none has been trained."""
    row = connection.execute(
        select(linkage_model.c.id, linkage_model.c.fingerprint)
        .where(linkage_model.c.active.is_(True))
        .order_by(linkage_model.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    key = (connection.engine.url.render_as_string(hide_password=True), row.id, row.fingerprint)
    if key not in _LOADED:
        _LOADED[key] = _load(connection, row.id)
    return _LOADED[key]


def _load(connection: Connection, model_id: int) -> TrainedModel:
    row = connection.execute(select(linkage_model).where(linkage_model.c.id == model_id)).one()
    return TrainedModel(
        settings=row.settings,
        fingerprint=row.fingerprint,
        records=row.records,
        backend=row.backend,
        thresholds=dict(row.thresholds),
        term_frequencies=row.term_frequencies,
        id=row.id,
    )


def settings_for(model: TrainedModel, backend: str) -> dict[str, Any]:
    """The trained model's settings with its SQL compiled for ``backend``: the saved JSON
    holds DuckDB SQL; the parameters (prior, m, u per level) carry over unchanged."""
    if backend == "duckdb":
        return dict(model.settings)
    compiled = settings_creator().create_settings_dict(backend)
    compiled["probability_two_random_records_match"] = model.settings[
        "probability_two_random_records_match"
    ]
    trained = {c["output_column_name"]: c for c in model.settings["comparisons"]}
    for comparison in compiled["comparisons"]:
        levels = trained[comparison["output_column_name"]]["comparison_levels"]
        for level, source in zip(comparison["comparison_levels"], levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in source:
                    level[key] = source[key]
    return compiled


def matches_code(model: TrainedModel) -> bool:
    """Whether the saved model was trained on the comparisons this code declares (same
    level SQL in the same order); a model from older code is retrained, not misread."""
    declared = settings_creator().create_settings_dict("duckdb")["comparisons"]
    saved = model.settings["comparisons"]
    return [[lv["sql_condition"] for lv in c["comparison_levels"]] for c in declared] == [
        [lv["sql_condition"] for lv in c["comparison_levels"]] for c in saved
    ]
