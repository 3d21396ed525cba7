"""How often the Spark engine's driver opens a source's files before Spark reads them, and how long
that takes, for a folder of many small part files at a ``file://`` URI (read through Hadoop's
FileSystem, as ``hdfs://`` and ``s3a://`` are; on an object store each open is a round trip).

Usage:
    python bench/spark_source_opens.py [--parts 2000] [--format csv] [--workdir /tmp/mdm-opens]

Reads the folder with ``ingest_and_standardise`` (local[2]) and prints: the driver's opens of the
files (per file), the seconds spent opening and reading them on the driver, the bytes Hadoop's
FileSystem counted as read on the driver's thread, the seconds listing the files and the whole
ingest's seconds. Opens are counted where mdm.spark.files opens a file at a URI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mdm.sources import load_sources  # noqa: E402
from mdm.spark import files  # noqa: E402
from mdm.spark.ingest import ingest_and_standardise  # noqa: E402
from mdm.spark.session import spark_session  # noqa: E402

_NAMES = ["An", "Binh", "Chi", "Dung"]


def write_parts(folder: Path, parts: int, kind: str) -> None:
    """``parts`` files of four customers each, as a Spark job writes a folder (part-00000...)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "_SUCCESS").write_bytes(b"")
    for p in range(parts):
        rows = [{"id": f"{p}-{i}", "name": name} for i, name in enumerate(_NAMES)]
        part = folder / f"part-{p:05d}.{kind}"
        if kind == "csv":
            part.write_text("id,name\n" + "".join(f"{r['id']},{r['name']}\n" for r in rows), encoding="utf-8")
        elif kind == "jsonl":
            part.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        else:
            pq.write_table(pa.Table.from_pylist(rows), part)


class Counted:
    """Opens of files at a URI by the driver (mdm.spark.files._HadoopStream), and seconds in them."""

    def __init__(self) -> None:
        self.opens, self.seconds = 0, 0.0
        stream = files._HadoopStream
        for name in ("__init__", "readinto", "close"):
            setattr(stream, name, self._timed(getattr(stream, name), name == "__init__"))

    def _timed(self, method: Any, opening: bool) -> Any:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.opens += opening

        return timed


def driver_bytes_read(spark: Any) -> int:
    """Bytes Hadoop's FileSystems counted as read on this thread's JVM thread (py4j pins one)."""
    stats = spark._jvm.org.apache.hadoop.fs.FileSystem.getAllStatistics()
    return sum(int(s.getThreadStatistics().getBytesRead()) for s in stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, default=2000)
    parser.add_argument("--format", choices=["csv", "jsonl", "parquet"], default="csv")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-opens"))
    args = parser.parse_args()
    folder = args.workdir / f"parts-{args.format}"
    write_parts(folder, args.parts, args.format)
    (args.workdir / "sources.yaml").write_text(
        f"sources:\n  - name: crm\n    path: {folder.as_uri()}\n    format: {args.format}\n"
        "    id_column: id\n    fields: {full_name: name}\n", encoding="utf-8")
    specs = load_sources(args.workdir / "sources.yaml").sources
    spark = spark_session("local[2]")
    spark.read.text(folder.as_uri()).limit(1).collect()  # the JVM warmed up
    start = time.perf_counter()
    listed = len(files.source_files(spark, specs[0]))
    listing = time.perf_counter() - start
    counted, before = Counted(), driver_bytes_read(spark)
    start = time.perf_counter()
    ingested = ingest_and_standardise(spark, specs, dt.date(2026, 1, 1))
    whole = time.perf_counter() - start
    read = driver_bytes_read(spark) - before
    assert ingested.counts["crm"].accepted == len(_NAMES) * args.parts
    size = sum(p.stat().st_size for p in folder.glob("part-*"))
    print(f"{args.parts} {args.format} parts ({listed} listed, {size:,} bytes): driver opens {counted.opens}"
          f" ({counted.opens / args.parts:.2f} a file), {counted.seconds:.2f} s in them; driver thread read"
          f" {read:,} bytes ({read / size:.2f}x the files); listing {listing:.2f} s; ingest {whole:.1f} s")
    spark.stop()


if __name__ == "__main__":
    main()
