"""The couples list's statements are the same text whatever the page holds: psycopg
prepares a statement it has run five times, and PostgreSQL may then plan it once for any
parameters; the page's couple and step ids go as one array (``week_rules.in_one_array``),
so that this plan keeps to the ids' index rather than scanning every check-in of the
practice. On SQLite they are an IN list, the same count of statements either way. The
check-ins read with the steps (``week_rules.checkin_days_sql``) are the week rules' own
day counts (``checkin_day_counts``)."""

from __future__ import annotations

from datetime import timedelta

from counselor import timeutil
from counselor.extensions import db
from counselor.services.pages import dashboard
from counselor.services.pages.dashboard_query import Paging
from counselor.services.progress import week_rules
from tests.support import factories
from tests.support.helpers import count_statements


def _couples(counselor, number: int) -> None:
    today = timeutil.local_today(counselor.practice.timezone)
    for n in range(number):
        couple = factories.CoupleFactory(counselor=counselor, label=f"Couple {n:03d}")
        step = factories.AssignmentFactory(couple=couple)
        for days_ago in range(n % 4):
            factories.CheckInFactory(
                assignment=step,
                partner=couple.partners[n % 2],
                occurred_on=today - timedelta(days=days_ago),
            )
    db.session.commit()


def _page_statements(client) -> list[str]:
    with count_statements() as counter:
        assert client.get("/couples").status_code == 200
    return counter.statements


def test_the_pages_statements_are_the_same_text_for_few_and_many_couples(logged_in, counselor):
    _couples(counselor, 2)
    logged_in.get("/couples")  # warm up: session user, caches
    few = _page_statements(logged_in)
    _couples(counselor, 12)
    many = _page_statements(logged_in)
    assert len(few) == len(many)
    if db.session.get_bind().dialect.name == "postgresql":
        assert few == many
        assert any("= ANY (" in statement for statement in many)


def test_the_check_ins_read_with_the_steps_are_the_week_rules_day_counts(counselor, actor):
    _couples(counselor, 6)
    now = timeutil.utcnow()
    read = dashboard.read_page(paging=Paging(per_page=50), timezone=counselor.timezone)
    evidence = read.evidence
    step_ids = [step.id for steps in evidence.steps.values() for step in steps]
    assert step_ids
    first, last = week_rules.readiness_window(
        [p for partners in read.rows.partners.values() for p in partners],
        now,
    )
    expected = week_rules.checkin_day_counts(step_ids, first, last)
    shown = {key: days for counts in evidence.day_counts.values() for key, days in counts.items()}
    assert shown == dict(expected)
    assert sum(len(days) for days in shown.values()) > 0
