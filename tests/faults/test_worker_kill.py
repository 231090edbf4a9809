"""Kill a worker with SIGKILL in the middle of a fan-out of 500 rows — reminders to a real SMTP
server, events to a real webhook receiver: nothing is lost, and a duplicate can only come
from the documented window (the other side accepted, our commit had not happened), which
the worker logs as a reclaim.

Minutes of fan-outs, marked ``long`` (`make test-long`): one kill per kind, then twenty. A
worker SIGKILLed mid-task is also in `make test`: test_report_worker_killed.py."""

from __future__ import annotations

import os
import random
import time

import pytest

from counselor.extensions import db
from counselor.models import Couple, Partner
from counselor.services.audit import Actor
from tests.faults.outboxes import FaultOutbox, rows_not_done
from tests.support import factories
from tests.support.processes import CeleryWorker, worker_env

ROWS = 500
LONG_KILL_POINTS = int(os.environ.get("COUNSELOR_FAULT_KILL_POINTS", "20"))
# Workers in other processes read and write the rows.
pytestmark = [pytest.mark.committed_db, pytest.mark.long]


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    # Workers in several processes write at once: the scaled-out setup, on PostgreSQL.
    if not database_url.startswith("postgresql"):
        pytest.skip("the kill test runs against PostgreSQL (and Redis)")


def make_partners(counselor, number: int) -> list[int]:
    couples = [
        Couple(practice_id=counselor.practice_id, counselor_id=counselor.id, label=f"K{n}")
        for n in range(number // 2)
    ]
    for n, couple in enumerate(couples):
        couple.partners = [
            # No quiet hours: the reminders go whatever the hour the test runs at.
            Partner(
                position=p,
                first_name=f"P{n}",
                email=f"k{n}-{p}@example.org",
                timezone="UTC",
                quiet_start_hour=0,
                quiet_end_hour=0,
            )
            for p in (1, 2)
        ]
    db.session.add_all(couples)
    db.session.commit()
    return [p.id for c in couples for p in c.partners]


# On a busy machine an attempt can outlast the 1 s timeout: a failure, after which the
# endpoint's waiting and new deliveries are held for its backoff (webhooks.emit reads the
# failures as they are at the INSERT), so draining may take that long.
DRAIN_SECONDS = 300


def wait_until_drained(
    outbox: FaultOutbox, ids: list[int], app, timeout: float = DRAIN_SECONDS
) -> None:
    deadline = time.monotonic() + timeout
    while (left := rows_not_done(outbox.kind, ids)) and time.monotonic() < deadline:
        # Beat's sweep, by hand: hand over rows never sent or left behind by the dead worker.
        app.extensions["celery"].send_task(outbox.sweep_task)
        time.sleep(1.0)
    assert left == 0, f"{left} of {len(ids)} rows still not accepted"


@pytest.mark.parametrize(
    "kill_points",
    [1, LONG_KILL_POINTS],
    ids=["1-kill", f"{LONG_KILL_POINTS}-kills"],
)
def test_sigkill_during_fan_out_loses_nothing(app, outbox, redis_server, tmp_path, kill_points):
    app.config.update(MAIL_BATCH_SIZE=25, MAIL_CLAIM_LEASE_SECONDS=2)
    celery = app.extensions["celery"]
    celery.conf.broker_url = redis_server.url
    env = worker_env(app, redis_server.url)
    env.update({f"COUNSELOR_{name}": value for name, value in outbox.worker_settings.items()})
    counselor = factories.CounselorFactory()
    outbox.subscribe(Actor.for_counselor(counselor))
    partner_ids = make_partners(counselor, ROWS)
    rng = random.Random(int(os.environ.get("COUNSELOR_FAULT_SEED", "7")))
    duplicates_total = reclaims_total = 0

    for round_number in range(kill_points):
        outbox.forget_arrivals()
        worker = CeleryWorker(env, tmp_path / f"worker-{round_number}.log")
        worker.start()
        ids = outbox.write(counselor.practice_id, partner_ids, round_number)
        time.sleep(rng.uniform(1.5, 4.0))  # the worker is starting up, or in the middle
        worker.kill()
        restarted = CeleryWorker(env, tmp_path / f"worker-{round_number}-again.log")
        restarted.start()
        try:
            wait_until_drained(outbox, ids, app)
        finally:
            restarted.stop()

        received = outbox.arrivals()
        lost = [i for i in ids if received[i] == 0]
        duplicated = {i for i in ids if received[i] > 1}
        reclaimed = outbox.reclaimed(worker.output() + restarted.output())
        assert lost == [], f"round {round_number}: {len(lost)} rows lost"
        assert duplicated <= reclaimed, (
            f"round {round_number}: duplicates outside the documented window: "
            f"{sorted(duplicated - reclaimed)}"
        )
        duplicates_total += len(duplicated)
        reclaims_total += len(reclaimed)
    print(
        f"\n{outbox.kind.model.__tablename__}: {kill_points} SIGKILLs, {ROWS} rows each: 0 lost, "
        f"{duplicates_total} duplicates, all inside the {reclaims_total} logged reclaims"
    )
