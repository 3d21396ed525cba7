"""Real-time pair scoring with the stored model, identical to Splink's batch prediction.

Splink's ``predict_between`` costs ~190 ms a call and cannot share a connection between
threads. Scoring a handful of candidates needs neither a linker nor a database file: the
comparison vectors come from the very CASE statements Splink compiles from the model (run by
DuckDB over an in-memory Arrow table of the pairs), and the match weight is the prior plus
each level's weight and term-frequency adjustment, computed with Splink's own formulas from
the model's m and u. A test holds this equal to ``linker.inference.predict`` within 1e-6.

DuckDB takes ~10 ms to plan those CASE statements and ~1 ms to run them over a few dozen
pairs, so each thread prepares them once, over a source whose rows are swapped per call.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from splink.internals.settings_creator import SettingsCreator

from matching_rules import MATCH_COLUMNS
from mdm.errors import ModelError
from mdm.store.work import word_lists_sql

TermFrequencies = Mapping[str, Mapping[str, float]]

# Match columns are text except these (as in the batch's linker input table).
_ARROW_TYPES = {"email_local_digits": pa.bool_()}


@dataclass(frozen=True)
class _Level:
    label: str
    weight: float
    tf_column: str | None
    tf_weight: float
    log2_u: float
    tf_minimum_u: float


@dataclass(frozen=True)
class _Comparison:
    name: str
    levels: dict[int, _Level]
    # The labels of its null levels where it has several: Splink gives them all gamma -1, and
    # only one of them is "missing" (a mobile against a landline is no evidence either way, say).
    unweighed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairScore:
    """One scored pair: the total match weight, its probability and each comparison's part."""

    match_weight: float
    match_probability: float
    explanation: dict[str, dict[str, Any]]  # comparison -> {gamma, match_weight, label}

    def gamma(self, comparison: str) -> int:
        return int(self.explanation[comparison]["gamma"])


class _LivePairs:
    """The pairs of the current call, to a statement prepared once. DuckDB binds a prepared
    statement to the object registered under the table's name and asks it for a new Arrow
    stream at each execution, so replacing ``table`` replaces the rows; a plain Arrow table
    would be bound for good."""

    __slots__ = ("table",)

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.table.__arrow_c_stream__(requested_schema)


def unweighed_label(label: str) -> str:
    """How a pair's explanation names a null level: a value "missing", or why the values are no
    evidence either way (a mobile against a landline: a household's shared line)."""
    return label if label == "missing" else f"no evidence: {label}"


def probability(match_weight: float) -> float:
    """Splink's numerically stable 2^w / (1 + 2^w)."""
    if match_weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-match_weight))
    return 2.0**match_weight / (1.0 + 2.0**match_weight)


class Scorer:
    """Scores one record against candidates with a trained model's settings."""

    def __init__(self, settings: dict[str, Any], term_frequencies: TermFrequencies) -> None:
        try:
            compiled = SettingsCreator.from_path_or_dict(settings).get_settings("duckdb")
        except Exception as e:  # a model JSON Splink cannot read
            raise ModelError(f"the stored model cannot be loaded: {e}") from e
        prior = compiled._probability_two_random_records_match
        self.prior_weight = math.log2(prior / (1 - prior))
        self.term_frequencies = term_frequencies
        self.comparisons: list[_Comparison] = []
        cases, which = [], []
        for comparison in compiled.comparisons:
            nulls = [level for level in comparison.comparison_levels if level.is_null_level]
            unweighed = tuple(level.label_for_charts for level in nulls) if len(nulls) > 1 else ()
            if unweighed:
                which.append("CASE " + " ".join(f"WHEN {level.sql_condition} THEN {i}"
                                                for i, level in enumerate(nulls)) + " END")
            levels = {}
            for level in comparison.comparison_levels:
                if level.is_null_level:
                    continue
                tf = level._has_tf_adjustments and level._tf_adjustment_weight != 0 and not level._is_else_level
                levels[level.comparison_vector_value] = _Level(
                    label=level.label_for_charts,
                    weight=float(level._match_weight),
                    tf_column=level._tf_adjustment_input_column_name if tf else None,
                    tf_weight=float(level._tf_adjustment_weight),
                    log2_u=math.log2(level._u_probability_corresponding_to_exact_match(comparison.comparison_levels))
                    if tf
                    else 0.0,
                    tf_minimum_u=float(level._tf_minimum_u_value),
                )
            self.comparisons.append(_Comparison(comparison.output_column_name, levels, unweighed))
            cases.append(comparison._case_statement)
        words = f"{word_lists_sql('_l')}, {word_lists_sql('_r')}"
        self._sql = f"SELECT {', '.join([*cases, *which])} FROM (SELECT *, {words} FROM pairs)"
        self._db = duckdb.connect(":memory:")
        self._local = threading.local()
        self._prepared_lock = threading.Lock()
        self._all_prepared: list[tuple[duckdb.DuckDBPyConnection, _LivePairs]] = []
        self._schema = pa.schema(
            [(f"{c}{side}", _ARROW_TYPES.get(c, pa.string())) for c in MATCH_COLUMNS for side in ("_l", "_r")]
        )
        self._empty = self._schema.empty_table()

    def _prepared(self) -> tuple[duckdb.DuckDBPyConnection, _LivePairs]:
        """This thread's cursor, with the model's statement prepared over its pairs."""
        found: tuple[duckdb.DuckDBPyConnection, _LivePairs] | None = getattr(self._local, "prepared", None)
        if found is None:
            cur, live = self._db.cursor(), _LivePairs(self._empty)
            cur.register("pairs", live)
            cur.execute(f"PREPARE score AS {self._sql}")
            found = self._local.prepared = (cur, live)
            with self._prepared_lock:
                self._all_prepared.append(found)
        return found

    def close(self) -> None:
        """Release every thread's cursor now, on the calling thread.

        A cursor left to its thread's exit holds the Python object registered as its pairs;
        when that thread outlives the interpreter's shutdown, DuckDB cannot take the GIL to
        release it and the process aborts (exit 134) after an orderly stop. No call may be
        scoring while this runs."""
        with self._prepared_lock:
            prepared, self._all_prepared = self._all_prepared, []
        for cur, _ in prepared:
            cur.unregister("pairs")
            cur.close()
        self._db.close()

    def score(
        self, record: Mapping[str, Any], candidates: Sequence[Mapping[str, Any]],
        own: Mapping[str, float] | None = None,
    ) -> list[PairScore]:
        """Score ``record`` against each candidate. Rows hold the match columns as text.
        ``own``: column -> the frequency of ``record``'s value there, read instead of the table's."""
        return self.score_pairs([(record, cand) for cand in candidates], own)

    def score_pairs(
        self,
        pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
        own: Mapping[str, float] | None = None,
    ) -> list[PairScore]:
        """Score each (left, right) pair, in one statement (``own``: as :meth:`score`, of the left)."""
        if not pairs:
            return []
        columns = {}
        for c in MATCH_COLUMNS:
            columns[f"{c}_l"] = [left.get(c) for left, _right in pairs]
            columns[f"{c}_r"] = [right.get(c) for _left, right in pairs]
        cur, live = self._prepared()
        live.table = pa.Table.from_pydict(columns, schema=self._schema)
        try:
            gammas = cur.execute("EXECUTE score").fetchall()
        finally:
            live.table = self._empty
        return [self._weigh(left, right, row, own or {})
                for (left, right), row in zip(pairs, gammas, strict=True)]

    def _weigh(
        self, left: Mapping[str, Any], right: Mapping[str, Any], row: Sequence[int], own: Mapping[str, float],
    ) -> PairScore:
        """``row``: each comparison's gamma, then which null level applied to each comparison
        with several (see ``_Comparison.unweighed``)."""
        total = self.prior_weight
        explanation = {}
        gammas, which = row[:len(self.comparisons)], iter(row[len(self.comparisons):])
        for comparison, gamma in zip(self.comparisons, gammas, strict=True):
            level = comparison.levels.get(gamma)
            null = next(which) if comparison.unweighed else None
            weight = 0.0
            label = unweighed_label(comparison.unweighed[null]) if null is not None else "missing"
            if level is not None:
                weight = level.weight + self._tf_adjustment(level, left, right, own)
                label = level.label
            total += weight
            explanation[comparison.name] = {"gamma": gamma, "match_weight": round(weight, 6), "label": label}
        return PairScore(total, probability(total), explanation)

    def _tf_adjustment(
        self, level: _Level, left: Mapping[str, Any], right: Mapping[str, Any], own: Mapping[str, float],
    ) -> float:
        """Splink's: weight * (log2 u - log2 max(tf_l, tf_r, minimum)), 0 when neither value is known."""
        if level.tf_column is None:
            return 0.0
        table = self.term_frequencies.get(level.tf_column, {})
        tf_l = own[level.tf_column] if level.tf_column in own else table.get(left.get(level.tf_column))
        tf_r = table.get(right.get(level.tf_column))
        if tf_l is None and tf_r is None:
            return 0.0
        tf_l = tf_r if tf_l is None else tf_l
        tf_r = tf_l if tf_r is None else tf_r
        return level.tf_weight * (level.log2_u - math.log2(max(tf_l, tf_r, level.tf_minimum_u)))
