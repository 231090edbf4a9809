"""scripts/procfile.py, the supervisor behind `make run` and `make dev`."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "scripts" / "procfile.py"

# A master that starts a child in its own process group and, on SIGTERM, tells the child to
# finish (SIGUSR1) and waits for it, as gunicorn and Celery do. The child notes which signal
# reached it: a supervisor that signals the whole group would hand it SIGTERM directly.
MASTER = """
import signal, subprocess, sys, time
from pathlib import Path
child = subprocess.Popen([sys.executable, "-c", '''
import signal, sys, time
from pathlib import Path
def note(signum, frame):
    Path("child.txt").write_text(signal.Signals(signum).name)
    sys.exit(0)
signal.signal(signal.SIGTERM, note)
signal.signal(signal.SIGUSR1, note)
Path("child-ready").touch()
time.sleep(60)
'''])
def stop(signum, frame):
    print("master stopping")
    child.send_signal(signal.SIGUSR1)
    sys.exit(child.wait())
signal.signal(signal.SIGTERM, stop)
Path("master-ready").touch()
time.sleep(60)
"""
STUBBORN = """
import signal, time
from pathlib import Path
signal.signal(signal.SIGTERM, signal.SIG_IGN)
Path("stubborn-ready").touch()
time.sleep(60)
"""


def write_script(folder: Path, name: str, source: str) -> str:
    (folder / name).write_text(source)
    return f"exec {sys.executable} {name}"


def start(folder: Path, entries: dict[str, str]) -> subprocess.Popen[str]:
    (folder / "Procfile").write_text(
        "# a comment\n" + "".join(f"{name}: {command}\n" for name, command in entries.items())
    )
    return subprocess.Popen(
        [sys.executable, str(RUNNER), "Procfile"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(*paths: Path) -> None:
    deadline = time.monotonic() + 20
    while not all(path.exists() for path in paths):
        assert time.monotonic() < deadline, f"not started: {paths}"
        time.sleep(0.05)


def test_ctrl_c_stops_each_master_gracefully_and_exits_zero(tmp_path: Path) -> None:
    runner = start(
        tmp_path,
        {"web": write_script(tmp_path, "master.py", MASTER), "say": "echo hello; exec sleep 60"},
    )
    wait_for(tmp_path / "master-ready", tmp_path / "child-ready")
    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 0, output
    assert "web | master stopping" in output
    assert "say | hello" in output
    assert (tmp_path / "child.txt").read_text() == "SIGUSR1", "only the master is signalled"


def test_a_process_that_ends_stops_the_others_and_fails(tmp_path: Path) -> None:
    runner = start(
        tmp_path,
        {"web": write_script(tmp_path, "master.py", MASTER), "oops": "sleep 1; exit 3"},
    )
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 1
    assert "oops | exited with code 3; stopping the others" in output
    assert "web  | master stopping" in output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_second_signal_kills_what_will_not_stop(tmp_path: Path, signum: int) -> None:
    runner = start(tmp_path, {"stubborn": write_script(tmp_path, "stubborn.py", STUBBORN)})
    wait_for(tmp_path / "stubborn-ready")
    runner.send_signal(signum)
    time.sleep(0.5)
    assert runner.poll() is None, "it waits for a graceful stop"
    runner.send_signal(signum)
    output, _ = runner.communicate(timeout=10)
    assert runner.returncode == 1
    assert "stubborn | did not stop in time; killed" in output
