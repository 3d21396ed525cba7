"""Starting Spark, with a clear error when pyspark or Java is missing."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
from typing import Any

from mdm.errors import EngineUnavailableError
from mdm.scratch import new_folder, release

# Spark 4's setting that lets its readers take any charset Java has, not seven alone.
JAVA_CHARSETS = "spark.sql.legacy.javaCharsets"

MIN_JAVA = 17


def java_version(java: str) -> int | None:
    """The major version of a ``java`` executable, or None if it does not run."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


def find_java(env: dict[str, str] | None = None) -> str:
    """The java that Spark will start: $JAVA_HOME/bin/java, else the one on PATH."""
    env = dict(os.environ) if env is None else env
    home = env.get("JAVA_HOME")
    candidate = os.path.join(home, "bin", "java") if home else shutil.which("java", path=env.get("PATH"))
    where = f"JAVA_HOME={home}" if home else "PATH"
    if not candidate or not os.path.exists(candidate):
        raise EngineUnavailableError(
            f"the Spark engine needs Java {MIN_JAVA} or newer, and none was found on {where}:"
            " install a JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    version = java_version(candidate)
    if version is None or version < MIN_JAVA:
        found = f"Java {version}" if version else "a java that does not run"
        raise EngineUnavailableError(
            f"the Spark engine needs Java {MIN_JAVA} or newer; {candidate} is {found}: set JAVA_HOME to a newer JDK"
        )
    return candidate


def _local_partitions(master: str | None) -> int | None:
    """Spark's default of 200 shuffle partitions suits a cluster; on one machine a few per
    core avoid thousands of tiny tasks. On a cluster the session's own setting stands."""
    m = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master or "")
    if m is None:
        return None
    cores = int(m.group(1)) if m.group(1) and m.group(1) != "*" else (os.cpu_count() or 1)
    return 4 * cores


def worker_python(master: str | None, conf: dict[str, str] | None = None) -> str | None:
    """The interpreter Spark's Python workers should run on this machine: this one, so that a
    run started from a virtualenv without activating it (``.venv/bin/mdm``) finds its packages
    where pyspark would start ``python3`` from PATH. None where the workers may run elsewhere
    (a cluster master, ``spark-submit``, which sets the gateway port, or no master named beside
    a Spark installation whose defaults may name one) and where PYSPARK_PYTHON says already."""
    if os.environ.get("PYSPARK_PYTHON") or os.environ.get("PYSPARK_GATEWAY_PORT"):
        return None
    master = master or (conf or {}).get("spark.master")
    if master is None:
        installed = os.environ.get("SPARK_HOME") or os.environ.get("SPARK_CONF_DIR")
        return None if installed else sys.executable  # pip's pyspark alone runs locally
    return sys.executable if _local_partitions(master) is not None else None


def spark_session(
    master: str | None = None, *, conf: dict[str, str] | None = None, shuffle_partitions: int | None = None
) -> Any:
    """A SparkSession with Splink's similarity functions, for ``master`` (None: whatever
    ``spark-submit`` or the Spark defaults say, else local with every core); ``conf`` adds
    Spark settings (``spark.driver.memory``, say)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailableError(
            "the Spark engine needs pyspark, which is not installed: pip install 'mdm-customer[spark]'"
        ) from None
    from splink.backends.spark import similarity_jar_location

    find_java()
    builder = (
        SparkSession.builder.appName("mdm-reconcile")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        # Splink's queries over cached work tables print plans of tens of megabytes, which the
        # driver writes out for every query it runs (its UI keeps them): at 1 GB of driver heap a
        # run that read API records too ran out of memory doing so. Capped, a plan's text says
        # "... truncated"; the plans themselves are untouched.
        .config("spark.sql.maxPlanStringLength", "1m")
        # The SQL tab keeps 1,000 queries' plans by default, each of Splink's large: at 1 GB of
        # driver heap a session's fourth reconcile of 1,000 records failed building a broadcast
        # (bench/spark_session_heap.py). The last 10 are what an operator looks at; --spark-conf
        # sets more.
        .config("spark.sql.ui.retainedExecutions", "10")
        # Spark 4 reads CSV in seven charsets alone unless allowed Java's: a source in a Windows
        # code page (cp1258, Excel's plain CSV on a Vietnamese Windows) is read as on DuckDB.
        .config(JAVA_CHARSETS, "true")
    )
    if master:
        builder = builder.master(master)
    python = worker_python(master, conf)
    if python:  # pyspark reads it from the environment only, when the context starts
        os.environ["PYSPARK_PYTHON"] = python
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # The master may come from spark-submit: size shuffles once it is known, unless set.
    partitions = shuffle_partitions or _local_partitions(spark.sparkContext.master)
    if partitions and not spark.sparkContext.getConf().contains("spark.sql.shuffle.partitions"):
        spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    spark.sparkContext.setLogLevel("ERROR")
    if not spark.sparkContext.getCheckpointDir():
        # A local folder of this process's: removed when it exits, as a run's checkpoints are
        # worth nothing after it (left behind, each run kept tens to hundreds of megabytes).
        folder = new_folder("spark-checkpoints")
        atexit.register(release, folder)
        spark.sparkContext.setCheckpointDir(folder)
    return spark
