"""Figures that read right wherever they appear — the couple page, the pre-session report's
PDF and the API: a step ended mid-week, a together step, two steps with the same title, and
a partner who stopped emails or paused reminders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from counselor.models import (
    Assignee,
    AssignmentStatus,
    Counselor,
    Couple,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    Partner,
)
from counselor.services.couples import links
from counselor.services.couples.email_status import EmailState, EmailStatus, email_status
from counselor.services.delivery import email_content, mail
from counselor.services.homework.lifecycle import end_assignment
from counselor.services.reports import pre_session
from reports import render_pre_session_report
from tests.support import factories
from tests.support.api import make_api_client
from tests.support.clock import Clock
from tests.support.pdf_text import all_text

# The clock fixture's week: Monday 11 May 2026; "now" is Wednesday 13 May, noon in Chicago.
MONDAY = date(2026, 5, 11)
TUESDAY_EVENING = datetime(2026, 5, 12, 23, 0, tzinfo=UTC)  # 18:00 in Chicago


@dataclass
class Views:
    page: str  # the couple page's HTML
    pdf: str  # the report's text, whitespace collapsed
    api: dict  # GET /couples/<id>/progress
    api_couple: dict  # GET /couples/<id>


def views(client: FlaskClient, app: Flask, counselor: Counselor, couple: Couple) -> Views:
    data = pre_session.build_report_data(couple.id, None)
    api = make_api_client(app, counselor.practice)
    return Views(
        page=client.get(f"/couples/{couple.id}").get_data(as_text=True),
        pdf=" ".join(all_text(render_pre_session_report(data)).split()),
        api=api.get(f"/couples/{couple.id}/progress", query_string={"weeks": 2}).get_json(),
        api_couple=api.get(f"/couples/{couple.id}").get_json(),
    )


@pytest.fixture
def couple(counselor: Counselor) -> Couple:
    return factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )


def log(assignment, partner, *days: date) -> None:
    for day in days:
        factories.CheckInFactory(assignment=assignment, partner=partner, occurred_on=day)


def grid(page: str, title: str) -> dict[str, list[str]]:
    """A step's grid on the couple page: row label -> the cells' text."""
    block = page[page.index(f'class="step-title">{title}</h') :]
    table = block[: block.index("</table>")]
    return {
        label: [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
        for label, row in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
        for cells in [re.findall(r"<td>(.*?)</td>", row, re.S)]
    }


# --- a step ended mid-week --------------------------------------------------------------


def test_a_step_ended_mid_week_shows_its_pro_rata_target_never_2_of_1(
    clock: Clock, logged_in, app, counselor, actor, couple
):
    """Three a week; Alex did Monday and Tuesday; the counselor completed it on Tuesday
    evening: its week's target is ceil(3 × 2/7) = 1. Every place shows 1/1, the second
    check-in apart, and never 2/1."""
    alex, _ = couple.partners
    step = factories.AssignmentFactory(
        couple=couple,
        title="Ask for a lift",
        times_per_week=3,
        starts_on=MONDAY - timedelta(weeks=2),
    )
    log(step, alex, MONDAY, MONDAY + timedelta(days=1))
    clock.set(TUESDAY_EVENING)
    end_assignment(actor, step.id, AssignmentStatus.COMPLETED)
    clock.set(TUESDAY_EVENING + timedelta(hours=18))  # Wednesday

    seen = views(logged_in, app, counselor, couple)

    assert grid(seen.page, "Ask for a lift")["Alex"][-1] == "1/1 +1"
    assert "ended Tue 12 May" in seen.page
    assert "2/1" not in seen.page
    assert "1/1 +1" in seen.pdf and "2/1" not in seen.pdf
    assert "completed 12 May" in seen.pdf
    alex_api = next(p for p in seen.api["partners"] if p["first_name"] == "Alex")
    (api_step,) = alex_api["assignments"]
    assert api_step["weeks"][-1] | {"mean_comfort": None} == {
        "week_start": MONDAY.isoformat(),
        "target": 1,
        "done": 2,
        "completion": 1.0,
        "mean_comfort": None,
    }
    # The partner's week counts what counted: 1 of 1, on the page (since the last session)
    # as in the API.
    assert alex_api["weeks"][-1]["target"] == 1 and alex_api["weeks"][-1]["done"] == 1
    figures = seen.page.split('class="period-partner"')[1]
    assert "<strong>1 of 1</strong> this week (100%)" in figures


# --- a together step --------------------------------------------------------------------


def test_a_together_step_has_one_joint_row_and_a_single_partner_step_one_row(
    clock: Clock, logged_in, app, counselor, couple
):
    alex, sam = couple.partners
    joint = factories.AssignmentFactory(
        couple=couple,
        title="Cook a meal together",
        assignee=Assignee.TOGETHER,
        times_per_week=2,
        starts_on=date(2026, 4, 27),
    )
    sams = factories.AssignmentFactory(
        couple=couple,
        title="Ask for a hand",
        assignee=Assignee.PARTNER,
        assignee_partner_id=sam.id,
        times_per_week=2,
        starts_on=MONDAY - timedelta(weeks=2),
    )
    log(joint, alex, MONDAY)
    log(joint, sam, MONDAY, MONDAY + timedelta(days=1))  # Monday logged by both: once
    log(sams, sam, MONDAY)

    seen = views(logged_in, app, counselor, couple)

    assert grid(seen.page, "Cook a meal together") == {"Together": ["·", "0/2", "0/2", "2/2"]}
    assert grid(seen.page, "Ask for a hand") == {"Sam": ["·", "0/2", "0/2", "1/2"]}
    assert "Together · 2× a week" in " ".join(seen.page.split())
    # The report's week-by-week table: one row for the joint step, labelled Together.
    data = pre_session.build_report_data(couple.id, None)
    rows = {a.title: [label for label, _ in a.cells] for a in data.assignments}
    assert rows == {"Cook a meal together": ["Together"], "Ask for a hand": ["Sam"]}
    assert "Cook a meal together Rung 2 · Together" in seen.pdf


# --- two steps with the same title -----------------------------------------------------


def test_two_active_steps_with_the_same_title_are_told_apart_by_their_start_date(
    clock: Clock, logged_in, app, counselor, couple
):
    """On the couple page, in the report, on the partner's page and in an email that lists
    the titles (a practice's choice)."""
    for starts_on in (date(2026, 4, 27), MONDAY):
        factories.AssignmentFactory(couple=couple, title="Ask for a lift", starts_on=starts_on)
    factories.AssignmentFactory(couple=couple, title="Share a worry", starts_on=MONDAY)
    couple.practice.email_detail = EmailDetail.TITLES
    partner = couple.partners[0]
    email = mail.queue_email(partner, EmailKind.REMINDER)
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)

    seen = views(logged_in, app, counselor, couple)
    partner_page = app.test_client().get(f"/p/{token}").get_data(as_text=True)
    reminder = email_content.compose(email)

    for place in (seen.page, seen.pdf, partner_page, reminder.text, reminder.html):
        assert "Ask for a lift (from 27 Apr)" in place
        assert "Ask for a lift (from 11 May)" in place
        assert "Share a worry (from" not in place and "Share a worry" in place


def test_check_ins_listed_under_the_steps_name_their_step_as_the_step_cards_do(
    clock: Clock, logged_in, app, counselor, couple
):
    """The couple page's reflections and the partner's own check-in list tell two steps of
    the same title apart too: otherwise "Ask for a lift" twice says nothing."""
    partner = couple.partners[0]
    for starts_on in (date(2026, 4, 27), MONDAY):
        step = factories.AssignmentFactory(
            couple=couple, title="Ask for a lift", starts_on=starts_on
        )
        factories.CheckInFactory(
            assignment=step, partner=partner, occurred_on=MONDAY, reflection="It went well."
        )
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)

    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    partner_page = app.test_client().get(f"/p/{token}").get_data(as_text=True)

    reflections = page[page.index('id="reflections-h"') :]
    own_list = partner_page[partner_page.index('id="my-checkins-h"') :]
    for listing in (reflections, own_list):
        assert "Ask for a lift (from 27 Apr)" in listing
        assert "Ask for a lift (from 11 May)" in listing


# --- stopped emails, paused reminders ----------------------------------------------------


def test_stopped_emails_and_paused_reminders_show_on_the_page_in_the_pdf_and_the_api(
    clock: Clock, logged_in, app, counselor, couple
):
    alex, sam = couple.partners
    factories.AssignmentFactory(couple=couple, starts_on=MONDAY - timedelta(weeks=2))
    alex.snoozed_until = clock.now + timedelta(days=7)  # until Wednesday 20 May
    sam.unsubscribed_at = clock.now - timedelta(days=1)

    seen = views(logged_in, app, counselor, couple)

    alex_card, sam_card = seen.page.split('class="card partner-card"')[1:3]
    assert "Reminders paused until Wed 20 May" in alex_card
    assert "Stopped emails" in sam_card
    assert re.search(r"Alex .*?paused until 20 May", seen.pdf)
    assert re.search(r"Sam .*?stopped", seen.pdf)
    expected = {
        "Alex": {"state": "paused", "paused_until": "2026-05-20T17:00:00+00:00"},
        "Sam": {"state": "stopped", "paused_until": None},
    }
    assert {p["first_name"]: p["reminders"] for p in seen.api["partners"]} == expected
    assert {p["first_name"]: p["reminders"] for p in seen.api_couple["partners"]} == expected

    clock.advance(days=8)  # the pause is over; only the counselor turns emails back on
    later = views(logged_in, app, counselor, couple)
    assert {p["first_name"]: p["reminders"]["state"] for p in later.api["partners"]} == {
        "Alex": "on",
        "Sam": "stopped",
    }
    assert "paused until" not in later.pdf and "Reminders paused" not in later.page


def test_email_status_reads_the_partner_row_at_a_moment() -> None:
    now = datetime(2026, 5, 13, tzinfo=UTC)
    partner = Partner(first_name="Ade", snoozed_until=now)  # the pause ends right now
    assert email_status(partner, now) == EmailStatus(EmailState.ON)
    partner.snoozed_until = now + timedelta(seconds=1)
    assert email_status(partner, now) == EmailStatus(EmailState.PAUSED, partner.snoozed_until)
    partner.unsubscribed_at = now - timedelta(days=30)  # stopping wins over a pause
    assert email_status(partner, now) == EmailStatus(EmailState.STOPPED)
