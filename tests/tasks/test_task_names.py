"""counselor/task_names.py and tasks/__init__.py: the app ``celery -A tasks worker`` builds —
once per process — registers every task the web process sends and the beat schedules; each
task waits in its kind of work's queue, `make run` starts workers for every queue, and every
task has time limits."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from counselor import task_names
from tests.support.processes import ROOT, process_env, procfile_workers

NAMES = {
    value for name, value in vars(task_names).items() if name.isupper() and isinstance(value, str)
}

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


def test_the_worker_builds_its_app_once_and_registers_every_named_task(tmp_path):
    """Once, not per backend: building the app reads no database, and the tasks and the
    beat schedule are the same on both."""
    env = process_env(
        {
            "SECRET_KEY": "test-secret-key-that-is-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
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


def registered_tasks(app) -> dict:
    """The app's tasks as a worker has them: registered, with the configured annotations."""
    celery = app.extensions["celery"]
    for module in celery.conf.include:
        importlib.import_module(module)
    celery.finalize()
    return {name: celery.tasks[name] for name in NAMES}


def test_every_task_waits_in_its_kind_of_work_queue(app):
    router = app.extensions["celery"].amqp.router
    queue = {name: router.route({}, name)["queue"].name for name in NAMES}

    assert set(task_names.queue_settings()["task_routes"]) == NAMES  # each chosen, none forgotten
    assert queue[task_names.DELIVER_EMAILS] == queue[task_names.REQUEST_LINK] == "mail"
    assert queue[task_names.DELIVER_WEBHOOKS] == "webhooks"
    assert queue[task_names.GENERATE_REPORT] == "reports"
    elsewhere = {task_names.DELIVER_WEBHOOKS, task_names.GENERATE_REPORT}
    assert "webhooks" not in {queue[name] for name in NAMES - elsewhere}
    assert "reports" not in {queue[name] for name in NAMES - elsewhere}


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
def test_make_run_starts_workers_for_every_queue_and_no_kind_shares_with_webhooks(procfile):
    workers = procfile_workers(ROOT / procfile)
    taken = [queue for worker in workers for queue in worker.queues]
    by_queue = {queue: worker for worker in workers for queue in worker.queues}

    assert sorted(taken) == sorted(queue.value for queue in task_names.Queue)  # each once
    assert by_queue["webhooks"].queues == ("webhooks",)  # a slow receiver holds only these
    assert by_queue["reports"].queues == ("reports",)  # a long render holds only these
    assert [worker.name for worker in workers if worker.beat] == [by_queue["default"].name]
    assert procfile_workers(ROOT / procfile) == procfile_workers(ROOT / "Procfile")


def test_every_task_has_a_soft_limit_under_its_hard_limit(app):
    for name, task in registered_tasks(app).items():
        assert 0 < task.soft_time_limit < task.time_limit, name


def test_a_render_is_stopped_before_its_lease_runs_out(app):
    """Else the sweep would hand a report still being rendered to a second worker."""
    render = registered_tasks(app)[task_names.GENERATE_REPORT]
    assert render.time_limit < app.config["REPORT_RENDER_LEASE_SECONDS"]
