"""A process that served the app and stopped it exits with status 0.

DuckDB objects that hold Python objects and are left to a worker thread's exit can outlive the
interpreter's shutdown; releasing them then aborts the process (exit 134) after the app has
stopped in good order, which fails any script or job that checks its exit status.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    from fastapi.testclient import TestClient
    from api.main import create_app
    from api.settings import ApiSettings

    db, key = sys.argv[1], sys.argv[2]
    headers = {"Authorization": f"Bearer " + key}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        for i in range(3):
            record = {"crm_id": f"EXIT-{i}", "first_name": "Thục Anh", "last_name": "Âu",
                      "mobile": f"0391 234 56{i}"}
            r = client.post("/sources/sales/records", json=record, headers=headers)
            assert r.status_code == 200, r.text
    print("stopped")
    """
)


def test_a_process_that_posted_through_the_app_exits_cleanly(served_db):  # type: ignore[no-untyped-def]
    db, made = served_db
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db), made["writer"]], capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "stopped"
