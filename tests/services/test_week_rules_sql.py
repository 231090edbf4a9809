"""The week rules' SQL forms agree with their Python forms, on both databases:
``week_start_sql`` with ``timeutil.week_start``, and done per week grouped by the database
(``done_by_week_sql``, read by ``done_from_weeks``) with ``done_in_week`` — over many
random check-ins (Hypothesis), each or single-partner steps and together ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignee, Assignment, CheckIn, Partner
from counselor.services.progress import week_rules
from counselor.tenancy import across_practices
from tests.support import factories

FIRST = date(2026, 4, 27)  # a Monday
WEEKS = 3
MONDAYS = [FIRST + timedelta(weeks=n) for n in range(WEEKS)]
LAST = FIRST + timedelta(weeks=WEEKS) - timedelta(days=1)


def test_week_start_in_sql_is_the_monday_of_its_week(app, database_url):
    """Every day of two years — both year ends, a leap day, each weekday — in one query."""
    days = [date(2027, 12, 20) - timedelta(days=n) for n in range(730)]
    chunks = [days[n : n + 200] for n in range(0, len(days), 200)]  # SQLite: ≤ 2,000 columns
    for chunk in chunks:
        row = db.session.execute(
            sa.select(*(week_rules.week_start_sql(sa.literal(day, sa.Date)) for day in chunk))
        ).one()
        assert list(row) == [timeutil.week_start(day) for day in chunk]


# Iran's clocks went forward at the midnight that began Monday 22 March 2021 (tzdata:
# "Mar 21 24:00"): in that zone the Monday's 00:00 never happened.
MIDNIGHT_DST_ZONE, DST_MONDAY = "Asia/Tehran", date(2021, 3, 22)


def test_week_start_in_sql_ignores_the_sessions_time_zone(app, database_url):
    """The Monday is the local date's, whatever TimeZone the database session runs in —
    even in a zone whose clocks change at Monday 00:00."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SET LOCAL TIME ZONE '{MIDNIGHT_DST_ZONE}'"))
    days = [DST_MONDAY + timedelta(days=n) for n in range(-3, 10)]
    row = db.session.execute(
        sa.select(*(week_rules.week_start_sql(sa.literal(day, sa.Date)) for day in days))
    ).one()
    assert list(row) == [timeutil.week_start(day) for day in days]
    assert row[3] == row[9] == DST_MONDAY


@pytest.fixture
def steps(counselor) -> tuple[list[Assignment], list[Partner]]:
    """An each step, a together step and one for the second partner only."""
    couple = factories.CoupleFactory(counselor=counselor)
    one, two = couple.partners
    start = FIRST - timedelta(days=3)
    made = [
        factories.AssignmentFactory(couple=couple, assignee=assignee, starts_on=start, **extra)
        for assignee, extra in (
            (Assignee.EACH, {}),
            (Assignee.TOGETHER, {}),
            (Assignee.PARTNER, {"assignee_partner": two}),
        )
    ]
    db.session.commit()
    return made, [one, two]


# (step 0–2, partner 0–1, day 0–20 of the weeks, how many that day)
checkins_strategy = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(0, 1),
        st.integers(-2, WEEKS * 7 + 1),  # a day either side of the weeks read, too
        st.integers(1, 3),
    ),
    max_size=30,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(checkins=checkins_strategy)
def test_done_by_week_in_sql_agrees_with_done_in_week(app, database_url, steps, checkins):
    assignments, partners = steps
    ids = [a.id for a in assignments]
    partner_ids = [p.id for p in partners]
    db.session.execute(across_practices(sa.delete(CheckIn).where(CheckIn.assignment_id.in_(ids))))
    for step, partner, day, times in checkins:
        for _ in range(times):
            factories.CheckInFactory(
                assignment=assignments[step],
                partner=partners[partner],
                occurred_on=FIRST + timedelta(days=day),
            )
    db.session.flush()

    day_counts = week_rules.checkin_day_counts(ids, FIRST, LAST, across_practices=True)
    per_partner, together_days = week_rules.done_by_week_sql(
        sa.select(Assignment.id).where(Assignment.id.in_(ids)), FIRST, LAST
    )
    week_done: week_rules.WeekDone = {}
    for assignment_id, partner_id, monday, number, _sum, _ratings in db.session.execute(
        across_practices(per_partner)
    ):
        week_done[(assignment_id, partner_id, monday)] = number
    for assignment_id, monday, days in db.session.execute(across_practices(together_days)):
        week_done[(assignment_id, week_rules.TOGETHER_KEY, monday)] = days

    for assignment in assignments:
        for partner_id in partner_ids:
            for monday in MONDAYS:
                in_python = week_rules.done_in_week(assignment, partner_id, monday, day_counts)
                in_sql = week_rules.done_from_weeks(assignment, partner_id, monday, week_done)
                assert in_sql == in_python, (assignment.assignee, partner_id, monday, checkins)
    db.session.rollback()
