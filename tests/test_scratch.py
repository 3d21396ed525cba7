"""Scratch folders: a killed run's are removed by the next run; a living process's never are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mdm.scratch import new_folder, release, scratch_folder, sweep

_HOLD = (
    "import sys, tempfile, time; tempfile.tempdir = sys.argv[1]\n"
    "from mdm.scratch import new_folder\n"
    "print(new_folder('work'), flush=True); time.sleep(120)\n"
)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_killed_process_folder_goes_and_a_living_one_stays(temp_root: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(temp_root)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        held = Path(proc.stdout.readline().strip())
        (held / "spill.tmp").write_bytes(b"x" * 1024)
        assert sweep() == [] and held.exists()  # its process lives
        mine = new_folder("work")
        assert held.exists() and Path(mine).exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with scratch_folder("workers") as other:
        assert not held.exists()  # swept when the next folder was made
        assert Path(mine).exists() and Path(other).exists()  # this process's own stay
    assert not Path(other).exists()
    release(mine)
    assert not Path(mine).exists()


def test_folders_it_cannot_judge_are_left_alone(temp_root: Path) -> None:
    """No lock file: being made right now, or by an older version; not ours: another tool's."""
    unlocked = temp_root / "mdm-work-old"
    unlocked.mkdir()
    (temp_root / "mdm-notes.txt").write_text("a file, not a folder")
    other = temp_root / "pytest-of-someone"
    other.mkdir()
    assert sweep() == []
    assert unlocked.exists() and other.exists() and (temp_root / "mdm-notes.txt").exists()


def test_a_folder_is_locked_by_its_maker_only(temp_root: Path) -> None:
    path = new_folder("work")
    try:
        assert os.path.exists(os.path.join(path, ".owner.lock"))
        assert sweep() == [] and Path(path).exists()
    finally:
        release(path)
