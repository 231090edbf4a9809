"""The report's data from the database: the session's agenda and last time's notes reach
page 1 and the fingerprint, the paper follows the practice, the figures the new talking
points need are filled in, and the number of statements is fixed: it does not grow with
the data, and a new one shows here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from counselor.extensions import db
from counselor.models import Assignee, CoupleSession
from counselor.services.reports.report_data import build_report_data, fingerprint
from reports import render_pre_session_report
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_statements
from tests.support.pdf_text import page_texts

CHICAGO = ZoneInfo("America/Chicago")
# build_report_data's statements, pinned, from a cold session (as a worker starts): the couple
# with its practice, counselor and partners; the session before the period; the rungs with
# the couple's steps; every check-in of the weeks read; the stored streaks; "Last time"
# (sessions.last_session_with_notes); the leaning acts with their acknowledgements
# (leaning.period_pairs); the weekly check-in's series. It was 19 (16 with a warm session).
STATEMENTS = 8


def session_at(couple, day: date, hour: int = 9, **fields):
    return factories.SessionFactory(
        couple=couple, starts_at=datetime.combine(day, time(hour), CHICAGO), **fields
    )


def page_box(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


@pytest.mark.parametrize(
    ("zone", "choice", "size"),
    [
        ("America/Chicago", None, (612, 792)),
        ("Europe/Berlin", None, (595, 842)),
        ("America/Chicago", "a4", (595, 842)),
        ("Europe/Berlin", "letter", (612, 792)),
    ],
)
def test_the_report_is_on_the_practice_s_paper(clock, actor, counselor, zone, choice, size):
    counselor.practice.timezone, counselor.practice.paper_size = zone, choice
    couple = factories.CoupleFactory(counselor=counselor)
    pdf = render_pre_session_report(build_report_data(couple.id, None))
    assert page_box(pdf) == size


def test_agenda_and_last_time_s_notes_reach_page_one(clock, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    session_at(couple, TODAY - timedelta(days=20), notes="Older notes, not the last.")
    session_at(couple, TODAY - timedelta(days=6), notes="Talked about the move to Leeds.")
    session_at(couple, TODAY - timedelta(days=3), removed_at=clock.now, notes="Removed one.")
    upcoming = session_at(couple, TODAY + timedelta(days=1), agenda="Ask about the new job.")

    data = build_report_data(couple.id, upcoming)

    assert data.agenda == "Ask about the new job."
    assert data.last_session_notes == "Talked about the move to Leeds."
    assert data.last_session_on == TODAY - timedelta(days=6)
    first = " ".join(page_texts(render_pre_session_report(data))[0].split())
    assert "Agenda for this session Ask about the new job." in first
    assert "Last time: notes from" in first and "Talked about the move to Leeds." in first
    assert "Talking points" in first


def test_a_changed_agenda_or_new_notes_change_the_fingerprint(clock, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    before = session_at(couple, TODAY - timedelta(days=7))
    upcoming = session_at(couple, TODAY + timedelta(days=1))
    seen = {fingerprint(build_report_data(couple.id, upcoming))}
    upcoming.agenda = "Start with the holidays."
    seen.add(fingerprint(build_report_data(couple.id, upcoming)))
    before.notes = "Both calmer."
    seen.add(fingerprint(build_report_data(couple.id, upcoming)))
    assert len(seen) == 3
    assert fingerprint(build_report_data(couple.id, upcoming)) in seen  # and stable


def test_the_figures_the_talking_points_need(clock, actor, counselor):
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Zoë"}, {"first_name": "José"}]
    )
    zoe = couple.partners[0]
    monday = TODAY - timedelta(days=TODAY.weekday())
    joint = factories.AssignmentFactory(
        couple=couple, assignee=Assignee.TOGETHER, times_per_week=2, starts_on=monday
    )
    for day, comfort in ((monday, 2), (monday + timedelta(days=1), 4)):
        factories.CheckInFactory(assignment=joint, partner=zoe, occurred_on=day, comfort=comfort)

    data = build_report_data(couple.id, None)

    zoe_row, jose_row = data.partners
    assert (zoe_row.ratings_this_period, zoe_row.last_check_in_on) == (2, monday + timedelta(1))
    assert zoe_row.recent_comforts == (4, 2)  # newest first
    assert (jose_row.ratings_this_period, jose_row.last_check_in_on) == (0, None)
    [row] = data.assignments
    assert row.check_ins_by_partner == (("Zoë", 2), ("José", 0))
    assert row.early_weeks == (("Together", 1),)  # 2 days by Tuesday this week


def test_the_statements_do_not_grow_with_the_data(clock, actor, counselor):
    def statements(couple, session) -> int:
        with count_statements() as counter:
            build_report_data(couple.id, session)
        return counter.count

    small = factories.CoupleFactory(counselor=counselor)  # one of everything
    one_step = factories.AssignmentFactory(couple=small, starts_on=TODAY - timedelta(weeks=1))
    factories.CheckInFactory(
        assignment=one_step, partner=small.partners[0], occurred_on=TODAY, reflection="Hm."
    )
    small_session = session_at(small, TODAY + timedelta(days=1))
    big = factories.CoupleFactory(counselor=counselor)
    for weeks_ago in range(4):
        session_at(big, TODAY - timedelta(weeks=weeks_ago + 1), notes=f"Notes {weeks_ago}")
    for _ in range(3):
        step = factories.AssignmentFactory(couple=big, starts_on=TODAY - timedelta(weeks=6))
        for days_ago in range(0, 30, 3):
            factories.CheckInFactory(
                assignment=step,
                partner=big.partners[days_ago % 2],
                occurred_on=TODAY - timedelta(days=days_ago),
                comfort=3,
                reflection="A few words.",
            )
    big_session = session_at(big, TODAY + timedelta(days=1), agenda="Plenty.")

    assert statements(big, big_session) == statements(small, small_session) == STATEMENTS


@pytest.mark.parametrize("steps", [2, 8])
def test_one_couple_s_data_in_the_same_few_statements_for_2_or_8_steps(
    clock, actor, counselor, steps
):
    """Cold, as a report worker starts (nothing of the couple loaded yet): the statements
    do not grow with the steps, their check-ins, reflections or sessions."""
    couple = factories.CoupleFactory(counselor=counselor)
    for weeks_ago in range(3):
        session_at(couple, TODAY - timedelta(weeks=weeks_ago + 1), notes=f"Notes {weeks_ago}")
    for n in range(steps):
        step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=9))
        for days_ago in range(n % 3, 60, 4):
            factories.CheckInFactory(
                assignment=step,
                partner=couple.partners[days_ago % 2],
                occurred_on=TODAY - timedelta(days=days_ago),
                comfort=1 + days_ago % 5,
                reflection="Some words." if days_ago % 3 == 0 else None,
            )
    upcoming_id = session_at(couple, TODAY + timedelta(days=1), agenda="Plenty.").id
    db.session.expunge_all()
    upcoming = db.session.get(CoupleSession, upcoming_id)

    with count_statements() as counter:
        data = build_report_data(couple.id, upcoming)

    assert len(data.assignments) == steps and data.reflections
    assert counter.count == STATEMENTS, counter.statements
