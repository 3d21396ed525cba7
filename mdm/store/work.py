"""SQL on a run's in-memory work database, where Splink trains and predicts.

Keeping Splink's many ``__splink__*`` tables out of the product's database file means a
killed run leaves nothing behind there. Identifiers that reach these statements come from
the validated matching rules (``^[a-z_][a-z0-9_]*$``) or from our own column lists.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
from splink import DuckDBAPI
from splink.internals.database_api import DatabaseAPI

from matching_rules import MATCH_COLUMNS, BlockingRuleSpec, SharedValuesSpec
from mdm.scratch import scratch_folder

INPUT_TABLE = "mdm_input"
STD_TABLE = "std"
SHARED_TABLE = "mdm_shared"  # the values shared_values makes nobody's: (column_name, value)

# A phone number (E.164, at least 9 characters) with three of its digits masked: its last
# three, the three before them, or all before its last six. One typo leaves at least two of
# the three forms whole, and each still holds six digits or more, selective enough to block on
# (mdm.linking.candidates.match_row derives the same in Python).
_PHONE = "CASE WHEN length(phone) >= 9 THEN {} END"
_DERIVED = {
    "phone_head": _PHONE.format("left(phone, length(phone) - 3)"),
    "phone_gap": _PHONE.format("left(phone, length(phone) - 6) || right(phone, 3)"),
    "phone_tail": _PHONE.format("right(phone, 6)"),
    "date_of_birth": "strftime(date_of_birth, '%Y-%m-%d')",
    "birth_year": "CAST(year(date_of_birth) AS VARCHAR)",
    "email_alone": "email_key",
}


# DuckDB's buffer pool for the work database, where Splink trains and predicts. Its default
# (80% of RAM) lets it hold on to memory the rest of the run needs; beyond the limit it spills
# to a temporary directory. MDM_WORK_MEMORY overrides it (e.g. "8GB").
WORK_MEMORY_DEFAULT = "4GB"


class WorkDB:
    """The database Splink trains and predicts in, and the SQL this module writes for it.

    The SQL is written once, in DuckDB's dialect; another backend (Spark, mdm/spark/) renders
    it into its own dialect with sqlglot, so both engines run the same statements.
    """

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def arrow(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def scalar(self, sql: str) -> Any:
        return self.con.execute(sql).fetchall()[0][0]

    def columns(self, table: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {table} LIMIT 0").description]

    def create_table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def load_arrow(self, name: str, table: pa.Table) -> None:
        """A table of ``table``'s rows, computed on the driver (a few values)."""
        self.con.register("loaded_arrow", table)
        self.create_table(name, "SELECT * FROM loaded_arrow")
        self.con.unregister("loaded_arrow")

    def splink_api(self) -> DatabaseAPI:
        return DuckDBAPI(connection=self.con)


@contextmanager
def work_database() -> Iterator[WorkDB]:
    """An in-memory work database, closed and its spill directory removed afterwards."""
    limit = os.environ.get("MDM_WORK_MEMORY", WORK_MEMORY_DEFAULT)
    with scratch_folder("work") as spill:
        con = duckdb.connect(":memory:", config={"memory_limit": limit, "temp_directory": spill})
        try:
            yield WorkDB(con)
        finally:
            con.close()


def block_column(i: int) -> str:
    """The input column holding bounded blocking rule ``i``'s key (NULL in oversized blocks)."""
    return f"block_{i}"


def load_std_records(
    work: WorkDB, std: pa.Table, blocking: Sequence[BlockingRuleSpec] = (),
    shared: SharedValuesSpec | None = None,
) -> int:
    """Load standardised records and derive the linker's input table from them."""
    work.con.register("std_arrow", std)
    work.create_table(STD_TABLE, "SELECT * FROM std_arrow")
    work.con.unregister("std_arrow")
    create_input(work, blocking, shared)
    return record_count(work)


def create_input(
    work: WorkDB, blocking: Sequence[BlockingRuleSpec], shared: SharedValuesSpec | None
) -> None:
    """The linker's input table from the standardised records (STD_TABLE). The shared values are
    counted first, one column at a time, and loaded as a table of their own: counted inside the
    input's query, each reference to the standardised records carried their whole lineage into
    Spark's analysis of every later query, and its driver ran out of its 1 GB heap."""
    if shared is not None:
        found = [work.arrow(_shared_column_sql(STD_TABLE, c, shared)) for c in shared.columns]
        work.load_arrow(SHARED_TABLE, pa.concat_tables(found))
    work.create_table(INPUT_TABLE, input_sql(blocking, shared, SHARED_TABLE if shared else None))


def input_sql(
    blocking: Sequence[BlockingRuleSpec] = (), shared: SharedValuesSpec | None = None,
    found: str | None = None,
) -> str:
    """The linker's input from the standardised records: the match columns (without the values
    ``shared`` makes nobody's, read from the table ``found`` when given), a key column for each
    blocking rule that bounds its block size (NULL in a block over the bound), and the word lists
    (real time reads the match columns alone: its scorer derives the lists)."""
    keys = "".join(
        f", CASE WHEN {' AND '.join(f'{c} IS NOT NULL' for c in r.columns)}"
        f" AND count(*) OVER (PARTITION BY {', '.join(r.columns)}) <= {int(r.max_block_size or 0)}"
        f" THEN concat_ws(chr(31), {', '.join(r.columns)}) END AS {block_column(i)}"
        for i, r in enumerate(blocking)
        if r.max_block_size is not None
    )
    return (f"SELECT *{keys}, {word_lists_sql()} FROM (SELECT record_key AS unique_id, {match_select()}"
            f" FROM {without_shared_sql(STD_TABLE, shared, found)})")


def _words(column: str) -> str:
    return f"array_distinct(string_split({column}, ' '))"


def _numbers(column: str) -> str:
    return f"list_filter({_words(column)}, lambda w: regexp_matches(w, '^[0-9]'))"


# Lists derived from a match column, for the comparisons that count shared words or numbers:
# derived once per record here, not once per pair in the comparison (at a million records,
# splitting in the address comparison took 5.7 s of the 16 s that scoring 5.6M candidate pairs
# took). List column -> (match column, its distinct words or its words that start with a digit).
WORD_LISTS = {
    "name_words": ("name_parts", _words),
    "address_words": ("address_norm", _words),
    "address_numbers": ("address_norm", _numbers),
}


def word_lists_sql(side: str = "") -> str:
    """The select list deriving every WORD_LISTS column, from match columns suffixed ``side``
    (the real-time scorer's pairs have ``_l`` and ``_r`` columns)."""
    return ", ".join(f"{derive(column + side)} AS {name}{side}" for name, (column, derive) in WORD_LISTS.items())


def match_select() -> str:
    """The match columns derived from a std_records row, as the linker (and real-time) see them."""
    return ", ".join(f"{_DERIVED.get(c, c)} AS {c}" for c in MATCH_COLUMNS)


def shared_sql(table: str, column: str, shared: SharedValuesSpec) -> str:
    """The values of ``column`` in ``table`` that records of ``shared.min_given_names`` or more
    distinct given names hold: nobody's (mdm.linking.candidates.match_row leaves them out too)."""
    return (f"SELECT {column} AS value FROM {table} WHERE {column} IS NOT NULL GROUP BY {column}"
            f" HAVING count(DISTINCT given) >= {int(shared.min_given_names)}")


def match_rows_sql(table: str, shared: SharedValuesSpec | None, found: str | None = None) -> str:
    """Every record of ``table`` as the linker sees it, with its record key (real time's index);
    ``found`` as for :func:`without_shared_sql`."""
    return f"SELECT record_key, {match_select()} FROM {without_shared_sql(table, shared, found)}"


def shared_values_sql(table: str, shared: SharedValuesSpec) -> str:
    """(column_name, value) of every value in ``table`` that ``shared`` makes nobody's."""
    return " UNION ALL ".join(_shared_column_sql(table, c, shared) for c in shared.columns)


def _shared_column_sql(table: str, column: str, shared: SharedValuesSpec) -> str:
    return f"SELECT '{column}' AS column_name, value FROM ({shared_sql(table, column, shared)})"


def without_shared_sql(table: str, shared: SharedValuesSpec | None, found: str | None = None) -> str:
    """``table``'s records as matching reads them: a value that ``shared`` makes nobody's is NULL
    (its records keep it); ``found``: a table of them (:func:`shared_values_sql`), else they are
    counted here. Every column :func:`match_select` reads, and the record key."""
    if shared is None:
        return table
    columns = ["record_key", *(c for c in MATCH_COLUMNS if c not in _DERIVED), "date_of_birth"]
    selected = ", ".join(
        f"CASE WHEN shared_{c}.value IS NULL THEN t.{c} END AS {c}" if c in shared.columns else f"t.{c}"
        for c in columns
    )

    def values(c: str) -> str:
        if found is None:
            return shared_sql(table, c, shared)
        return f"SELECT value FROM {found} WHERE column_name = '{c}'"

    joins = "".join(
        f" LEFT JOIN ({values(c)}) AS shared_{c} ON shared_{c}.value = t.{c}" for c in shared.columns
    )
    return f"(SELECT {selected} FROM {table} AS t{joins}) AS matched"


def _pairs_sql(columns: Sequence[str], where: str = "TRUE") -> str:
    """A scalar subquery: how many pairs the records equal on ``columns`` (none null) among
    those matching ``where`` make, counted from group sizes (n(n-1)/2 per group)."""
    not_null = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    return (
        f"(SELECT coalesce(sum(CAST(n AS DOUBLE) * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM {INPUT_TABLE}"
        f" WHERE {not_null} AND ({where}) GROUP BY {', '.join(columns)}))"
    )


def pairs_in_blocks(work: WorkDB, columns: Sequence[str]) -> int:
    """How many pairs records equal on ``columns`` (none null) make."""
    return int(work.scalar(f"SELECT {_pairs_sql(columns)}"))


def equal_value_rate(work: WorkDB, column: str, where: str = "TRUE", excluding: Sequence[str] = ()) -> float:
    """The share of record pairs (both holding ``column``) equal on it, among records
    matching ``where``, over all pairs. With ``excluding``, pairs also equal on all those
    columns are not counted."""
    equal = _pairs_sql([column], where) + (f" - {_pairs_sql([column, *excluding], where)}" if excluding else "")
    return float(work.scalar(
        f"SELECT ({equal})"
        f" / greatest((SELECT CAST(count({column}) AS DOUBLE) * (count({column}) - 1) / 2 FROM {INPUT_TABLE}), 1)"
    ))


def equal_value_pairs_among(
    work: WorkDB, column: str, where: str, among: Sequence[str], different: str
) -> tuple[float, float]:
    """Record pairs equal on every ``among`` column whose ``different`` column is known on both
    sides and differs (different people), and how many of them are also equal on ``column``
    (records matching ``where``): (sharing, all). Pairs in a group, less pairs that also
    share ``different``."""
    known = f"{different} IS NOT NULL AND {column} IS NOT NULL"
    everyone = f"{_pairs_sql(among, known)} - {_pairs_sql([*among, different], f'{column} IS NOT NULL')}"
    sharing = f"{_pairs_sql([*among, column], f'{known} AND ({where})')} - {_pairs_sql([*among, column, different], where)}"
    return float(work.scalar(f"SELECT {sharing}")), float(work.scalar(f"SELECT {everyone}"))


def births_near(left: str, right: str) -> str:
    """SQL: two birth dates (ISO text) one typo apart, or with day and month swapped: the same
    person's, written twice."""
    return (f"levenshtein({left}, {right}) <= 1 OR (substr({left}, 1, 4) = substr({right}, 1, 4)"
            f" AND substr({left}, 6, 2) = substr({right}, 9, 2) AND substr({left}, 9, 2) = substr({right}, 6, 2))")


def equal_value_pairs_among_strangers(work: WorkDB, column: str, where: str) -> tuple[float, float]:
    """Record pairs whose birth dates both are known and differ by more than a typo or a day
    and month swapped (different people for sure), and how many of them are equal on
    ``column`` (both records matching ``where`` and holding it): (sharing, all). The pairs
    with nearby birth dates are few enough to leave in the count of all."""
    records = (f"(SELECT unique_id, {column} AS v, date_of_birth AS born FROM {INPUT_TABLE}"
               f" WHERE {column} IS NOT NULL AND date_of_birth IS NOT NULL AND ({where}))")
    sharing = work.scalar(
        f"SELECT count(*) FROM {records} a JOIN {records} b ON a.v = b.v AND a.unique_id < b.unique_id"
        f" WHERE NOT ({births_near('a.born', 'b.born')})"
    )
    known = f"{column} IS NOT NULL AND ({where})"
    everyone = work.scalar(
        f"SELECT (SELECT CAST(count(*) AS DOUBLE) * (count(*) - 1) / 2 FROM {INPUT_TABLE}"
        f" WHERE {known} AND date_of_birth IS NOT NULL) - {_pairs_sql(['date_of_birth'], known)}"
    )
    return float(sharing), float(everyone)


SAMPLE_TABLE = "mdm_input_sample"


def sample_input(work: WorkDB, fraction: float) -> str:
    """A uniform sample of the input records (by a hash of the key: the same on every run), as a
    table of its own; returns its name."""
    per_million = max(1, int(fraction * 1_000_000))
    work.create_table(SAMPLE_TABLE, f"SELECT * FROM {INPUT_TABLE} WHERE abs(hash(unique_id) % 1000000) < {per_million}")
    return SAMPLE_TABLE


def record_count(work: WorkDB, table: str = INPUT_TABLE) -> int:
    return int(work.scalar(f"SELECT count(*) FROM {table}"))


def match_weights(work: WorkDB, predict_table: str) -> np.ndarray:
    return work.arrow(f"SELECT match_weight FROM {predict_table}")["match_weight"].to_numpy()


def scored_pairs(
    work: WorkDB,
    predict_table: str,
    comparisons: Sequence[str],
    *,
    auto_link: float,
    guards: Sequence[str],
) -> pa.Table:
    """Pairs from Splink's predictions with an outcome and a per-comparison explanation.

    The explanation keeps each comparison's level (gamma) and its match weight including any
    term-frequency adjustment; labels come from the stored model when shown.
    """
    columns = work.columns(predict_table)
    parts = []
    for name in comparisons:
        weight = f"mw_{name}" + (f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in columns else "")
        parts.append(f"{name} := struct_pack(gamma := gamma_{name}, match_weight := round({weight}, 6))")
    explanation = f"to_json(struct_pack({', '.join(parts)}))"
    disagree = " OR ".join(guards) or "false"  # SQL of each AgreementGuard
    sql = f"""
        SELECT least(unique_id_l, unique_id_r) AS record_key_l,
               greatest(unique_id_l, unique_id_r) AS record_key_r,
               match_weight, match_probability,
               CASE WHEN match_probability >= {float(auto_link)!r} AND NOT ({disagree}) THEN 'auto_link' ELSE 'review' END
                   AS outcome,
               {explanation} AS explanation
        FROM {predict_table}
        ORDER BY match_probability DESC, record_key_l, record_key_r
    """
    return work.arrow(sql)


# How many pairs of namesakes the overall frequency of a value counts for, in the frequency
# among namesakes: a value few namesakes hold is taken at about its overall frequency.
NAMESAKE_PRIOR_PAIRS = 100.0


def frequency_table(column: str) -> str:
    """The work table of ``column``'s term frequencies, as Splink reads one: the column and
    ``tf_<column>``."""
    return f"mdm_tf_{column}"


# How a column's term frequencies are counted (``create_frequency_tables``).
FrequencyCount = Literal["records", "namesakes", "other_people", "other_people_odds"]


def create_frequency_tables(work: WorkDB, columns: Mapping[str, FrequencyCount]) -> None:
    """The term frequencies the model adjusts for, one table per column, which Splink is given
    (not left to compute) so that batch and real-time scoring use the same.

    A value's frequency is its share of the other records' values (``_frequency_sql``), its
    frequency among namesakes (``_namesake_frequency_sql``), or its share of the records of
    other people (``_other_people_share_sql``; ``other_people_odds``: at the odds of its
    holders' pairs)."""
    among_others = {"other_people", "other_people_odds"}
    # One rate for the run, read by every column counted among other people.
    one_person = one_persons_mobiles_differ(work) if among_others & set(columns.values()) else 0.0
    for column, count in columns.items():
        if count == "namesakes":
            sql = _namesake_frequency_sql(column)
        elif count in among_others:
            sql = _frequency_sql(column, _other_people_share_by_kind_sql(
                work, column, one_person, odds_from_holders=count == "other_people_odds"))
        else:
            sql = _frequency_sql(column)
        if column == "name_key":
            sql = _one_word_names_as_common_as_the_word(sql)
        work.create_table(frequency_table(column), sql)


def _one_word_names_as_common_as_the_word(sql: str) -> str:
    """A name of one word ("Karthik", a newsletter's first-name box) is a given or a family name:
    as common as that word is among all records' names, not as rare as names of one word are.
    Counted as one of the whole names ("Karthik" held by 20 records' names, one of them "Karthik"
    alone), two different people's one-word names weighed 15 bits: at 5,000 customers of the
    third sample generator, half the pairs auto-linked on one word alone were two people."""
    words = (f"(SELECT word, CAST(count(DISTINCT unique_id) AS DOUBLE) / (SELECT count(name_key) FROM {INPUT_TABLE})"
             f" AS share FROM (SELECT unique_id, family AS word FROM {INPUT_TABLE}"
             f" UNION ALL SELECT unique_id, given AS word FROM {INPUT_TABLE}) AS names WHERE word IS NOT NULL GROUP BY word)")
    return (
        "SELECT t.name_key, CASE WHEN t.name_key LIKE '% %' THEN t.tf_name_key"
        " ELSE greatest(t.tf_name_key, coalesce(w.share, 0)) END AS tf_name_key"
        f" FROM ({sql}) t LEFT JOIN {words} w ON w.word = t.name_key"
    )


def _frequency_sql(column: str, share: str = "1.0") -> str:
    """Each value's frequency among the other records: (n - 1) / N for a value n of the N
    records hold, 1 / N for a value one record holds (another may meet it in real time);
    times ``share``, an SQL expression of n (``count(*)``), where only some count.

    Splink counts the record itself (n / N), and the two records of a pair that share a value
    are both in n: for a value only those two hold (a rare name) that doubles its frequency,
    one bit less evidence where a rare value says most. At 5,000 customers the pairs that share
    only a name and a city, scored between 2 and 4 bits, were all one customer's."""
    return (
        f"SELECT {column}, CAST(greatest(count(*) - 1, 1) AS DOUBLE) * ({share})"
        f" / (SELECT count({column}) FROM {INPUT_TABLE})"
        f" AS tf_{column}"
        f" FROM {INPUT_TABLE} WHERE {column} IS NOT NULL GROUP BY {column}"
    )


def _namesake_frequency_sql(column: str) -> str:
    """Each value's frequency among namesakes: of the pairs of different people with the same
    family and given name (birth dates known and different) where one holds the value, the
    share where the other holds it too; with ``NAMESAKE_PRIOR_PAIRS`` pairs at the value's
    frequency among all records added, so a value few namesakes hold keeps about that.

    Fellegi-Sunter takes the same city as independent of the same name, but a name and where
    its holders live are not: at a million records, of two different people of one name with
    one in Houston, the other is there too about one time in 24 (American names live in a few
    American cities), while Houston's share of all records (0.4%) made the shared city worth
    3.5 bits more than that (Paris 5 bits, Ho Chi Minh City 0.1). Pairs are counted from group
    sizes: for value v, ordered pairs with the first in v are sum over names of n(name, v) *
    (n(name) - 1), less those with the same birth date."""
    known = (f"(SELECT family, given, {column} AS v, date_of_birth AS born FROM {INPUT_TABLE} WHERE family IS NOT NULL"
             f" AND given IS NOT NULL AND {column} IS NOT NULL AND date_of_birth IS NOT NULL)")

    def groups(*keys: str) -> str:
        return f"(SELECT {', '.join(keys)}, CAST(count(*) AS DOUBLE) AS n FROM known GROUP BY {', '.join(keys)})"

    def holding(keys: tuple[str, ...]) -> str:
        """Per value: ordered pairs of records equal on ``keys`` whose first holds it."""
        on = " AND ".join(f"g.{k} = w.{k}" for k in keys)
        return (f"(SELECT g.v, sum(g.n * (w.n - 1)) AS pairs FROM {groups(*keys, 'v')} g"
                f" JOIN {groups(*keys)} w ON {on} GROUP BY g.v)")

    def sharing(keys: tuple[str, ...]) -> str:
        """Per value: ordered pairs of records equal on ``keys`` that both hold it."""
        return f"(SELECT v, sum(n * (n - 1)) AS pairs FROM {groups(*keys, 'v')} GROUP BY v)"

    def less(pairs: str, same_birth: str) -> str:
        return (f"(SELECT a.v, a.pairs - coalesce(b.pairs, 0) AS pairs FROM {pairs} a"
                f" LEFT JOIN {same_birth} b ON a.v = b.v)")

    name, same_birth = ("family", "given"), ("family", "given", "born")
    return f"""
        WITH known AS {known},
        holding AS {less(holding(name), holding(same_birth))},
        sharing AS {less(sharing(name), sharing(same_birth))},
        overall AS ({_frequency_sql(column)})
        SELECT o.{column}, (coalesce(s.pairs, 0) + {NAMESAKE_PRIOR_PAIRS} * o.tf_{column})
                           / (coalesce(h.pairs, 0) + {NAMESAKE_PRIOR_PAIRS}) AS tf_{column}
        FROM overall o LEFT JOIN holding h ON h.v = o.{column} LEFT JOIN sharing s ON s.v = o.{column}"""


# Pairs of holders at the share of today's frequency (all other holders other people) added to
# each holder count's witnessed pairs, so that a count few pairs witness keeps about today's
# frequency.
OTHER_PEOPLE_PRIOR_PAIRS = 5.0


def one_persons_mobiles_differ(work: WorkDB) -> float:
    """The share of pairs of one person's records, both with a mobile number, whose numbers
    differ (a second phone, a changed one): pairs of records with the same name and birth date,
    with ``OTHER_PEOPLE_PRIOR_PAIRS`` pairs of the same number added, so that it errs low and
    the share of other people it corrects (``other_people_shares``) errs high."""
    person, mobile = ["name_key", "date_of_birth"], "phone IS NOT NULL AND phone_type = 'mobile'"
    counts = work.arrow(f"SELECT {_pairs_sql(person, mobile)} AS everyone,"
                        f" {_pairs_sql([*person, 'phone'], mobile)} AS same").to_pylist()[0]
    return (counts["everyone"] - counts["same"]) / (counts["everyone"] + OTHER_PEOPLE_PRIOR_PAIRS)


def other_people_shares(
    work: WorkDB, column: str, one_person: float, among: str = "TRUE"
) -> list[tuple[int, float]]:
    """For values held by n records (n >= 2), the share of a holder's other holders that are
    other people, as pairs of holders witness it, with ``OTHER_PEOPLE_PRIOR_PAIRS`` pairs at
    1 added; made non-decreasing in n by pooling neighbours (pool adjacent violators), since
    the more records hold a value the more people hold it. Sorted by n. ``among``: an SQL
    condition on the value, to measure the shares of one kind of values apart.

    A pair whose birth dates are both known is two people when they differ by more than a typo
    or a day and month swapped (``births_near``). A pair that is not, but whose mobile numbers
    both are, counts as two people as often as its numbers differ beyond ``one_person``, the
    share of one person's records that differ (``one_persons_mobiles_differ``, measured once a
    run): differing numbers at rate d of which one person's records make r, the share of other
    people is (d - r) / (1 - r).
    Birth dates alone were too few where records hold an email and seldom a birth date (in the
    committed sample 8 pairs of the 1,116 sharing an email two records hold): the added pairs
    decided, and an email two records share counted its other holder as another person half
    the time, where 3% are.

    A birth date one customer's systems wrote apart by more than that counts as another
    person, so the share errs high: towards today's frequency, never towards a stronger name.
    Counting a typed-in date as another person's did so too often where systems disagree
    (the third sample generator's month-first shop, a messy mix's typos): the customer's
    emails held by four records counted a fifth of their holders as other people."""
    holders = (f"(SELECT unique_id, {column} AS v, date_of_birth AS born, CASE WHEN phone_type = 'mobile'"
               f" THEN phone END AS mobile FROM {INPUT_TABLE} WHERE {column} IS NOT NULL AND ({among}))")
    # Pairs of holders both with a mobile number, less those both dated: per number, then value.
    rows = work.arrow(f"""
        WITH holders AS {holders},
        dated AS (SELECT * FROM holders WHERE born IS NOT NULL),
        near AS (SELECT a.v, CAST(count(*) AS DOUBLE) AS pairs FROM dated a JOIN dated b
                 ON a.v = b.v AND a.unique_id < b.unique_id WHERE {births_near('a.born', 'b.born')} GROUP BY a.v),
        numbers AS (SELECT v, mobile, CAST(count(*) AS DOUBLE) AS c, CAST(count(born) AS DOUBLE) AS cd
                    FROM holders WHERE mobile IS NOT NULL GROUP BY v, mobile),
        per_value AS (
            SELECT h.v, h.n, h.d * (h.d - 1) / 2 AS dob_pairs, coalesce(near.pairs, 0) AS dob_near,
                   coalesce(m.a * (m.a - 1) / 2 - m.ad * (m.ad - 1) / 2, 0) AS mobile_pairs,
                   coalesce(m.same, 0) AS mobile_same
            FROM (SELECT v, count(*) AS n, CAST(count(born) AS DOUBLE) AS d FROM holders GROUP BY v) h
            LEFT JOIN near ON near.v = h.v
            LEFT JOIN (SELECT v, sum(c) AS a, sum(cd) AS ad, sum(c * (c - 1) / 2 - cd * (cd - 1) / 2) AS same
                       FROM numbers GROUP BY v) m ON m.v = h.v
            WHERE h.n >= 2)
        SELECT n, sum(dob_pairs) AS dob_pairs, sum(dob_pairs - dob_near) AS dob_differ,
               sum(mobile_pairs) AS mobile_pairs, sum(mobile_pairs - mobile_same) AS mobile_differ
        FROM per_value GROUP BY n HAVING sum(dob_pairs) + sum(mobile_pairs) > 0 ORDER BY n""").to_pylist()
    k = OTHER_PEOPLE_PRIOR_PAIRS
    blocks: list[list[float]] = []  # pooled neighbours: [last n, other people's pairs, pairs]
    for row in rows:
        by_mobile = max(0.0, (row["mobile_differ"] - one_person * row["mobile_pairs"]) / (1 - one_person))
        blocks.append([row["n"], row["dob_differ"] + by_mobile + k, row["dob_pairs"] + row["mobile_pairs"] + k])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] > blocks[-1][1] / blocks[-1][2]:
            last_n, differ, pairs = blocks.pop()
            blocks[-1] = [last_n, blocks[-1][1] + differ, blocks[-1][2] + pairs]
    return [(int(last_n), differ / pairs) for last_n, differ, pairs in blocks]


# Names written without the middle name other records of their family and given name write
# ("Phan Thảo" beside "Phan Thị Thảo" and "Phan Thanh Thảo"): the record may be any of them.
_SHORT_NAMES_TABLE = "mdm_short_names"
_NAME_LEFT_SHORT = f"name_key IN (SELECT name_key FROM {_SHORT_NAMES_TABLE})"


def _other_people_share_by_kind_sql(work: WorkDB, column: str, one_person: float, odds_from_holders: bool) -> str:
    """``_other_people_share_sql`` of the column's values; for names, measured apart for names
    written short (``_NAME_LEFT_SHORT``) and the others.

    Pooled, the shares mixed two kinds of names. The holders of a short name are more often
    different people than those of a whole name as rare: at 5,000 customers of the committed
    sample generator (messy mix), the false links on the name alone held names few records
    write (3 in the median, as the true ones) whose family and given name many do (12 against
    7), and 38% had no middle name (23% of the true ones). Measured apart, the short names
    weigh less and the whole names more."""
    if column != "name_key":
        return _other_people_share_sql(other_people_shares(work, column, one_person), odds_from_holders)
    work.create_table(_SHORT_NAMES_TABLE, f"""
        SELECT DISTINCT name_key FROM {INPUT_TABLE} WHERE middles IS NULL AND (family, given) IN
        (SELECT family, given FROM {INPUT_TABLE} WHERE middles IS NOT NULL)""")
    short, whole = (
        _other_people_share_sql(other_people_shares(work, column, one_person, among), odds_from_holders)
        for among in (_NAME_LEFT_SHORT, f"NOT ({_NAME_LEFT_SHORT})")
    )
    return f"CASE WHEN {_NAME_LEFT_SHORT} THEN {short} ELSE {whole} END"


def _other_people_share_sql(
    shares: Sequence[tuple[int, float]], odds_from_holders: bool = False, odds_scale: float | None = None
) -> str:
    """The factor of ``_frequency_sql`` that makes each value's frequency its share of the
    records of other people than the holder's: (n - 1) / N times the share of a holder's other
    holders that are other people (``other_people_shares``); a value one record holds is taken
    as held by two.

    A rare name's other holders are mostly the same customer's other records: at 5,000
    customers, of the pairs that share a name only those two records hold, 9 in 10 were one
    customer, while (n - 1) / N took the other record for another person's and weighed the
    name as even odds. Common names are held by many people and keep their frequency.

    With ``odds_from_holders``, a pair sharing a value n records hold scores at the odds its
    holders' pairs are one customer, (1 - s(n)) / s(n) for a share s(n) of other people,
    whatever n: the frequency is s(n) / (1 - s(n)) times (1 - s(2)) / N, so that a value two
    records hold keeps its frequency, and never more than (n - 1) / N. Fellegi-Sunter's
    frequency takes a holder's matches as the average customer's, but a value whose other
    holders are mostly one customer's is held by a customer of many records: (n - 1) s(n) / N
    shares the same odds among the n - 1 other holders. At 5,000 customers of the third sample
    generator (messy mix), e-mail-only newsletter records scored about 0.64 with the other
    holders of an address three records hold, where 9 in 10 such pairs are one subscriber's
    (0.7 to 0.8 now). On names it took precision below 0.98 on two samples: pairs sharing only a
    name three or four records hold reached the automatic threshold, and about 85% of them are
    one customer. Not set there.

    ``odds_scale`` replaces 1 - s(2): the frequency is then s(n) / (1 - s(n)) times
    ``odds_scale`` / N (``anchor_to_holders_odds``)."""
    scale = odds_scale if odds_scale is not None else 1 - shares[0][1] if shares else 1.0
    share = "1.0"
    for last, value in reversed(shares):
        if odds_from_holders and value < 1:
            odds = value * scale / (1 - value)
            expr = f"least(1.0, {odds!r} / (greatest(count(*), 2) - 1))"
        else:
            expr = repr(float(value))
        share = f"CASE WHEN greatest(count(*), 2) <= {int(last)} THEN {expr} ELSE {share} END"
    return share


def anchor_to_holders_odds(work: WorkDB, column: str, prior_odds_times_m: float) -> None:
    """Remake ``column``'s frequencies so that a pair sharing a value n records hold, where the
    value is all the pair compares, scores at the odds its holders' pairs are one customer:
    (1 - s(n)) / s(n) (``other_people_shares``). Fellegi-Sunter scores such a pair at the prior
    odds times m over the frequency, so the frequency is s(n) / (1 - s(n)) times the prior odds
    times m (``prior_odds_times_m``, of the trained model), and never more than (n - 1) / N.

    Anchored at a value two records hold instead (``_other_people_share_sql``), the odds rest
    on the prior and on m, which fit the whole sample and not these pairs: at 5,000 customers
    of the third sample generator (messy mix), an e-mail-only newsletter record scored 0.77
    with each other holder of an address three records hold; its holders' pairs measure 0.82,
    and by the truth file 0.9 are one subscriber's."""
    shares = other_people_shares(work, column, one_persons_mobiles_differ(work))
    if not shares:
        return
    records = work.scalar(f"SELECT count({column}) FROM {INPUT_TABLE}")
    share = _other_people_share_sql(shares, odds_from_holders=True, odds_scale=prior_odds_times_m * records)
    work.create_table(frequency_table(column), _frequency_sql(column, share))


def term_frequencies(work: WorkDB, columns: Sequence[str]) -> pa.Table:
    """The frequency tables of ``columns`` (``create_frequency_tables``) in one table, stored
    with the run so that real-time scoring adjusts for common values exactly as the batch did."""
    parts = [
        f"SELECT '{c}' AS column_name, CAST({c} AS VARCHAR) AS value, tf_{c} AS frequency FROM {frequency_table(c)}"
        for c in columns
    ]
    if not parts:
        return pa.table({"column_name": pa.array([], pa.string()), "value": pa.array([], pa.string()),
                         "frequency": pa.array([], pa.float64())})
    return work.arrow(" UNION ALL ".join(parts))
