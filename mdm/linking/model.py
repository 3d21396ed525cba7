"""Training and applying the Fellegi-Sunter model with Splink 5 on DuckDB.

Training needs no labels: the prior comes from near-certain deterministic rules, u from random
sampling and m from expectation maximisation over blocks that do not involve the fields it
learns (see SPLINK5.md: EM blocked on names learns that namesakes match).
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from splink import Linker, block_on
from splink.internals.exceptions import SplinkException

from matching_rules import MatchingSpec, matching_fingerprint
from mdm.errors import ModelError
from mdm.linking.comparisons import (
    ALONE_COLUMN,
    DIALECT,
    MARGINAL_LEVELS,
    CountedLevel,
    agreement_guards,
    at_most_as_strong,
    compile_settings,
    counted_levels,
)
from mdm.store import work as work_sql
from mdm.store.work import WorkDB

logger = logging.getLogger(__name__)

_PRIOR_ITERATIONS = 200
# Above this many records the prior is fitted over the blocked pairs of a sample of this size.
_PRIOR_SAMPLE = 250_000
_REFINE_ROUNDS = 1
# Never let the correction take u below this share of what was observed: u is estimated from
# a sample, and a level whose observed u is nearly all matches must not become infinitely strong.
_U_FLOOR = 0.05
# Pairs of different people sharing a value needed before their share is taken as u.
_STRANGER_EVENTS = 5
_Z = 1.96  # the normal quantile of the bounds on counted rates (95% two-sided)
# The most one level may weigh against a match, in bits (_bounded_evidence_against).
_MAX_BITS_AGAINST = 10.0


@dataclass(frozen=True)
class Model:
    """A trained model: Splink's settings JSON (with m/u and prior) and what it was built from."""

    model_id: str
    fingerprint: str
    settings: dict[str, Any]


def _linker(work: WorkDB, settings: Any, table: str = work_sql.INPUT_TABLE) -> Linker:
    """A linker over ``table`` that reads the term frequencies of ``create_frequency_tables``
    (made over all the records, also when ``table`` is a sample)."""
    sdf = work.splink_api().register(table)
    # Splink's settings validation parses every level's SQL only to log missing columns
    # (about a second per linker on a slow machine; a run makes five). The settings are
    # compiled by us over our own input table, and a wrong one still fails when its SQL runs.
    linker = Linker(sdf, settings, log_level=None, validate_settings=False)
    for column in tf_columns(linker.misc.save_model_to_json()):
        frequencies = work.splink_api().register(work_sql.frequency_table(column))
        linker.table_management.register_term_frequency_lookup(frequencies, column)
    return linker


def frequency_counts(spec: MatchingSpec, dialect: str = DIALECT) -> dict[str, work_sql.FrequencyCount]:
    """How each column the model's levels adjust for has its term frequencies counted."""
    settings = compile_settings(spec, dialect).get_settings(dialect).as_dict()
    counts: dict[str, work_sql.FrequencyCount] = {}
    for comparison, compiled in zip(spec.comparisons, settings["comparisons"], strict=True):
        count = ("namesakes" if comparison.frequency_among_namesakes
                 else "other_people_odds" if comparison.odds_from_holders
                 else "other_people" if comparison.frequency_among_other_people else "records")
        counts.update((column, count) for column in tf_columns({"comparisons": [compiled]}))
    return counts


def create_frequency_tables(work: WorkDB, spec: MatchingSpec) -> None:
    """The term frequency tables the model's levels read (``work.create_frequency_tables``),
    made once over the work database's records, before ``train`` and ``predict``."""
    work_sql.create_frequency_tables(work, frequency_counts(spec, work.dialect))


def anchor_to_holders(work: WorkDB, model: Model, spec: MatchingSpec) -> None:
    """Once the model is known (trained or stored), set the frequencies of the level where the
    email is all a pair compares so that such a pair scores at its holders' odds
    (``work.anchor_to_holders_odds``), for a comparison with ``odds_from_holders``. Training
    read the email's own frequencies there; a stored model whose level reads those is left so."""
    by_name = {c.name: c for c in spec.comparisons}
    prior = model.settings["probability_two_random_records_match"]
    for comparison in model.settings["comparisons"]:
        if not getattr(by_name.get(comparison["output_column_name"]), "odds_from_holders", False):
            continue
        for level in comparison["comparison_levels"]:
            if level.get("tf_adjustment_column") == ALONE_COLUMN and isinstance(level.get("m_probability"), float):
                work_sql.anchor_to_holders_odds(work, ALONE_COLUMN, prior / (1 - prior) * level["m_probability"])


def _splink_error(e: Exception) -> str:
    """What failed inside Splink, without the statement it ran: its message holds the whole SQL
    (30 KB when scoring), and the cause (Ctrl-C, a full disk) came last, after pages of it."""
    if not isinstance(e, SplinkException) or e.__cause__ is None:
        return str(e)
    table = re.search(r"for table `([^`]+)`", str(e))
    return f"{e.__cause__}" + (f" (Splink's {table[1]})" if table else "")


def train(work: WorkDB, spec: MatchingSpec, model_id: str) -> Model:
    """Train on the records already loaded into the work database (DuckDB or Spark), with its
    term frequency tables made (``create_frequency_tables``); the model is stored in DuckDB's
    dialect whichever backend trained it."""
    training = spec.training
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            linker = _linker(work, compile_settings(spec, work.dialect))
            # Sources differ in what they hold (no phones at all, say): a training rule that
            # pairs no records teaches nothing and would stop Splink, so it is left out.
            prior_rules = [cols for cols in training.prior_rules if work_sql.pairs_in_blocks(work, cols)]
            if prior_rules:
                linker.training.estimate_probability_two_random_records_match(
                    [block_on(*cols) for cols in prior_rules], recall=training.prior_recall
                )
            linker.training.estimate_u_using_random_sampling(
                max_pairs=training.u_max_pairs, seed=training.seed
            )
            counted = _count_u(work, linker.misc.save_model_to_json(), spec)
            linker = _linker(work, counted)
            em_rules = [cols for cols in training.em_blocking if work_sql.pairs_in_blocks(work, cols)]
            if not em_rules:
                raise ModelError(
                    "training the model failed: no two records share a value on any training.em_blocking"
                    f" rule ({', '.join('+'.join(c) for c in training.em_blocking)}). A model learns from"
                    " customers held more than once: too few records (a first extract of a few hundred"
                    " seldom repeats a phone or an e-mail), or rules on columns the sources do not hold"
                )
            trained = []
            for cols in em_rules:
                linker, ok = _expectation_maximisation(work, linker, cols, training.em_max_pairs)
                trained += [cols] if ok else []
            if not trained:
                raise ModelError(
                    "training the model failed: expectation maximisation degenerated on every"
                    f" training.em_blocking rule ({', '.join('+'.join(c) for c in em_rules)})"
                )
            skipped = [c for c in (*training.prior_rules, *training.em_blocking) if c not in prior_rules + em_rules]
            if skipped:
                logger.warning("training rules that pair no records were left out: %s",
                               ", ".join("+".join(c) for c in skipped))
            settings = _refine(work, linker.misc.save_model_to_json(), spec)
            settings = _marginal(_at_most_even(_u_among_strangers(work, settings, spec), spec))
            settings = _bounded_evidence_against(_differences_never_for_a_match(settings))
            settings = _never_above_the_stronger(settings, spec)
            if work.dialect != "duckdb":
                settings = portable_settings(settings, spec, "duckdb")
    except ModelError:
        raise
    except Exception as e:  # Splink raises many types; wrap once, here
        raise ModelError(f"training the model failed: {_splink_error(e)}") from e
    return Model(model_id, matching_fingerprint(spec), settings)


def _expectation_maximisation(
    work: WorkDB, linker: Linker, cols: list[str], max_pairs: float
) -> tuple[Linker, bool]:
    """One EM round blocked on ``cols``: the linker to go on with, and whether the round trained.

    Where every pair of a block agrees on a comparison save a few hopeless ones (a city within
    one address block), EM drives that comparison's "disagree" m to exactly zero, which Splink
    refuses midway, leaving the linker's settings half changed. The round is left out and the
    linker rebuilt from the parameters before it; the other rounds train the model."""
    before = linker.misc.save_model_to_json()
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*cols), max_pairs=max_pairs)
    except ValueError as e:
        if "below the minimum allowed value" not in str(e):
            raise
        logger.warning("expectation maximisation blocked on %s degenerated and was left out: %s", "+".join(cols), e)
        return _linker(work, before), False
    return linker, True


def _count_u(work: WorkDB, settings: dict[str, Any], spec: MatchingSpec) -> dict[str, Any]:
    """u counted exactly for the levels reached by equal values (``counted_levels``; not those
    with a term-frequency adjustment, whose u is the value's frequency); a level random
    sampling never saw gets one over the pairs sampled, an upper bound, instead of
    Splink's default.

    Fellegi-Sunter adds up the comparisons as if independent. An email made from the name and
    a birth year is not independent of the name: namesakes share it far more often than
    random pairs do. Such a level's u is counted among namesakes known to be different people
    (different birthdays) instead, when that count is clearly larger (``_lower_bound``)."""
    unseen_u = 1.0 / spec.training.u_max_pairs
    for level, lv in _levels(settings, spec):
        rate = work_sql.equal_value_rate(work, lv.column, lv.where, lv.excluding) if lv else 0.0
        if lv and lv.among and lv.different:
            shared, total = work_sql.equal_value_pairs_among(work, lv.column, lv.where, lv.among, lv.different)
            rate = max(rate, (_upper_bound if lv.presumed_shared else _lower_bound)(shared, total))
        if rate > 0:
            level["u_probability"] = rate
        elif not isinstance(level.get("u_probability"), float):
            level["u_probability"] = unseen_u
    return settings


def _levels(settings: dict[str, Any], spec: MatchingSpec) -> Iterator[tuple[dict[str, Any], CountedLevel | None]]:
    """Every level of ``settings`` that weighs something, with how its u is counted (None when
    it is sampled, or adjusted by term frequency: then u is the value's frequency)."""
    by_name = {c.name: c for c in spec.comparisons}
    for comparison in settings["comparisons"]:
        counted = {lv.label: lv for lv in counted_levels(by_name[comparison["output_column_name"]])}
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                tf = level.get("tf_adjustment_column")
                yield level, None if tf else counted.get(level.get("label_for_charts", ""))


def _lower_bound(events: float, trials: float) -> float:
    """A rate no higher than the data surely supports (about the 2.5th percentile): a share
    seen once or twice in a few thousand pairs is noise, and must not weaken the evidence."""
    return max(0.0, events - _Z * math.sqrt(events)) / trials if trials else 0.0


def _upper_bound(events: float, trials: float) -> float:
    """A rate the data surely does not exceed (Wilson score, about the 97.5th percentile); 1
    with no trials at all. For a level presumed to be shared by different people, a count of
    a few hundred pairs must not make it strong evidence."""
    if not trials:
        return 1.0
    z2 = _Z * _Z
    p = events / trials
    centre = p + z2 / (2 * trials)
    margin = _Z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return min(1.0, (centre + margin) / (1 + z2 / trials))


def _u_among_strangers(work: WorkDB, settings: dict[str, Any], spec: MatchingSpec) -> dict[str, Any]:
    """u counted among people known to be different, for the levels that ask for it.

    The u counted over all pairs and corrected for matches (``_refine``) is the difference of
    two near-equal numbers for a value mostly shared by one customer's records: at 100,000
    records the same mobile number between different people is about one pair in 8 million,
    and the correction left u 30 times that (5 bits of evidence lost). Pairs whose birth dates
    are far apart are different people: the share of them sharing a mobile is u itself, if
    sharing does not depend on having a birth date on record. Both estimates err high (matches
    left in, or records with birth dates that share more: a household's landline in billing),
    so the smaller is taken. Fewer than ``_STRANGER_EVENTS`` pairs are too few for a rate but
    still bound it: u is then at most the count's upper bound. Without it, two samples of one
    generator weighed a shared mobile 3 bits apart, as the count of strangers fell either side of 5."""
    for level, lv in _levels(settings, spec):
        if lv and lv.among_strangers:
            shared, total = work_sql.equal_value_pairs_among_strangers(work, lv.column, lv.where)
            rate = shared / total if shared >= _STRANGER_EVENTS else _upper_bound(shared, total)
            level["u_probability"] = min(level["u_probability"], rate)
    return settings


def _at_most_even(settings: dict[str, Any], spec: MatchingSpec) -> dict[str, Any]:
    """A level presumed shared by different people is agreement, never evidence against a
    match: where the count could not show how rarely they share it (its u an upper bound
    above m), it weighs nothing."""
    for level, lv in _levels(settings, spec):
        if lv and lv.presumed_shared and isinstance(level.get("m_probability"), float):
            level["u_probability"] = min(level["u_probability"], level["m_probability"])
    return settings


def _differences_never_for_a_match(settings: dict[str, Any]) -> dict[str, Any]:
    """Values that differ are never evidence for a match: an else level whose m came out above
    its u weighs nothing. Where the null levels above take most differences away (a postcode
    that differs where the address differs too, ``difference_counted_by``), random sampling
    may never see the rest (one address missing, records that always hold both): its u fell
    to the floor for unseen levels and a differing postcode weighed +20 bits."""
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("sql_condition") == "ELSE" and isinstance(m, float) and isinstance(u, float) and m > u:
                level["u_probability"] = m
    return settings


def _bounded_evidence_against(settings: dict[str, Any]) -> dict[str, Any]:
    """No level weighs more than ``_MAX_BITS_AGAINST`` against a match: m is at least that
    share of u.

    EM learns m only from the pairs of its training blocks (a shared phone, birth date or
    address), where a customer's records agree on nearly everything. A level it never sees
    among them gets an m of nearly zero, and a single comparison then outweighs all the rest:
    a company's tax id in invoicing beside the person's own in the ERP weighed -379 bits
    (m 6e-115) though the two differed in 58% of one customer's pairs, and a birth date in the
    same year -71 bits (1.2% of the pairs). Every level EM did see among matches weighed
    above -8.5 bits on the samples measured, so the bound leaves those as they are."""
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if isinstance(m, float) and isinstance(u, float):
                level["m_probability"] = max(m, u * 2.0 ** -_MAX_BITS_AGAINST)
    return settings


def _never_above_the_stronger(settings: dict[str, Any], spec: MatchingSpec) -> dict[str, Any]:
    """A level that says less than another (``at_most_as_strong``) weighs no more than it: random
    sampling seldom sees a ZIP beside its own ZIP+4, and that level's u fell to the floor for
    unseen levels (+21.5 bits on one sample, where the same ZIP+4 weighed 8.3)."""
    by_name = {c.name: c for c in spec.comparisons}
    for comparison in settings["comparisons"]:
        levels = {level.get("label_for_charts"): level for level in comparison["comparison_levels"]}
        for weaker, stronger in at_most_as_strong(by_name[comparison["output_column_name"]]).items():
            w, s = levels[weaker], levels[stronger]
            probabilities = (w.get("m_probability"), w.get("u_probability"), s.get("m_probability"),
                             s.get("u_probability"))
            if all(isinstance(p, float) for p in probabilities):
                bound = w["m_probability"] * s["u_probability"] / s["m_probability"]
                w["u_probability"] = max(w["u_probability"], bound)
    return settings


def _marginal(settings: dict[str, Any]) -> dict[str, Any]:
    """m and u of each of ``MARGINAL_LEVELS``: the sums over the levels it stands for."""
    for comparison in settings["comparisons"]:
        levels = {level.get("label_for_charts"): level for level in comparison["comparison_levels"]}
        for label, (m_parts, u_parts) in MARGINAL_LEVELS.items():
            if label not in levels:
                continue
            for key, parts in (("m_probability", m_parts), ("u_probability", u_parts)):
                known = [levels[p][key] for p in parts if isinstance(levels.get(p, {}).get(key), float)]
                if known:  # m from EM rounds that saw some levels and not others may sum above 1
                    levels[label][key] = min(1.0, sum(known))
    return settings


def _refine(work: WorkDB, settings: dict[str, Any], spec: MatchingSpec) -> dict[str, Any]:
    """Fit the prior and take the matches out of u, alternately, until both settle.

    u from random sampling estimates P(level | random pair) = prior * m + (1 - prior) * u. In
    customer data every customer has a few records, so the prior is of the same order as u
    for identifying values (a mobile number, an email) and the sampled u is mostly matches:
    left as is, agreeing on a mobile number is worth two bits less than it should be.
    """
    observed = {
        (c, lv): level["u_probability"]
        for c, comparison in enumerate(settings["comparisons"])
        for lv, level in enumerate(comparison["comparison_levels"])
        if isinstance(level.get("u_probability"), float) and isinstance(level.get("m_probability"), float)
    }
    table = _prior_table(work)
    prior = _fit_prior(work, settings, spec, table)
    for _ in range(_REFINE_ROUNDS):
        for (c, lv), u_observed in observed.items():
            level = settings["comparisons"][c]["comparison_levels"][lv]
            u = (u_observed - prior * level["m_probability"]) / (1 - prior)
            level["u_probability"] = max(u, u_observed * _U_FLOOR)
        settings["probability_two_random_records_match"] = prior
        prior = _fit_prior(work, settings, spec, table)
    settings["probability_two_random_records_match"] = prior
    return settings


def _prior_table(work: WorkDB) -> str:
    """The records the prior is fitted over: all of them, or above ``_PRIOR_SAMPLE`` a uniform
    sample, which keeps the share of matching pairs (both numerator and denominator shrink by
    the square of the fraction) at a fraction of the cost."""
    n = work_sql.record_count(work)
    return work_sql.sample_input(work, _PRIOR_SAMPLE / n) if n > _PRIOR_SAMPLE else work_sql.INPUT_TABLE


def _fit_prior(work: WorkDB, settings: dict[str, Any], spec: MatchingSpec, table: str) -> float:
    """Refine the prior by maximum likelihood over the blocked pairs, m and u held fixed.

    The deterministic-rule estimate depends on a guessed recall for those rules and is easily
    off by an order of magnitude (too few records carry a national id, say). With m and u
    known, the prior that explains the data is the fixed point of
    ``prior = sum(match probability over all pairs) / number of pairs``; pairs the blocking
    rules never produce have a negligible probability, so summing over blocked pairs whose
    evidence favours a match (Bayes factor > 1) suffices.
    """
    start = float(settings["probability_two_random_records_match"])
    start_weight = math.log2(start / (1 - start))
    n = work_sql.record_count(work, table)
    linker = _linker(work, _with_current_blocking(settings, spec, work.dialect), table)
    predictions = linker.inference.predict(threshold_match_weight=start_weight)
    weights = work_sql.match_weights(work, predictions.physical_name)
    predictions.drop_table_from_database_and_remove_from_cache()
    log2_bayes = weights - start_weight
    total_pairs = n * (n - 1) / 2
    if total_pairs == 0 or log2_bayes.size == 0:
        return start
    prior = start
    for _ in range(_PRIOR_ITERATIONS):
        odds = np.exp2(np.clip(log2_bayes + math.log2(prior / (1 - prior)), -60, 60))
        new = float(np.sum(odds / (1 + odds)) / total_pairs)
        new = min(max(new, 1e-12), 0.5)
        converged = abs(new - prior) <= 1e-6 * prior
        prior = new
        if converged:
            break
    logger.info("prior: %.3g from deterministic rules, %.3g fitted over blocked pairs", start, prior)
    return prior


def levels_changed(settings: dict[str, Any], spec: MatchingSpec) -> bool:
    """Whether a stored model's comparison levels differ from what ``spec`` compiles to now:
    after an upgrade that compares records differently, the same rules need a new model. A
    level that adjusts by the frequencies of another column counts as different too (as when
    the e-mail-only level was given frequencies of its own, ``ALONE_COLUMN``)."""
    def levels(comparisons: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str | None]]]]:
        return [
            (c["output_column_name"], [(lv["sql_condition"], lv.get("tf_adjustment_column"))
                                       for lv in c["comparison_levels"]])
            for c in comparisons
        ]

    current = compile_settings(spec).get_settings("duckdb").as_dict()["comparisons"]
    return levels(settings["comparisons"]) != levels(current)


def _with_current_blocking(settings: dict[str, Any], spec: MatchingSpec, dialect: str = "duckdb") -> dict[str, Any]:
    """Blocking decides which pairs are scored, not what they score: take it from the current
    rules, so changing it needs no retraining."""
    compiled = compile_settings(spec, dialect).get_settings(dialect).as_dict()
    return {**settings, "blocking_rules_to_generate_predictions": compiled["blocking_rules_to_generate_predictions"]}


def portable_settings(settings: dict[str, Any], spec: MatchingSpec, dialect: str) -> dict[str, Any]:
    """A trained model's settings for a backend of ``dialect``.

    Splink's saved JSON holds SQL in the dialect it was trained in (SPLINK5.md §10): the
    settings are compiled afresh for ``dialect`` from the same rules, and the learnt prior
    and m/u probabilities are carried over level by level.
    """
    out = compile_settings(spec, dialect).get_settings(dialect).as_dict()
    trained = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
    for comparison in out["comparisons"]:
        levels = trained.get(comparison["output_column_name"])
        if levels is None or len(levels) != len(comparison["comparison_levels"]):
            raise ModelError(
                f"the model does not fit the matching rules: comparison {comparison['output_column_name']!r}"
                " differs; retrain it"
            )
        for level, learnt in zip(comparison["comparison_levels"], levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if key in learnt:
                    level[key] = learnt[key]
    out["probability_two_random_records_match"] = settings["probability_two_random_records_match"]
    return out


def predict(work: WorkDB, model: Model, spec: MatchingSpec) -> pa.Table:
    """Score every blocked pair at or above the review threshold (term frequency tables made,
    as for ``train``)."""
    settings = model.settings if work.dialect == "duckdb" else portable_settings(model.settings, spec, work.dialect)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            linker = _linker(work, _with_current_blocking(settings, spec, work.dialect))
            predictions = linker.inference.predict(threshold_match_probability=spec.thresholds.review)
    except Exception as e:
        raise ModelError(f"scoring pairs failed: {_splink_error(e)}") from e
    return work_sql.scored_pairs(
        work,
        predictions.physical_name,
        [c.name for c in spec.comparisons],
        auto_link=spec.thresholds.auto_link,
        guards=[g.sql() for g in agreement_guards(spec)],
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


def tf_columns(settings: dict[str, Any]) -> list[str]:
    """Columns whose term frequencies the model's levels adjust for."""
    columns = {
        level["tf_adjustment_column"]
        for comparison in settings.get("comparisons", [])
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    }
    return sorted(columns)
