"""counselor/task_names.py and tasks/__init__.py: the app ``celery -A tasks worker`` builds —
once per process — registers every task the web process sends and the beat schedules."""

from __future__ import annotations

import json
import subprocess
import sys

from counselor import task_names
from tests.support.processes import ROOT, process_env

NAMES = {value for name, value in vars(task_names).items() if name.isupper()}

# What Celery does on ``-A tasks``: look up ``tasks.app``, import the configured modules.
WORKER_START = """
import importlib, json, tasks
celery = tasks.app
for module in celery.conf.include:
    importlib.import_module(module)
print(json.dumps({"built_once": tasks.app is tasks.app is tasks.celery,
                  "tasks": sorted(celery.tasks),
                  "beat": sorted(entry["task"] for entry in celery.conf.beat_schedule.values())}))
"""


def test_the_worker_builds_its_app_once_and_registers_every_named_task(app):
    env = process_env(
        {
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "CELERY__broker_url": "memory://",
        }
    )
    started = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    worker = json.loads(started.stdout.splitlines()[-1])

    assert worker["built_once"]
    assert set(worker["tasks"]) >= NAMES
    assert set(worker["beat"]) <= NAMES


def test_the_beat_sweeps_both_outboxes_every_minute(app):
    schedule = app.extensions["celery"].conf.beat_schedule.values()
    sweeps = {entry["task"]: entry["schedule"] for entry in schedule}
    assert sweeps[task_names.DELIVER_DUE_EMAILS] == sweeps[task_names.DELIVER_DUE_WEBHOOKS] == 60
