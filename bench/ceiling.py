"""What recall the data allows at all: a bound no matcher reaches without guessing.

Usage:
    python bench/ceiling.py --db mdm.duckdb --truth sample_data/truth.csv

Over the standardised records of a reconciled database and the truth file, join every two
records of one true customer that share real evidence, and count the true pairs the joined
groups cover (pairwise recall):

- ``strong``: the same phone, email, national id or tax id, or the same birthday or address
  together with the same family or given name;
- ``+ unique name and city``: also the same full name and city, when by the truth file only
  one customer holds that name;
- ``+ unique name``: also the same full name alone, on the same condition.

The last two use the truth file, which no matcher has: they are generous bounds.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import duckdb
from common import components


def _eq(column: str) -> str:
    return f"(l.{column} IS NOT NULL AND l.{column} = r.{column})"


STRONG = " OR ".join([
    _eq("phone"), _eq("email_key"), _eq("national_id"), _eq("tax_id"),
    f"({_eq('date_of_birth')} AND (l.family = r.family OR l.given = r.given))",
    f"({_eq('address_norm')} AND (l.family = r.family OR l.given = r.given))",
])
LEVELS = {
    "strong": STRONG,
    "+ unique name and city": f"{STRONG} OR ({_eq('name_key')} AND ne.entities = 1 AND {_eq('city_norm')})",
    "+ unique name": f"{STRONG} OR ({_eq('name_key')} AND ne.entities = 1)",
}


def covered_pairs(keys: list[str], edges: list[tuple[str, str]]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(components(keys, edges).values()).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    con.execute("CREATE TEMP TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(args.truth)])
    con.execute("CREATE TEMP TABLE s AS SELECT s.*, t.entity_id FROM std_records s JOIN t USING (source, source_id)")
    con.execute("CREATE TEMP TABLE ne AS SELECT name_key, count(DISTINCT entity_id) AS entities FROM s GROUP BY 1")
    entity = dict(con.execute("SELECT record_key, entity_id FROM s").fetchall())
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(entity.values()).values())
    print(f"true pairs: {true_pairs:,}")
    for label, condition in LEVELS.items():
        edges = con.execute(
            "SELECT l.record_key, r.record_key FROM s l JOIN s r ON l.entity_id = r.entity_id"
            f" AND l.record_key < r.record_key LEFT JOIN ne ON ne.name_key = l.name_key WHERE {condition}"
        ).fetchall()
        found = covered_pairs(list(entity), edges)
        print(f"{label:<24} recall bound {found / true_pairs:.4f} ({found:,} pairs)")


if __name__ == "__main__":
    main()
