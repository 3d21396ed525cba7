from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 6, 30)
# Golden ids are random: a test that picks golden records by id picks others at every run, and
# one pick in many failed in CI. Ordering by a golden record's first member key picks the same.
BY_FIRST_MEMBER = "(SELECT min(m.record_key) FROM xref m WHERE m.golden_id = golden_records.golden_id)"

# Properties assert behaviour, not speed (benchmarks measure that): no per-example deadline,
# which a cold first example on a busy two-core machine overran (360 ms against 200).
settings.register_profile("mdm", deadline=None)
settings.load_profile("mdm")


def assert_holds_together(db: Path) -> None:
    """The database at ``db`` passes every integrity check (`mdm check`): what every write keeps
    true, after a flow that could break it."""
    from mdm.store.integrity import check_file

    failed = [(r.name, r.violations, r.examples) for r in check_file(db) if not r.ok]
    assert failed == [], failed


def damage(db: Path, table: str) -> None:
    """Overwrite bytes inside the last block of ``table`` in the file at ``db``, as a disk fault
    would: DuckDB finds its checksum wrong when the block is read."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        (block,) = con.execute("SELECT max(block_id) FROM pragma_storage_info(?) WHERE block_id >= 0",
                               [table]).fetchone()
        (size,) = con.execute("SELECT current_setting('default_block_size')").fetchone()
    finally:
        con.close()
    with db.open("r+b") as fh:  # the file's three 4 KiB headers, then its blocks
        fh.seek(3 * 4096 + int(block) * int(size) + 512)
        fh.write(b"\xde\xad\xbe\xef" * 16)


def walked_by_the_collector(index: Any) -> list[object]:
    """What of a CandidateIndex (its dicts and its blocks) is in a generation the cycle collector
    walks: tracked, and not frozen."""
    walked = {id(o) for o in gc.get_objects()}
    parts = [index.rows, *index._blocks, *(b for blocks in index._blocks for b in blocks.values())]
    return [o for o in parts if id(o) in walked]


def load_generator() -> ModuleType:
    """sample_data/generate.py is a script, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("sample_generate", ROOT / "sample_data" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["sample_generate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sample (about 1,000 records), shared by the end-to-end tests."""
    out = tmp_path_factory.mktemp("sample")
    load_generator().generate(out, seed=7, customers=400, mix="default")
    return out


@pytest.fixture(scope="session")
def reconciled(small_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The small sample reconciled once into a database; tests that change it copy it first."""
    from mdm.pipeline import reconcile

    db = tmp_path_factory.mktemp("db") / "mdm.duckdb"
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    return db, report


@pytest.fixture
def pool_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The start method of every worker pool mdm.parallel makes while the test runs."""
    from mdm import parallel

    starts: list[str] = []
    pool = parallel.ProcessPoolExecutor

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        starts.append(kwargs["mp_context"].get_start_method())
        return pool(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", recorded)
    return starts
