"""Training and applying the Fellegi-Sunter model with Splink 5 on DuckDB.

Training needs no labels: the prior comes from near-certain deterministic rules, u from random
sampling and m from expectation maximisation over blocks that do not involve the fields it
learns (see SPLINK5.md: EM blocked on names learns that namesakes match).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, block_on

from matching_rules import MatchingSpec, matching_fingerprint
from mdm.errors import ModelError
from mdm.linking.comparisons import compile_settings
from mdm.store import work as work_sql

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Model:
    """A trained model: Splink's settings JSON (with m/u and prior) and what it was built from."""

    model_id: str
    fingerprint: str
    settings: dict[str, Any]


def _linker(work: duckdb.DuckDBPyConnection, settings: Any) -> Linker:
    db_api = DuckDBAPI(connection=work)
    sdf = db_api.register(work_sql.INPUT_TABLE)
    return Linker(sdf, settings, log_level=None)


def train(work: duckdb.DuckDBPyConnection, spec: MatchingSpec, model_id: str) -> Model:
    """Train on the records already loaded into the work database."""
    training = spec.training
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            linker = _linker(work, compile_settings(spec))
            linker.training.estimate_probability_two_random_records_match(
                [block_on(*cols) for cols in training.prior_rules], recall=training.prior_recall
            )
            linker.training.estimate_u_using_random_sampling(
                max_pairs=training.u_max_pairs, seed=training.seed
            )
            for cols in training.em_blocking:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*cols), max_pairs=training.em_max_pairs
                )
            settings = linker.misc.save_model_to_json()
    except Exception as e:  # Splink raises many types; wrap once, here
        raise ModelError(f"training the model failed: {e}") from e
    return Model(model_id, matching_fingerprint(spec), settings)


def predict(work: duckdb.DuckDBPyConnection, model: Model, spec: MatchingSpec) -> pa.Table:
    """Score every blocked pair at or above the review threshold."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            settings = dict(model.settings)
            # Blocking decides which pairs are scored, not what they score: take it from the
            # current rules, so changing it needs no retraining.
            compiled = compile_settings(spec).get_settings("duckdb").as_dict()
            settings["blocking_rules_to_generate_predictions"] = compiled["blocking_rules_to_generate_predictions"]
            linker = _linker(work, settings)
            predictions = linker.inference.predict(threshold_match_probability=spec.thresholds.review)
    except Exception as e:
        raise ModelError(f"scoring pairs failed: {e}") from e
    return work_sql.scored_pairs(
        work,
        predictions.physical_name,
        [c.name for c in spec.comparisons],
        auto_link=spec.thresholds.auto_link,
    )


def level_labels(settings: dict[str, Any]) -> dict[str, dict[int, str]]:
    """comparison name -> gamma -> level label, to explain a stored pair."""
    out: dict[str, dict[int, str]] = {}
    for comparison in settings.get("comparisons", []):
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        labels = {-1: "missing"}
        for i, level in enumerate(non_null):
            labels[len(non_null) - 1 - i] = level.get("label_for_charts") or level.get("sql_condition", "")
        out[comparison["output_column_name"]] = labels
    return out
