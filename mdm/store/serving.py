"""SQL behind the read API: golden records, their lineage and members, xref, search.

Each function runs on the calling thread's own cursor; DuckDB's snapshot isolation means a
reader sees either the state before a batch run's publish or after it, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from mdm.store.database import fetch_dicts, fetch_one, fetch_page


def document(con: duckdb.DuckDBPyConnection, golden_id: str) -> tuple[str, str | None, str] | None:
    """(status, merged_into, served JSON) of a golden record (see mdm/store/documents.py)."""
    row = fetch_one(con, "SELECT status, merged_into, document FROM golden_records WHERE golden_id = ?", [golden_id])
    return (row[0], row[1], row[2]) if row else None


def documents(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> dict[str, str]:
    if not golden_ids:
        return {}
    return dict(con.execute(
        "SELECT golden_id, document FROM golden_records WHERE golden_id IN (SELECT unnest(?::VARCHAR[]))",
        [golden_ids],
    ).fetchall())


def xref(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> str | None:
    row = fetch_one(con, "SELECT golden_id FROM xref WHERE source = ? AND source_id = ?", [source, source_id])
    return row[0] if row else None


def list_golden(con: duckdb.DuckDBPyConnection, *, limit: int, offset: int,
                after: str | None = None) -> tuple[list[str], int]:
    """Active golden ids in id order. ``after`` pages by key: the ids after the last one a page
    gave, so a copy made while records are created and retired neither repeats nor skips one that
    is active throughout (an offset shifts under it)."""
    ids = [r[0] for r in con.execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND (? IS NULL OR golden_id > ?)"
        " ORDER BY golden_id LIMIT ? OFFSET ?",
        [after, after, limit, offset],
    ).fetchall()]
    total = fetch_one(con, "SELECT count(*) FROM golden_records WHERE status = 'active'")
    return ids, int(total[0]) if total else 0


# The standardised column the search compares of each field a steward may set, where it is not
# the field's value itself: an override keeps its value's as its search key (mdm/overrides.py).
SEARCHED_AS = {"full_name": "name_key", "email": "email_key", "city": "city_norm", "address": "address_norm"}

# Each criterion is met by a value one of a golden record's source records holds, or a steward's
# override of it in force (one replaced or removed is withdrawn: no one's). A name matches when
# it is close as a whole (Jaro-Winkler over the sorted words, so word order does not matter) or
# when every word searched for is in the name, allowing one typo in words of four letters or more.
_SEARCH = """
WITH stewarded AS (
    SELECT o.golden_id, if(f.field = 'full_name', o.search_key, NULL) AS name_key,
        if(f.field = 'email', o.value, NULL) AS email, if(f.field = 'email', o.search_key, NULL) AS email_key,
        if(f.field = 'phone', o.search_key, NULL) AS phone,
        if(f.field = 'city', o.search_key, NULL) AS city_norm,
        if(f.field = 'national_id', o.search_key, NULL) AS national_id,
        if(f.field = 'tax_id', o.search_key, NULL) AS tax_id,
        if(f.field = 'address', o.search_key, NULL) AS address_norm,
        if(f.field = 'postcode', o.search_key, NULL) AS postcode
    FROM golden_overrides o
    JOIN (SELECT unnest($override_attributes) AS attribute, unnest($override_fields) AS field) f
        USING (attribute)
    JOIN golden_records g ON g.golden_id = o.golden_id AND g.status = 'active'
    WHERE o.removed_at IS NULL AND o.value IS NOT NULL
), held AS (
    SELECT x.golden_id, s.name_key, s.email, s.email_key, s.phone, s.city_norm, s.national_id, s.tax_id,
        s.address_norm, s.postcode
    FROM std_records s JOIN xref x ON x.record_key = s.record_key
    UNION ALL
    SELECT * FROM stewarded
), {scope}, hits AS (
    {hits} FROM scoped
), per_golden AS (
    SELECT golden_id,
        CASE WHEN $name_key IS NULL THEN NULL ELSE max(greatest(
            jaro_winkler_similarity(name_key, $name_key),
            CASE WHEN len(list_filter($name_words, lambda w: list_bool_or(list_transform(
                string_split(name_key, ' '),
                lambda t: t = w OR (length(w) >= 4 AND levenshtein(t, w) <= 1)))))
                = len($name_words) THEN 0.95 ELSE 0 END
        )) END AS name_score,
        bool_or(email_hit) AS email_hit, bool_or(phone_hit) AS phone_hit, bool_or(city_hit) AS city_hit,
        bool_or(national_id_hit) AS national_id_hit, bool_or(tax_id_hit) AS tax_id_hit,
        bool_or(address_hit) AS address_hit, bool_or(postcode_hit) AS postcode_hit
    FROM hits
    GROUP BY golden_id
)
SELECT golden_id,
    (coalesce(name_score, 0) + CAST(email_hit AS INTEGER) + CAST(phone_hit AS INTEGER)
     + CAST(city_hit AS INTEGER) + CAST(national_id_hit AS INTEGER) + CAST(tax_id_hit AS INTEGER)
     + CAST(address_hit AS INTEGER) + CAST(postcode_hit AS INTEGER))
    / ((CASE WHEN $name_key IS NULL THEN 0 ELSE 1 END) + CAST($email_given AS INTEGER)
       + CAST($phone_given AS INTEGER) + (CASE WHEN $cities IS NULL THEN 0 ELSE 1 END)
       + (CASE WHEN $national_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN $tax_ids IS NULL THEN 0 ELSE 1 END)
       + (CASE WHEN $address_words IS NULL THEN 0 ELSE 1 END)
       + (CASE WHEN $postcode IS NULL THEN 0 ELSE 1 END))
    AS score,
    count(*) OVER () AS total
FROM per_golden
WHERE ($name_key IS NULL OR name_score >= $min_name_score)
  AND (NOT $email_given OR email_hit) AND (NOT $phone_given OR phone_hit) AND ($cities IS NULL OR city_hit)
  AND ($national_id IS NULL OR national_id_hit) AND ($tax_ids IS NULL OR tax_id_hit)
  AND ($address_words IS NULL OR address_hit) AND ($postcode IS NULL OR postcode_hit)
ORDER BY score DESC, golden_id
LIMIT $limit OFFSET $offset
"""

# Each value held (a source record's or an override's): which criteria it meets.
_HITS = """SELECT golden_id, name_key,
        coalesce(email_key = $email_key OR starts_with(email, $email_start)
                 OR starts_with(email_key, $email_start), false) AS email_hit,
        coalesce(phone = $phone OR starts_with(phone, $phone_start), false) AS phone_hit,
        coalesce(list_contains($cities, city_norm), false) AS city_hit,
        coalesce(national_id = $national_id, false) AS national_id_hit,
        coalesce(list_contains($tax_ids, tax_id), false) AS tax_id_hit,
        coalesce(list_has_all(string_split(address_norm, ' '), $address_words), false) AS address_hit,
        coalesce(postcode = $postcode, false) AS postcode_hit"""

# What is scored: every value held; or, where a selective criterion (an id, a phone...) is given,
# the values of the golden records holding one of each such criterion, found first (a scan of
# those columns), then read by their golden ids: a name is compared with their values only.
_EVERY_VALUE = "scoped AS (SELECT * FROM held)"
_FOUND_FIRST = """found AS (
    SELECT golden_id FROM ({hits} FROM held)
    WHERE email_hit OR phone_hit OR national_id_hit OR tax_id_hit OR postcode_hit
    GROUP BY golden_id
    HAVING (NOT $email_given OR bool_or(email_hit)) AND (NOT $phone_given OR bool_or(phone_hit))
       AND ($national_id IS NULL OR bool_or(national_id_hit)) AND ($tax_ids IS NULL OR bool_or(tax_id_hit))
       AND ($postcode IS NULL OR bool_or(postcode_hit))
), scoped AS (
    SELECT x.golden_id, s.name_key, s.email, s.email_key, s.phone, s.city_norm, s.national_id, s.tax_id,
        s.address_norm, s.postcode
    FROM xref x JOIN std_records s ON s.record_key = x.record_key
    WHERE x.golden_id IN (SELECT golden_id FROM found)
    UNION ALL
    SELECT * FROM stewarded WHERE golden_id IN (SELECT golden_id FROM found)
)"""


def search(
    con: duckdb.DuckDBPyConnection,
    *,
    name_key: str | None,
    email_key: str | None,
    phone: str | None,
    cities: list[str] | None,
    limit: int,
    offset: int,
    national_id: str | None = None,
    tax_ids: list[str] | None = None,
    address_norm: str | None = None,
    postcode: str | None = None,
    email_start: str | None = None,
    phone_start: str | None = None,
    min_name_score: float = 0.88,
    override_fields: Mapping[str, str],
) -> tuple[list[tuple[str, float]], int]:
    """(golden id, score in 0..1) of the golden records matching every criterion given, best
    first, and how many match in all; ``cities``: the places a city searched for may be, any one;
    ``tax_ids``: the values a tax id may be held as, any one; ``override_fields``: the field of
    each attribute a steward may set (the rules' golden attributes)."""
    params = {
        "name_key": name_key,
        "name_words": name_key.split() if name_key else [],
        "email_key": email_key,
        # The start of an address or a number (one a steward has only part of): those starting with it.
        "email_start": email_start,
        "email_given": email_key is not None or email_start is not None,
        "phone": phone,
        "phone_start": phone_start,
        "phone_given": phone is not None or phone_start is not None,
        "cities": cities,
        "national_id": national_id,
        "tax_ids": tax_ids,
        # Every word of the address given, among the record's: a street without its ward and district.
        "address_words": address_norm.split() if address_norm else None,
        "postcode": postcode,
        "override_attributes": list(override_fields),
        "override_fields": list(override_fields.values()),
        "min_name_score": min_name_score,
        "limit": limit,
        "offset": offset,
    }
    selective = any(v is not None for v in (email_key, email_start, phone, phone_start, national_id, tax_ids,
                                            postcode))
    sql = _SEARCH.replace("{scope}", _FOUND_FIRST if selective else _EVERY_VALUE).replace("{hits}", _HITS)
    rows, total = fetch_page(con, sql, params)
    return [(r["golden_id"], float(r["score"])) for r in rows], total


def source_record(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> dict[str, Any] | None:
    """A source record as the service holds it: its raw row (JSON text), its standardised row,
    its golden id, and when and by whom it was posted (None for a file row); None if not held."""
    rows = fetch_dicts(
        con,
        "SELECT x.golden_id, CAST(r.raw AS VARCHAR) AS raw, p.posted_at, p.posted_by, s.*"
        " FROM xref x JOIN source_records r USING (record_key) JOIN std_records s USING (record_key)"
        " LEFT JOIN posted_records p ON p.source = x.source AND p.source_id = x.source_id"
        " WHERE x.source = ? AND x.source_id = ?",
        [source, source_id],
    )
    return rows[0] if rows else None


def quarantined_rows(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> list[dict[str, Any]]:
    """The last run's quarantined rows of one source key (a repeated id's other rows, say)."""
    return fetch_dicts(
        con,
        "SELECT run_id, row_number, reason FROM quarantine WHERE source = ? AND source_id = ?"
        " ORDER BY row_number",
        [source, source_id],
    )


def deletion(con: duckdb.DuckDBPyConnection, source: str, source_id: str) -> dict[str, Any] | None:
    rows = fetch_dicts(
        con, "SELECT deleted_at, deleted_by FROM deleted_records WHERE source = ? AND source_id = ?",
        [source, source_id])
    return rows[0] if rows else None


def operational_state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What an operator watches: golden records by status, open review items, runs going, and
    when runs last finished by status."""
    return {
        "golden": dict(con.execute("SELECT status, count(*) FROM golden_records GROUP BY status").fetchall()),
        "open_items": con.execute("SELECT count(*) FROM review_queue WHERE status = 'open'").fetchall()[0][0],
        "running": con.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchall()[0][0],
        "last_finished": dict(con.execute(
            "SELECT status, max(finished_at) FROM runs WHERE finished_at IS NOT NULL GROUP BY status"
        ).fetchall()),
    }


# Other golden records sharing an address with a house number, or a landline, with one golden
# record's members: a household (or a building's neighbours, where no flat number is written).
_HOUSEHOLD = """
WITH mine AS (
    SELECT address_norm, house_number, phone, phone_type FROM std_records
    WHERE record_key IN (SELECT record_key FROM xref WHERE golden_id = $golden_id)
), shared AS (
    SELECT x.golden_id, 'address' AS kind, min(s.address) AS value
    FROM std_records s JOIN xref x USING (record_key)
    WHERE s.house_number IS NOT NULL AND x.golden_id <> $golden_id
      AND s.address_norm IN (SELECT address_norm FROM mine WHERE house_number IS NOT NULL)
    GROUP BY 1
    UNION ALL
    SELECT x.golden_id, 'landline', min(s.phone)
    FROM std_records s JOIN xref x USING (record_key)
    WHERE s.phone_type = 'fixed_line' AND x.golden_id <> $golden_id
      AND s.phone IN (SELECT phone FROM mine WHERE phone_type = 'fixed_line')
    GROUP BY 1
)
SELECT golden_id, map(list(kind), list(value)) AS shared FROM shared
GROUP BY golden_id ORDER BY count(*) DESC, golden_id LIMIT $limit
"""


def household(con: duckdb.DuckDBPyConnection, golden_id: str, limit: int) -> list[tuple[str, dict[str, str]]]:
    """(golden id, {"address" | "landline": the value it holds}) of the golden records sharing an
    address with a house number or a landline with this one's records, those sharing both first."""
    return [(g, dict(shared)) for g, shared in con.execute(
        _HOUSEHOLD, {"golden_id": golden_id, "limit": limit}).fetchall()]
