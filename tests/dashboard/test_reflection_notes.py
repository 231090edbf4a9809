"""The counselor's side of reveal together and replies: the note on a reflection (preset or
own words; changed; removed after a confirm page, with Undo and Restore), the couple's own
reveal-together choice, Settings › Practice, and the couple page's marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, ReflectionReply, ReplyKind, Visibility
from counselor.services.homework import replies
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def reflection(couple):
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=2))
    return factories.CheckInFactory(
        assignment=step,
        partner=couple.partners[0],
        occurred_on=TODAY,
        reflection="I asked for help.",
        visibility=Visibility.SHARED,
    )


def note_url(couple, check_in, tail=""):
    return f"/couples/{couple.id}/reflections/{check_in.id}/note{tail}"


def the_note(check_in) -> ReflectionReply | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ReflectionReply).where(
            ReflectionReply.checkin_id == check_in.id, ReflectionReply.kind == ReplyKind.COUNSELOR
        )
    )


def test_a_preset_names_the_next_sessions_day_and_date(logged_in, couple, reflection):
    factories.SessionFactory(couple=couple, starts_at=datetime(2026, 5, 14, 20, 0, tzinfo=UTC))
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Thank you — let&#39;s talk about this on Thursday 14 May." in html

    response = logged_in.post(note_url(couple, reflection), data={"preset": "0"})

    assert response.status_code == 302
    assert the_note(reflection).body == "Thank you — let's talk about this on Thursday 14 May."


def test_own_words_win_over_the_preset_and_writing_again_changes_the_note(
    logged_in, couple, reflection
):
    logged_in.post(note_url(couple, reflection), data={"preset": "1", "body": "Well noticed."})
    logged_in.post(note_url(couple, reflection), data={"body": "Well noticed, Alex."})

    assert the_note(reflection).body == "Well noticed, Alex."
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Well noticed, Alex." in html and "Change your note" in html


def test_a_too_long_note_says_why_and_writes_nothing(logged_in, couple, reflection):
    response = logged_in.post(
        note_url(couple, reflection),
        data={"body": "x" * (replies.NOTE_MAX + 1)},
        follow_redirects=True,
    )
    assert f"{replies.NOTE_MAX} characters or fewer" in response.get_data(as_text=True)
    assert the_note(reflection) is None


def test_removing_asks_first_then_offers_undo_and_restore(logged_in, couple, reflection):
    logged_in.post(note_url(couple, reflection), data={"body": "Keep going."})

    confirm = logged_in.get(note_url(couple, reflection, "/remove")).get_data(as_text=True)
    assert "Remove this note?" in confirm
    assert logged_in.post(note_url(couple, reflection, "/remove")).status_code == 200
    assert the_note(reflection).removed_at is None

    response = logged_in.post(note_url(couple, reflection, "/remove"), data={"confirmed": "yes"})
    assert response.status_code == 302
    assert the_note(reflection).removed_at is not None
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Your note to" in html and "Undo" in html
    assert logged_in.post(note_url(couple, reflection, "/restore")).status_code == 302
    assert the_note(reflection).removed_at is None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert replies.NOTE_REMOVE_ACTION in actions and replies.NOTE_RESTORE_ACTION in actions


def test_another_couples_reflection_is_a_404(logged_in, counselor, couple, reflection):
    other = factories.CoupleFactory(counselor=counselor)
    response = logged_in.post(note_url(other, reflection), data={"body": "Hi"})
    assert response.status_code == 404
    assert the_note(reflection) is None


def test_the_couple_page_shows_replies_and_what_is_held_back(logged_in, couple, reflection):
    sam = couple.partners[1]
    factories.make_reflection_reply(reflection, body="reply-a1 Me too", removed_at=None)
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert f"Reply from {sam.first_name}" in html and "reply-a1 Me too" in html
    assert "Held back from" not in html

    response = logged_in.post(
        f"/couples/{couple.id}/reveal-together", data={"reveal_together": "on"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert couple.reveal_together is True
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert f"Held back from {sam.first_name} until they write theirs" in html
    assert "I asked for help." in html  # the counselor reads everything


def test_the_couple_choice_form_refuses_nonsense(logged_in, couple):
    response = logged_in.post(
        f"/couples/{couple.id}/reveal-together", data={"reveal_together": "maybe"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert couple.reveal_together is None


def test_settings_practice_saves_both_choices(logged_in, counselor):
    practice = counselor.practice
    page = logged_in.get("/settings/practice").get_data(as_text=True)
    assert "Reveal shared reflections when both have written" in page
    data = {
        "practice-practice_timezone": practice.timezone,
        "practice-reminder_cadence": practice.reminder_cadence.value,
        "practice-email_detail": practice.email_detail.value,
        "practice-paper_size": "timezone",
        "practice-reveal_together": "y",
        "practice-email_counselor_replies": "y",
    }
    response = logged_in.post("/settings/practice", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert practice.reveal_together is True and practice.email_counselor_replies is True
