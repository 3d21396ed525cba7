"""How long a stop of the service takes while its batch run computes: SIGTERM at a chosen point
of a run, then the seconds until the process has exited (docker kills it after 10 s).

Usage:
    python bench/stop.py --db /tmp/mdm-scale/1000000/mdm.duckdb \\
        --sources /tmp/mdm-scale/1000000/sources.yaml --copy /tmp/stop.duckdb \\
        --at "cluster took+5" --at "golden took+3"

Each ``--at "LINE+SECONDS"`` is one run on a fresh copy of ``--db`` (the original is never
written): a process opens a Service on the copy, as ``mdm serve`` does, starts a batch run as
``POST /runs`` does, and prints the run's log lines; SECONDS after the first line holding LINE
("started", or "<stage> took": the stage after it is under way) it is sent SIGTERM, closes the
Service as the server's shutdown does, and exits. Printed: the seconds from the signal to the
exit, and the run as recorded (status, error, the stages it finished).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import subprocess
import sys
import threading
import time

import duckdb


def _serve_one_run(db: str, sources: str) -> None:
    from mdm.service import Service

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            print(record.getMessage(), flush=True)

    for name in ("mdm.pipeline", "mdm.service"):
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).addHandler(Lines())
    service = Service(db)
    service.open()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_id = service.start_run(sources_path=sources, retrain=False, actor="bench")
    print(f"run {run_id}: started", flush=True)
    while not stop.wait(0.05) and service._run_thread is not None and service._run_thread.is_alive():
        pass
    service.close()


def _measure(args: argparse.Namespace, at: str) -> None:
    line, seconds = at.rsplit("+", 1)
    shutil.copy(args.db, args.copy)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", "--copy", args.copy, "--sources", args.sources],
        stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    sent = None
    for out in child.stdout:
        if sent is None and out.startswith("run ") and line in out:
            time.sleep(float(seconds))
            child.send_signal(signal.SIGTERM)
            sent = time.monotonic()
    child.wait()
    con = duckdb.connect(args.copy, read_only=True)
    status, error, stages = con.execute(
        "SELECT status, error, stage_seconds FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    con.close()
    took = "never sent" if sent is None else f"{time.monotonic() - sent:.2f} s"
    print(f"SIGTERM {seconds} s after {line!r}: exited {child.returncode} after {took};"
          f" run {status} ({error}); stages {stages}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="the database to copy (never written)")
    parser.add_argument("--sources", required=True)
    parser.add_argument("--copy", required=True, help="where each run's copy of --db goes")
    parser.add_argument("--at", action="append", default=[], help='"LINE+SECONDS", once per run')
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _serve_one_run(args.copy, args.sources)
        return
    for at in args.at:
        _measure(args, at)


if __name__ == "__main__":
    main()
