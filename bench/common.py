"""Small helpers the benchmark scripts share."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mdm.clustering import components  # noqa: E402,F401  (the scripts import it from here)

if TYPE_CHECKING:
    from mdm.service import Service


def publish(path: Path, text: str) -> None:
    """Print a result table and write it where bench/report.py collects it."""
    print(text)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")


@contextmanager
def service_on_copy(db: Path) -> Iterator[Service]:
    """A service open on a copy of ``db``, for a benchmark that changes the database."""
    from mdm.service import Service

    with tempfile.TemporaryDirectory(prefix="mdm-work-") as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copy(db, copy)
        service = Service(copy)
        service.open()
        try:
            yield service
        finally:
            service.close()


def speed_probe() -> float:
    """Seconds to standardise sample_data's records three times over in this one process: a
    fixed workload, timed before and after a benchmark. This VM's speed drifts (the probe has
    taken from 2.0 to 4.0 s within an hour), and the probe shows how much it did meanwhile."""
    import datetime as _dt

    from mdm.ingest import ingest
    from mdm.sources import load_sources
    from mdm.standardise.record import standardise_record

    sample = Path(__file__).resolve().parent.parent / "sample_data" / "sources.yaml"
    records = ingest(load_sources(sample).sources).accepted
    caches = [f for name, module in list(sys.modules.items()) if name.startswith("mdm.standardise")
              for f in vars(module).values() if hasattr(f, "cache_clear")]
    seconds = 0.0
    for _ in range(3):
        for cache in caches:  # the memoised standardisers work every time
            cache.cache_clear()
        start = time.perf_counter()
        for rec in records:
            standardise_record(rec.source, rec.source_id, rec.values, today=_dt.date(2026, 1, 1))
        seconds += time.perf_counter() - start
    return seconds
