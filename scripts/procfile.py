"""Run a Procfile's processes together, their output prefixed; Ctrl-C stops them in order.

``make run`` and ``make dev`` use this instead of honcho because a graceful stop
needs three things honcho does not do: signal only each process's leader (the
gunicorn or Celery master, which stops its own children; honcho signals the
whole process group, so Celery's pool children die under the master and it logs
them as errors), wait as long as a warm shutdown takes (honcho kills after 5 s),
and exit 0 when the stop was asked for (honcho exits 130, which make reports as
an error).

Usage: python scripts/procfile.py PROCFILE
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

STOP_TIMEOUT_SECONDS = 30  # a Celery warm shutdown waits for running tasks
POLL_SECONDS = 0.2


def read_procfile(path: Path) -> dict[str, str]:
    """``name: command`` lines, in order; blank lines and ``#`` comments skipped."""
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


class Supervisor:
    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries
        self.width = max(len(name) for name in entries)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.output_lock = threading.Lock()
        self.stop_requested = threading.Event()
        self.hurry = threading.Event()
        self.pumps: list[threading.Thread] = []

    def say(self, name: str, text: str) -> None:
        with self.output_lock:
            sys.stdout.write(f"{name:<{self.width}} | {text}\n")
            sys.stdout.flush()

    def start(self) -> None:
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, command in self.entries.items():
            # A session of its own: the terminal's Ctrl-C reaches only this supervisor,
            # which then asks each process to stop.
            process = subprocess.Popen(  # noqa: S602 - Procfile lines are shell commands
                command,
                shell=True,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[name] = process
            pump = threading.Thread(target=self._pump, args=(name, process), daemon=True)
            pump.start()
            self.pumps.append(pump)

    def _pump(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(name, raw.decode(errors="replace").rstrip("\n"))

    def run(self) -> int:
        """Until a stop is asked for or a process ends; then stop the rest. The exit code is
        0 when the stop was asked for and every process ended cleanly."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        self.start()
        while not self.stop_requested.is_set() and not self._any_ended():
            time.sleep(POLL_SECONDS)
        asked = self.stop_requested.is_set()
        for name, process in self.processes.items():
            if not asked and process.poll() is not None:
                self.say(name, f"exited with code {process.returncode}; stopping the others")
        self._stop_all()
        for pump in self.pumps:
            pump.join(timeout=1)
        # Ending on the SIGTERM we sent (no handler of its own) is a clean stop too.
        unclean = {
            name: process.returncode
            for name, process in self.processes.items()
            if process.returncode not in (0, -signal.SIGTERM)
        }
        if asked:
            for name, code in unclean.items():
                self.say(name, f"exited with code {code}")
        return 0 if asked and not unclean else 1

    def _on_signal(self, _signum: int, _frame: object) -> None:
        if self.stop_requested.is_set():
            self.hurry.set()  # a second Ctrl-C: do not wait for a graceful stop
        self.stop_requested.set()

    def _any_ended(self) -> bool:
        return any(process.poll() is not None for process in self.processes.values())

    def _all_ended(self) -> bool:
        return all(process.poll() is not None for process in self.processes.values())

    def _stop_all(self) -> None:
        """SIGTERM to each leader, then SIGKILL to the groups still there after the timeout."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while not self._all_ended() and time.monotonic() < deadline and not self.hurry.is_set():
            time.sleep(POLL_SECONDS)
        for name, process in self.processes.items():
            if process.poll() is None:
                self.say(name, "did not stop in time; killed")
                with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__.rsplit("Usage: ", 1)[-1])
        return 2
    return Supervisor(read_procfile(Path(argv[0]))).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
