"""Driver heap of one Spark session running reconcile after reconcile (the README says a
long-lived session can), after a full garbage collection following each run.

Usage:
    python bench/spark_session_heap.py [--runs 5] [--customers 400] [--spark-conf KEY=VALUE ...]

The sample is made by sample_data/generate.py (seed 7); the first run trains the model, the others
reuse it. Prints the heap in MB after each run, or the error that stopped a run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mdm.spark.engine import reconcile_spark  # noqa: E402
from mdm.spark.session import spark_session  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--spark-conf", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("generate", ROOT / "sample_data" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate  # its dataclasses look their module up
    spec.loader.exec_module(generate)
    with tempfile.TemporaryDirectory(prefix="spark-heap-") as folder:
        _measure(generate, Path(folder), args)


def _measure(generate: Any, work: Path, args: argparse.Namespace) -> None:
    """Five runs (``--runs``) in one session, the heap after each, in ``work`` (removed after)."""
    generate.generate(work / "sample", seed=7, customers=args.customers, mix="default")
    conf = dict(item.split("=", 1) for item in args.spark_conf)
    spark = spark_session("local[2]", conf=conf)
    runtime = spark.sparkContext._jvm.java.lang.Runtime.getRuntime()
    system = spark.sparkContext._jvm.java.lang.System

    def heap_mb() -> int:
        system.gc()
        time.sleep(1)
        system.gc()
        return round((runtime.totalMemory() - runtime.freeMemory()) / 2**20)

    print(f"conf {conf}; max heap {round(runtime.maxMemory() / 2**20)} MB; at start {heap_mb()} MB",
          flush=True)
    model = None
    for i in range(args.runs):
        started = time.monotonic()
        try:
            reconcile_spark(work / "sample" / "sources.yaml", str(work / f"run{i}"),
                            today=dt.date(2026, 6, 1),
                            spark=spark, model_path=model)
        except Exception as e:  # the figure is the run that failed, and why
            print(f"run {i + 1}: failed: {str(e).splitlines()[0][:200]}", flush=True)
            break
        model = work / f"run{i}" / "model"
        print(f"run {i + 1}: {time.monotonic() - started:.1f} s; heap after it {heap_mb()} MB", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
