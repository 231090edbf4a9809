"""Replies, briefly: the other partner's one reply to a shared reflection, the counselor's
note on any reflection, who reads each, and the "Your counselor replied" email, which
carries none of the note."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    CheckIn,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    ReflectionReply,
    ReplyKind,
    Visibility,
)
from counselor.services.couples.links import partner_actor
from counselor.services.delivery import mail
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import checkins, replies
from counselor.services.pages.partner_page import partner_homework
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock", "actor", "send_task")

NOTE = "note-5e1a I could hear how hard that was"
REPLY = "reply-c0ffee I felt it too"


@pytest.fixture
def alex(couple):
    return couple.partners[0]


@pytest.fixture
def sam(couple):
    return couple.partners[1]


@pytest.fixture
def shared(couple, alex):
    assignment = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=2))
    return factories.CheckInFactory(
        assignment=assignment,
        partner=alex,
        occurred_on=TODAY - timedelta(days=1),
        reflection="I asked Sam about the email.",
        visibility=Visibility.SHARED,
    )


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def replied_emails() -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.COUNSELOR_REPLIED)
        )
    )


# --- the partner's reply -----------------------------------------------------------------


def test_a_partner_replies_once_and_the_author_reads_it(alex, sam, shared):
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, f"  {REPLY}  ")

    with pytest.raises(InvalidInput, match="replied to this already"):
        replies.reply_to_reflection(partner_actor(sam), sam, shared.id, "And another thing")
    assert partner_homework(alex).replies_to_mine[shared.id].body == REPLY
    assert partner_homework(sam).my_replies[shared.id].body == REPLY
    assert actions()[-1] == replies.REPLY_CREATE_ACTION


@pytest.mark.parametrize("body", ["", "   ", "x" * (replies.REPLY_MAX + 1)])
def test_an_empty_or_long_reply_is_refused_and_nothing_written(sam, shared, body):
    with pytest.raises(InvalidInput):
        replies.reply_to_reflection(partner_actor(sam), sam, shared.id, body)
    assert replies.couple_replies(shared.assignment.couple_id) == {}


def test_only_a_reflection_shared_with_the_partner_can_be_replied_to(alex, sam, shared):
    with pytest.raises(NotFound):  # one's own
        replies.reply_to_reflection(partner_actor(alex), alex, shared.id, REPLY)
    shared.visibility = Visibility.COUNSELOR
    db.session.commit()
    with pytest.raises(NotFound):
        replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)


def test_a_held_back_reflection_cannot_be_replied_to(couple, sam, shared):
    couple.reveal_together = True
    shared.occurred_on = TODAY
    db.session.commit()

    with pytest.raises(NotFound):
        replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)


def test_taking_a_reply_back_hides_it_from_the_author_and_a_new_one_takes_its_place(
    alex, sam, shared
):
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)
    replies.take_back_reply(partner_actor(sam), sam, shared.id)

    assert partner_homework(alex).replies_to_mine == {}
    [kept] = replies.couple_replies(shared.assignment.couple_id)[shared.id].values()
    assert kept.removed_at is not None and kept.body == REPLY  # the counselor still reads it
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, "Kinder words")
    assert partner_homework(alex).replies_to_mine[shared.id].body == "Kinder words"
    assert actions()[-3:] == [
        replies.REPLY_CREATE_ACTION,
        replies.REPLY_REMOVE_ACTION,
        replies.REPLY_CREATE_ACTION,
    ]


def test_a_withdrawn_reflection_takes_its_reply_with_it_from_the_author(alex, sam, shared):
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)
    checkins.withdraw_reflection(partner_actor(alex), alex, shared.id)

    assert partner_homework(alex).replies_to_mine == {}
    assert replies.couple_replies(shared.assignment.couple_id)[shared.id][ReplyKind.PARTNER]


# --- the counselor's note ----------------------------------------------------------------


def test_a_note_is_written_changed_removed_and_restored(actor, alex, shared):
    replies.write_note(actor, shared.id, NOTE)
    replies.write_note(actor, shared.id, NOTE)  # the same words: no change
    replies.write_note(actor, shared.id, "Thank you for writing this.")
    assert [n.note.body for n in partner_homework(alex).notes_to_me] == [
        "Thank you for writing this."
    ]

    replies.remove_note(actor, shared.id)
    assert partner_homework(alex).notes_to_me == []
    replies.restore_note(actor, shared.id)
    assert len(partner_homework(alex).notes_to_me) == 1
    assert actions()[-4:] == [
        replies.NOTE_CREATE_ACTION,
        replies.NOTE_CHANGE_ACTION,
        replies.NOTE_REMOVE_ACTION,
        replies.NOTE_RESTORE_ACTION,
    ]


def test_a_note_goes_on_a_counselor_only_reflection_too_and_only_its_author_reads_it(
    actor, alex, sam, shared
):
    shared.visibility = Visibility.COUNSELOR
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)

    assert len(partner_homework(alex).notes_to_me) == 1
    assert partner_homework(sam).notes_to_me == []


def test_audit_events_carry_no_words(actor, sam, shared):
    replies.write_note(actor, shared.id, NOTE)
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)
    rows = db.session.execute(sa.select(AuditEvent)).scalars()
    text = " ".join(f"{r.action} {r.object_type} {r.object_id}" for r in rows)

    assert "note-5e1a" not in text and "c0ffee" not in text


def test_presets_name_the_next_sessions_day_and_date_on_the_authors_clock(couple, alex):
    assert replies.note_presets(None, alex.timezone)[0] == (
        "Thank you — let's talk about this at our next session."
    )
    # Friday 15 May, 02:00 UTC: still Thursday evening in Chicago.
    start = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)
    assert replies.note_presets(start, alex.timezone)[0] == (
        "Thank you — let's talk about this on Thursday 14 May."
    )
    factories.SessionFactory(couple=couple, starts_at=start)
    assert replies.next_session_start(couple.id, NOW) == start


# --- "Your counselor replied" --------------------------------------------------------------


def test_no_email_unless_the_practice_allows_it(actor, shared):
    replies.write_note(actor, shared.id, NOTE)

    assert replied_emails() == []


def test_the_email_names_no_words_of_the_note_and_goes_once_a_day(actor, couple, alex, shared):
    couple.practice.email_counselor_replies = True
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)
    replies.remove_note(actor, shared.id)
    replies.write_note(actor, shared.id, NOTE + " again")

    [email] = replied_emails()
    assert email.partner_id == alex.id
    message = mail.build_message(email)
    whole = message.as_string() + "".join(
        part.get_content() for part in message.walk() if not part.is_multipart()
    )
    assert message["Subject"] == "A new note on your page"  # discreet, as every other
    assert alex.first_name in whole and couple.practice.name in whole
    assert re.search(r"/p/[\w-]+", whole)  # a fresh link
    for marker in ("note-5e1a", "hear how hard", "asked Sam"):
        assert marker not in whole


def test_a_note_after_the_days_email_went_adds_none_though_that_email_counts_on_the_cap(
    actor, couple, alex, shared, clock
):
    couple.practice.email_counselor_replies = True
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)
    [email] = replied_emails()
    email.status, email.sent_at = OutboxStatus.SENT, clock.now
    replies.remove_note(actor, shared.id)
    clock.advance(timedelta(hours=3))
    replies.write_note(actor, shared.id, NOTE + " again")

    assert replied_emails() == [email]


def test_the_subject_names_the_counselor_only_when_the_practice_allows_it(actor, couple, shared):
    couple.practice.email_counselor_replies = True
    couple.practice.email_names_counselor = True
    couple.counselor.name = "Dana Whitfield"
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)

    [email] = replied_emails()
    assert mail.build_message(email)["Subject"] == "A note from Dana Whitfield"


def test_the_email_keeps_quiet_hours_and_stopped_emails(actor, couple, alex, shared, clock):
    couple.practice.email_counselor_replies = True
    alex.unsubscribed_at = NOW
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)
    assert replied_emails() == []

    alex.unsubscribed_at = None
    db.session.commit()
    replies.remove_note(actor, shared.id)
    clock.set(datetime(2026, 5, 14, 3, 0, tzinfo=UTC))  # 22:00 in Chicago: quiet hours
    replies.write_note(actor, shared.id, NOTE)
    [email] = replied_emails()
    assert email.next_attempt_at is not None and email.next_attempt_at > clock.now


def test_an_email_waiting_when_the_practice_turns_it_off_is_not_sent(actor, couple, shared):
    from counselor.services.delivery.email_content import reason_not_to_send

    couple.practice.email_counselor_replies = True
    db.session.commit()
    replies.write_note(actor, shared.id, NOTE)
    couple.practice.email_counselor_replies = False
    db.session.commit()

    [email] = replied_emails()
    assert reason_not_to_send(email) is not None


# --- deleting the reflection's check-in ------------------------------------------------------


@pytest.mark.parametrize("kind", [ReplyKind.PARTNER, ReplyKind.COUNSELOR])
def test_a_checkin_with_a_reply_or_a_note_can_be_deleted_and_takes_them_with_it(
    actor, alex, sam, shared, kind
):
    if kind == ReplyKind.PARTNER:
        reply = replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)
    else:
        reply = replies.write_note(actor, shared.id, NOTE)
    reply_id, checkin_id = reply.id, shared.id
    db.session.commit()

    checkins.delete_checkin(partner_actor(alex), alex, checkin_id)
    db.session.commit()

    db.session.expire_all()
    assert count_rows(ReflectionReply) == 0
    assert db.session.get(CheckIn, checkin_id) is None
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.object_id).order_by(AuditEvent.id)
    ).all()
    assert [tuple(e) for e in events[-2:]] == [
        (replies.REPLY_DELETE_ACTION, reply_id),
        ("checkin.delete", checkin_id),
    ]


def test_deleting_a_checkin_leaves_other_reflections_replies_alone(actor, alex, sam, shared):
    other = factories.CheckInFactory(
        assignment=shared.assignment,
        partner=alex,
        occurred_on=TODAY - timedelta(days=2),
        reflection="Another one.",
        visibility=Visibility.SHARED,
    )
    replies.write_note(actor, shared.id, NOTE)
    kept = replies.write_note(actor, other.id, NOTE)

    checkins.delete_checkin(partner_actor(alex), alex, shared.id)

    assert [r.id for r in db.session.scalars(sa.select(ReflectionReply))] == [kept.id]


def test_a_reply_is_taken_back_by_its_author_even_when_the_reflection_is_held_back_again(
    couple, alex, sam, shared
):
    couple.reveal_together = True
    shared.occurred_on = TODAY
    mine = factories.CheckInFactory(
        assignment=shared.assignment, partner=sam, occurred_on=TODAY, reflection="Mine"
    )
    replies.reply_to_reflection(partner_actor(sam), sam, shared.id, REPLY)
    checkins.delete_checkin(partner_actor(sam), sam, mine.id)
    with pytest.raises(NotFound):  # held back from Sam again
        replies.readable_by(sam, shared.id)

    assert replies.own_reply(sam, shared.id).body == REPLY
    with pytest.raises(NotFound):  # someone else's reply is not theirs to take back
        replies.own_reply(alex, shared.id)
    replies.take_back_reply(partner_actor(sam), sam, shared.id)
    assert partner_homework(alex).replies_to_mine == {}


# --- a double tap: another request writes between the look-up and the insert -------------


def race_on_lookup(monkeypatch, kind: ReplyKind, check_in, body: str) -> None:
    """The first look-up of a ``kind`` reply finds none, and just after it another request
    commits one with ``body`` (the unique key on check-in and kind then refuses ours)."""
    lookup = replies._reply
    raced = []

    def racing_lookup(checkin_id, wanted):
        if wanted == kind and not raced:
            raced.append(checkin_id)
            factories.make_reflection_reply(check_in, kind, body=body)
            return None
        return lookup(checkin_id, wanted)

    monkeypatch.setattr(replies, "_reply", racing_lookup)


def test_a_double_tapped_reply_is_refused_and_writes_nothing_more(monkeypatch, sam, shared):
    db.session.commit()
    race_on_lookup(monkeypatch, ReplyKind.PARTNER, shared, REPLY)
    before = actions()

    with pytest.raises(InvalidInput, match="replied to this already"):
        replies.reply_to_reflection(partner_actor(sam), sam, shared.id, "The second tap")

    [kept] = replies.couple_replies(shared.assignment.couple_id)[shared.id].values()
    assert kept.body == REPLY and actions() == before


def test_a_double_tapped_note_changes_the_note_written_first(monkeypatch, actor, couple, shared):
    couple.practice.email_counselor_replies = True
    db.session.commit()
    race_on_lookup(monkeypatch, ReplyKind.COUNSELOR, shared, NOTE)

    note = replies.write_note(actor, shared.id, "Thank you for writing this.")

    [kept] = replies.couple_replies(shared.assignment.couple_id)[shared.id].values()
    assert kept.id == note.id and kept.body == "Thank you for writing this."
    assert actions()[-1] == replies.NOTE_CHANGE_ACTION
    assert replied_emails() == []  # the first request's email, if any, is its own
