"""Golden ids stay put when a run adds data: existing customers keep theirs."""

from __future__ import annotations

import shutil

import yaml

from matching_rules import DEFAULT_RULES
from mdm.pipeline import reconcile
from mdm.store import database
from tests.conftest import TODAY


def _linked_pairs(con) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    return dict(((l, r), o) for l, r, o in con.execute("SELECT record_key_l, record_key_r, outcome FROM pairs").fetchall())


def test_existing_customers_keep_their_ids_when_data_is_added(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    base = tmp_path / "base"
    shutil.copytree(small_sample, base)
    lines = (small_sample / "shipping.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (base / "shipping.csv").write_text("".join(lines[: len(lines) * 2 // 3]), encoding="utf-8")
    db = tmp_path / "ids.duckdb"
    reconcile(base / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    before = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    linked_before = {pair for pair, o in _linked_pairs(con).items() if o != "review"}
    con.close()

    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    try:
        after = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
        golden = {g: (status, into) for g, status, into in con.execute(
            "SELECT golden_id, status, merged_into FROM golden_records").fetchall()}
        scored_after = _linked_pairs(con)
    finally:
        con.close()
    assert len(after) > len(before)  # the second run added records
    kept = sum(after[k] == g for k, g in before.items())
    for key, old in before.items():
        new = after[key]
        # The same id; or the old golden record was merged into the new one (a new record
        # bridged two customers) and redirects there; or it split because a pair that linked
        # two of its records (not always this one's) now scores below the review threshold,
        # and another part kept the id.
        if new == old or golden[old] == ("retired", new):
            continue
        assert golden[old] == ("active", None), key
        parted = [pair for pair in linked_before
                  if before[pair[0]] == before[pair[1]] == old and after[pair[0]] != after[pair[1]]]
        assert parted and not any(pair in scored_after for pair in parted), key
    assert kept / len(before) >= 0.95
    assert report.golden_changes.get("created", 0) > 0


def test_a_link_stays_while_its_pair_stays_in_the_review_band(reconciled, small_sample, tmp_path):  # type: ignore[no-untyped-def]
    """A pair the published results link keeps its records together while it scores in the
    review band: the same data, linked first under a lower automatic threshold, keeps those
    links under the packaged one, where a fresh database leaves them for review. (Without the
    source structure, which links much of the review band by itself.)"""
    rules = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["matching"]["clustering"]["source_structure"] = False
    thresholds = rules["matching"]["thresholds"]
    packaged, lower = tmp_path / "packaged.yaml", tmp_path / "lower.yaml"
    packaged.write_text(yaml.safe_dump(rules), encoding="utf-8")
    rules["matching"]["thresholds"] = {**thresholds, "auto_link": 0.7}
    lower.write_text(yaml.safe_dump(rules), encoding="utf-8")
    db, fresh_db = tmp_path / "kept.duckdb", tmp_path / "fresh.duckdb"
    shutil.copy(reconciled[0], db)  # the model is reused: thresholds are not part of it
    reconcile(small_sample / "sources.yaml", db, rules_path=lower, today=TODAY)
    report = reconcile(small_sample / "sources.yaml", db, rules_path=packaged, today=TODAY)
    reconcile(small_sample / "sources.yaml", fresh_db, rules_path=packaged, today=TODAY)  # trains the same model

    con = database.connect(db, read_only=True)
    try:
        kept = con.execute(
            "SELECT p.record_key_l, p.record_key_r, p.match_probability, xl.golden_id = xr.golden_id FROM pairs p"
            " JOIN xref xl ON xl.record_key = p.record_key_l JOIN xref xr ON xr.record_key = p.record_key_r"
            " WHERE p.outcome = 'kept_link'"
        ).fetchall()
        queued = set(con.execute("SELECT record_key_l, record_key_r FROM review_queue WHERE status = 'open'").fetchall())
    finally:
        con.close()
    assert report.kept_links == len(kept) > 0
    assert all(thresholds["review"] <= p < thresholds["auto_link"] and together for _l, _r, p, together in kept)
    assert not {(l, r) for l, r, *_x in kept} & queued

    fresh = database.connect(fresh_db, read_only=True)  # the same data, linked once
    try:
        outcomes = dict(((l, r), o) for l, r, o in fresh.execute("SELECT record_key_l, record_key_r, outcome FROM pairs").fetchall())
    finally:
        fresh.close()
    assert {outcomes[(l, r)] for l, r, *_x in kept} == {"review"}


def test_a_customer_whose_records_come_back_gets_its_id_back(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    """A golden record retired because its only record left its extract is given back, active,
    when the record comes back in a later extract: downstream systems keep the id they stored."""
    db = tmp_path / "back.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db, read_only=True)
    source_id, gid = con.execute(
        "SELECT x.source_id, x.golden_id FROM xref x JOIN golden_records g USING (golden_id)"
        " WHERE x.source = 'billing' AND g.record_count = 1 ORDER BY x.source_id LIMIT 1").fetchone()
    con.close()
    without = tmp_path / "without"
    shutil.copytree(small_sample, without)
    lines = (small_sample / "billing.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(f"{source_id},")]
    (without / "billing.csv").write_text("".join(kept), encoding="utf-8")

    gone = reconcile(without / "sources.yaml", db, today=TODAY)
    back = reconcile(small_sample / "sources.yaml", db, today=TODAY)

    con = database.connect(db, read_only=True)
    try:
        assert con.execute("SELECT golden_id FROM xref WHERE source = 'billing' AND source_id = ?",
                           [source_id]).fetchone() == (gid,)
        assert con.execute("SELECT status, merged_into, record_count FROM golden_records WHERE golden_id = ?",
                           [gid]).fetchone() == ("active", None, 1)
        history = con.execute("SELECT change, cause, cause_id FROM golden_history WHERE golden_id = ?"
                              " ORDER BY seq", [gid]).fetchall()
    finally:
        con.close()
    assert history[-2:] == [("retired", "run", gone.run_id), ("restored", "run", back.run_id)]
    assert back.golden_changes.get("restored") == 1
