"""Assigning ladder steps, changing and ending them, recording check-ins from the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignee, Assignment, AssignmentStatus, AuditEvent, CheckIn
from tests.support import factories
from tests.support.helpers import row_counts


def today():
    return timeutil.local_today("America/Chicago")


def assign_form(**overrides):
    data = {
        "template_key": "hand-over-a-chore",
        "rung_id": str(factories.rung(2).id),
        "title": "Hand over a chore you usually do",
        "instructions": "Pick the grocery run and let them do it their way.",
        "assignee": "each",
        "times_per_week": "2",
        "starts_on": today().isoformat(),
        "due_on": "",
    }
    data.update(overrides)
    return data


def test_assign_page_lists_the_ladder_and_prefills_a_chosen_template(logged_in, couple):
    picker = logged_in.get(f"/couples/{couple.id}/assign").get_data(as_text=True)
    assert "Ask their view on a work email" in picker
    assert "Write a custom step on this rung" in picker
    chosen = logged_in.get(f"/couples/{couple.id}/assign?template=share-a-minor-worry")
    html = chosen.get_data(as_text=True)
    template = factories.template("share-a-minor-worry")
    assert f'value="{template.title}"' in html.replace("&#39;", "'")
    assert 'name="template_key" type="hidden" value="share-a-minor-worry"' in html


def test_assigning_a_template_with_edited_text_keeps_the_edit(logged_in, couple):
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())
    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(Assignment))
    template = factories.template("hand-over-a-chore")
    assert assignment.template_id == template.id
    assert assignment.template_version == template.version
    assert assignment.instructions == "Pick the grocery run and let them do it their way."
    assert assignment.rung.position == 2
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Hand over a chore you usually do" in page


def test_assigning_a_custom_step_to_one_partner(logged_in, couple):
    partner = couple.partners[1]
    response = logged_in.post(
        f"/couples/{couple.id}/assign",
        data=assign_form(
            template_key="",
            rung_id=str(factories.rung(4).id),
            title="Plan the summer visit together",
            instructions="Sit down on Sunday and sketch the plan.",
            assignee=str(partner.id),
        ),
    )
    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(Assignment))
    assert assignment.template_id is None
    assert assignment.rung.position == 4
    assert (assignment.assignee, assignment.assignee_partner_id) == (Assignee.PARTNER, partner.id)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"times_per_week": "0"}, "times_per_week", "from 1 to 14"),
        ({"times_per_week": "99"}, "times_per_week", "from 1 to 14"),
        ({"times_per_week": "", "template_key": ""}, "times_per_week", "from 1 to 14"),
        ({"title": "", "template_key": ""}, "title", "This field is required."),
        ({"instructions": "  "}, "instructions", "This field is required."),
        (
            {
                "due_on": (today() + timedelta(days=3)).isoformat(),
                "starts_on": (today() + timedelta(days=5)).isoformat(),
            },
            "due_on",
            "on or after the start date",
        ),
        ({"due_on": (today() - timedelta(days=1)).isoformat()}, "due_on", "already passed"),
        ({"assignee": "999999"}, "assignee", "Not a valid choice"),
    ],
)
def test_bad_assignment_input_is_shown_at_the_field_and_writes_nothing(
    logged_in, couple, overrides, field, message
):
    before = row_counts()
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    shown = re.search(rf'<p class="error"(?: id="{field}-error")?>([^<]*)</p>', html)
    assert shown is not None and message in shown.group(1), html[:200]
    assert row_counts() == before


def test_closed_couple_cannot_get_homework(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor, status="closed")
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())
    assert response.status_code == 422
    assert "reopen it to assign homework" in response.get_data(as_text=True)


def test_editing_an_assignment(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    form = logged_in.get(f"/assignments/{assignment.id}/edit").get_data(as_text=True)
    assert 'value="3"' in form
    response = logged_in.post(
        f"/assignments/{assignment.id}/edit",
        data={
            "rung_id": str(assignment.rung_id),
            "title": "Share two small worries",
            "instructions": assignment.instructions,
            "assignee": "together",
            "times_per_week": "2",
            "starts_on": assignment.starts_on.isoformat(),
            "due_on": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (assignment.title, assignment.times_per_week, assignment.assignee) == (
        "Share two small worries",
        2,
        Assignee.TOGETHER,
    )


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_ending_an_assignment(logged_in, couple, status):
    assignment = factories.AssignmentFactory(couple=couple)
    response = logged_in.post(
        f"/assignments/{assignment.id}/end", data={"status": status, "confirmed": "yes"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert assignment.status == AssignmentStatus(status)
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == f"assignment.{status}")
    )


def test_ending_needs_a_known_status(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    assert (
        logged_in.post(f"/assignments/{assignment.id}/end", data={"status": "x"}).status_code == 400
    )
    assert logged_in.get(f"/assignments/{assignment.id}/end").status_code == 405


def test_recording_a_checkin_twice_with_the_same_form_records_one(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    html = logged_in.get(f"/assignments/{assignment.id}/checkins/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {
        "idempotency_key": key,
        "partner_id": str(couple.partners[0].id),
        "occurred_on": today().isoformat(),
        "comfort": "4",
        "reflection": "Felt good to ask.",
        "share_with_partner": "y",
    }
    first = logged_in.post(f"/assignments/{assignment.id}/checkins/new", data=data)
    second = logged_in.post(f"/assignments/{assignment.id}/checkins/new", data=data)
    assert first.status_code == second.status_code == 302
    rows = db.session.scalars(sa.select(CheckIn)).all()
    assert len(rows) == 1
    assert (rows[0].comfort, rows[0].visibility.value, rows[0].source.value) == (
        4,
        "shared",
        "dashboard",
    )


def test_a_future_checkin_is_refused_at_the_field(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    before = row_counts()
    response = logged_in.post(
        f"/assignments/{assignment.id}/checkins/new",
        data={
            "idempotency_key": "k1",
            "partner_id": str(couple.partners[0].id),
            "occurred_on": (today() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert 'id="occurred_on-error">A check-in cannot be in the future.' in response.get_data(
        as_text=True
    )
    assert row_counts() == before


def test_ladder_page_shows_counselor_notes(logged_in):
    html = logged_in.get("/ladder").get_data(as_text=True)
    assert "What to watch for." in html
    assert html.count('class="rung"') >= 5
