"""The assign page knows the couple: their rung, active and recently completed steps, the
rung's note; a step they already have active is assigned again only once confirmed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignee, Assignment, AssignmentStatus, OutboxEmail
from counselor.services.delivery import notifications
from tests.support import factories
from tests.support.helpers import assign_form, row_counts


def page_text(response) -> str:
    """The page's text, tags and spacing aside."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def today():
    return timeutil.local_today("America/Chicago")


def test_the_form_shows_the_couples_rung_steps_and_the_rungs_note(logged_in, couple):
    sam = couple.partners[1]
    factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(2),
        title="Hand over the school run",
        assignee=Assignee.PARTNER,
        assignee_partner_id=sam.id,
        times_per_week=2,
        starts_on=today() - timedelta(days=9),
    )
    factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(1),
        title="Keep a log of solo moments",
        status=AssignmentStatus.COMPLETED,
        starts_on=today() - timedelta(days=30),
        ended_on=today() - timedelta(days=3),
    )

    text = page_text(logged_in.get(f"/couples/{couple.id}/assign"))

    rung_two = factories.rung(2)
    assert f"Current rung: {rung_two.position}. {rung_two.title}" in text
    started = (today() - timedelta(days=9)).strftime("%a %d %b")
    assert (
        f"Hand over the school run rung 2 · Only {sam.first_name} · 2× a week · since {started}"
        in text
    )
    ended = (today() - timedelta(days=3)).strftime("%a %d %b")
    assert f"Keep a log of solo moments rung 1 · Each partner · completed {ended}" in text
    # Nothing chosen yet: the note of their current rung.
    note = " ".join(rung_two.counselor_note.split())
    assert f"What to watch for on rung 2, their current rung. {note}" in text


def test_the_note_follows_the_chosen_template(logged_in, couple):
    factories.AssignmentFactory(couple=couple, rung=factories.rung(2))
    template = factories.template("weekly-money-check-in")
    text = page_text(logged_in.get(f"/couples/{couple.id}/assign?template={template.key}"))
    note = " ".join(template.rung.counselor_note.split())
    assert f"What to watch for on rung {template.rung.position}. {note}" in text


def test_a_couple_without_steps_is_told_so(logged_in, couple):
    text = page_text(logged_in.get(f"/couples/{couple.id}/assign"))
    assert "No active steps yet" in text
    assert "What to watch for" not in text


def test_assigning_a_template_again_asks_first_and_writes_nothing(logged_in, couple):
    first = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())
    assert first.status_code == 302
    existing = db.session.scalar(sa.select(Assignment))
    before = row_counts()

    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())

    assert response.status_code == 409
    assert row_counts() == before
    text = page_text(response)
    started = f"{existing.starts_on.day} {existing.starts_on:%b %Y}"
    assert (
        f"Assign it again? This couple already has \u201c{existing.title}\u201d active, "
        f"since {started}." in text
    )
    page = response.get_data(as_text=True)
    assert 'class="is-duplicate"' in page  # the existing step is marked in the list
    assert 'name="allow_duplicate" value="y"' in page
    # The confirming form carries the same step, not an empty one.
    assert 'name="template_key" value="hand-over-a-chore"' in page


def test_confirming_assigns_it_again(logged_in, couple):
    logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())
    logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())  # asks

    confirmed = logged_in.post(
        f"/couples/{couple.id}/assign", data=assign_form(allow_duplicate="y")
    )

    assert confirmed.status_code == 302
    steps = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    assert len(steps) == 2
    assert {s.template_id for s in steps} == {factories.template("hand-over-a-chore").id}
    assert all(s.status == AssignmentStatus.ACTIVE for s in steps)


def test_a_custom_step_titled_like_an_active_one_on_its_rung_asks_too(logged_in, couple):
    rung = factories.rung(3)
    factories.AssignmentFactory(couple=couple, rung=rung, title="Name one fear")
    form = {**assign_form(rung_id=str(rung.id), title="name one fear"), "template_key": ""}

    response = logged_in.post(f"/couples/{couple.id}/assign", data=form)

    assert response.status_code == 409
    assert "Assign it again?" in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 1


def test_an_ended_step_is_assigned_again_without_asking(logged_in, couple):
    factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(2),
        template=factories.template("hand-over-a-chore"),
        status=AssignmentStatus.COMPLETED,
        ended_on=today(),
    )
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())
    assert response.status_code == 302


@pytest.mark.parametrize(("ticked", "expected"), [(None, False), ("y", True)])
def test_the_send_now_box_reaches_the_new_step_email(
    logged_in, couple, monkeypatch, ticked, expected
):
    calls = []
    real = notifications.notify_new_step

    def spy(assignment, *, send_now=False):
        calls.append(send_now)
        return real(assignment, send_now=send_now)

    monkeypatch.setattr(notifications, "notify_new_step", spy)
    form = logged_in.get(f"/couples/{couple.id}/assign?template=hand-over-a-chore")
    assert "Send the email now, even in the partner&#39;s quiet hours" in form.get_data(
        as_text=True
    )

    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form(send_now=ticked))

    assert response.status_code == 302
    assert calls == [expected]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 2
