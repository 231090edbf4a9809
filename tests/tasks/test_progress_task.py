"""The two ways a compilation starts: the nightly task (called directly, as the worker
would) and ``flask --app counselor progress compile``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab

import tasks.progress
from counselor import timeutil
from counselor.extensions import db
from counselor.models import PartnerWeek, WeeklyProgress
from tests.support import factories
from tests.support.helpers import count_rows


@pytest.fixture
def couple(counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    today = timeutil.local_today(couple.partners[0].timezone)
    factories.CheckInFactory(assignment=assignment, partner=couple.partners[0], occurred_on=today)
    return couple


def counts() -> tuple[int, int]:
    db.session.rollback()  # end any read transaction: the compile committed its own
    return count_rows(PartnerWeek), count_rows(WeeklyProgress)


def test_nightly_task_compiles_and_is_safe_to_run_twice(couple):
    summary = tasks.progress.compile_progress()
    assert summary["couples"] == 1
    assert summary["partner_weeks"] == 2 * 3  # the step began two weeks ago
    assert counts() == (6, 6)

    again = tasks.progress.compile_progress(weeks=1)
    assert again["partner_weeks"] == 2
    assert counts() == (6, 6)


def test_nightly_task_redoes_only_the_couples_changed_since_its_last_run(counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    step = factories.AssignmentFactory(couple=couple)
    yesterday = timeutil.utcnow() - timedelta(days=1)  # written yesterday, compiled since
    couple.created_at = couple.updated_at = step.created_at = step.updated_at = yesterday
    for partner in couple.partners:
        partner.created_at = yesterday
    db.session.commit()
    first = tasks.progress.compile_progress()
    other = factories.CoupleFactory(counselor=counselor)
    step = factories.AssignmentFactory(couple=other)
    today = timeutil.local_today(other.partners[0].timezone)
    factories.CheckInFactory(assignment=step, partner=other.partners[0], occurred_on=today)
    db.session.commit()

    nightly = tasks.progress.compile_progress()
    assert (first["only_changed"], nightly["only_changed"]) == (False, True)
    assert nightly["couples"] == 1  # the couple just added; the first one did not change
    everyone = tasks.progress.compile_progress(only_changed=False)
    assert (everyone["only_changed"], everyone["couples"]) == (False, 2)


def test_nightly_task_takes_a_first_day_as_an_iso_date(couple):
    since = timeutil.local_today("America/Chicago") - timedelta(days=7)
    summary = tasks.progress.compile_progress(since=since.isoformat())
    assert summary["first_week"] == timeutil.week_start(since).isoformat()


def test_task_is_on_the_beat_schedule_and_included(app):
    conf = app.extensions["celery"].conf
    assert "tasks.progress" in conf.include
    entry = conf.beat_schedule["compile-progress"]
    assert entry["task"] == tasks.progress.compile_progress.name
    assert isinstance(entry["schedule"], crontab)  # once a night
    assert len(entry["schedule"].hour) == 1


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_compiles_with_a_progress_bar_and_prints_the_counts(app, couple):
    result = run(app, "progress", "compile", "--weeks", "2")
    assert result.exit_code == 0, result.output
    assert "Compiling progress" in result.output
    assert "Compiled 1 couples" in result.output
    assert "4 partner-weeks, 4 step-weeks" in result.output
    assert counts() == (4, 4)


def test_cli_since_recomputes_from_that_week(app, couple):
    since = timeutil.local_today("America/Chicago") - timedelta(days=7)
    result = run(app, "progress", "compile", "--since", since.isoformat())
    assert result.exit_code == 0, result.output
    assert f"from the week of {timeutil.week_start(since).isoformat()}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "Invalid value for '--since'"),
        (["--since", "2999-01-01"], "must not be in the future"),
        (["--weeks", "0"], "Invalid value for '--weeks'"),
    ],
)
def test_cli_explains_bad_options_and_writes_nothing(app, couple, args, message):
    result = run(app, "progress", "compile", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert counts() == (0, 0)
