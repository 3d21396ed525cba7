"""What an operator's change to the source config between batch runs does to golden records and
the change feed: a downstream system that follows the feed must see every golden record whose
served document (its ETag) changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from mdm.pipeline import reconcile
from mdm.store import database
from mdm.store.documents import version
from tests.conftest import TODAY


def _served(db: Path) -> tuple[dict[str, tuple[str, str]], int]:
    """Each golden record's (version, attributes), and the change feed's last entry."""
    con = database.connect(db, read_only=True)
    try:
        docs = {g: (version(d), a) for g, d, a in con.execute(
            "SELECT golden_id, document, CAST(attributes AS VARCHAR) FROM golden_records").fetchall()}
        (head,) = con.execute("SELECT coalesce(max(seq), 0) FROM golden_history").fetchone()
    finally:
        con.close()
    return docs, head


def _in_feed_after(db: Path, seq: int) -> set[str]:
    con = database.connect(db, read_only=True)
    try:
        rows = con.execute("SELECT golden_id FROM golden_history WHERE seq > ?", [seq]).fetchall()
        return {g for (g,) in rows}
    finally:
        con.close()


def test_a_priority_change_puts_every_golden_record_whose_lineage_moved_in_the_feed(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """Sources' priorities reversed: where the sources agree on a value the golden value stays, but
    its lineage names the record of the source now most trusted. The served document changed
    (a new ETag), so the run records the change; it had left those records out of the feed."""
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    config = yaml.safe_load((data / "sources.yaml").read_text(encoding="utf-8"))
    for i, source in enumerate(reversed(config["sources"])):
        source["priority"] = i + 1
    (data / "sources.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    before, head = _served(db)

    reconcile(data / "sources.yaml", db, today=TODAY)

    after, _ = _served(db)
    moved = {g for g, (v, _a) in before.items() if after[g][0] != v}
    assert any(json.loads(after[g][1]) == json.loads(before[g][1]) for g in moved)  # lineage alone moved
    assert moved == _in_feed_after(db, head)
