"""Replies to reflections, briefly: one answer of each kind, never a thread.

- **The partner's reply** (``ReplyKind.PARTNER``): the other partner may answer a
  reflection shared with them, once. "Once" means one live reply: taking it back
  (``take_back_reply``) hides it from the reflection's author and leaves it with the
  counselor, marked; the partner may then reply again, and the new words take the old
  one's place (the row is reused: one per reflection and kind). The author reads the
  reply under their shared reflection while it stays shared; withdrawn, the reply goes
  with it (the counselor still reads both).
- **The counselor's note** (``ReplyKind.COUNSELOR``): a short note, or a preset, on any
  reflection. The counselor can change it, remove it (confirm first) and undo the
  removal. The reflection's author reads it on their page; it is never emailed. When
  the practice allows it (``Practice.email_counselor_replies``), a new note sends the
  author an email that the counselor replied (its subject as discreet as any: "A new
  note on your page"), with no words of the note, at most one a local day.

When the reflection's check-in is deleted (its author may, for a while), its replies and
note go with it (``delete_for_checkin``, called by ``checkins.delete_checkin``): what a
partner deletes should not stay readable, and an answer to nothing reads as nothing.

Audit events carry ids only; the words are client text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    CheckIn,
    CoupleSession,
    Partner,
    ReflectionReply,
    ReplyKind,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples.sessions import NOT_REMOVED, over_by
from counselor.services.delivery import notifications
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import reflections
from counselor.services.validation import unstorable
from counselor.tenancy import get_in_practice

REPLY_MAX = 500  # characters: a reply, not a letter
NOTE_MAX = 500


def already_replied() -> str:
    return gettext("You have replied to this already. You can take that reply back.")


REPLY_CREATE_ACTION = "reply.create"
REPLY_REMOVE_ACTION = "reply.remove"
NOTE_CREATE_ACTION = "counselor_note.create"
NOTE_CHANGE_ACTION = "counselor_note.change"
NOTE_REMOVE_ACTION = "counselor_note.remove"
NOTE_RESTORE_ACTION = "counselor_note.restore"
REPLY_DELETE_ACTION = "reply.delete"

# The counselor's presets; ``{when}`` is "on Thursday 14 May" (the day of the couple's next
# session, on the reflection author's clock: the date too, so the note stays true when that
# session is more than a week away) or "at our next session".
NOTE_PRESETS = (
    "Thank you — let's talk about this {when}.",
    "Thank you for writing this.",
)
NO_SESSION = "at our next session"


def _text(value: str | None, limit: int, what: str) -> str:
    text = (value or "").strip()
    if not text:
        if what == "reply":  # the partner's words, in their language
            raise InvalidInput.single("body", gettext("Write a few words for your reply first."))
        raise InvalidInput.single("body", f"Write a few words for your {what} first.")
    if len(text) > limit:
        if what == "reply":
            raise InvalidInput.single(
                "body", gettext("Keep your reply to %(num)s characters or fewer.", num=limit)
            )
        raise InvalidInput.single("body", f"Keep your {what} to {limit} characters or fewer.")
    if problem := unstorable(text):
        raise InvalidInput.single("body", problem)
    return text


def _reply(checkin_id: int, kind: ReplyKind) -> ReflectionReply | None:
    return db.session.scalar(
        sa.select(ReflectionReply).where(
            ReflectionReply.checkin_id == checkin_id, ReflectionReply.kind == kind
        )
    )


def _inserted(row: ReflectionReply) -> bool:
    """Insert a first reply of its kind; ``False`` when another request (a double tap, a
    second tab) inserted one between our look-up and this insert, and the unique key on
    check-in and kind refused ours. Then the transaction is rolled back whole, as
    ``acknowledgements.acknowledge`` does: no savepoint, since SQLite's driver would
    commit the row early, and this is the transaction's first write (a counselor's
    request may have touched its sign-in's last-seen time, which a later one writes)."""
    checkin_id, kind = row.checkin_id, row.kind
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if _reply(checkin_id, kind) is None:
            raise  # not the race: some other constraint
        return False
    return True


# --- the partner's reply -----------------------------------------------------------------


def readable_by(partner: Partner, checkin_id: int) -> CheckIn:
    """The other partner's reflection this partner may read now (shared, not taken back,
    not held back), else ``NotFound`` — as for a check-in that is not there."""
    check_in = get_in_practice(CheckIn, checkin_id)
    if (
        check_in.partner_id == partner.id
        or check_in.assignment.couple_id != partner.couple_id
        or not check_in.reflection
        or not reflections.is_shared(check_in)
    ):
        raise NotFound(f"check-in {checkin_id}")
    own = db.session.scalars(
        sa.select(CheckIn).where(
            CheckIn.partner_id == partner.id, CheckIn.assignment_id == check_in.assignment_id
        )
    )
    if reflections.is_held_back(check_in, partner, own, timeutil.utcnow()):
        raise NotFound(f"check-in {checkin_id}")
    return check_in


def reply_to_reflection(
    actor: Actor, partner: Partner, checkin_id: int, body: str | None
) -> ReflectionReply:
    """The partner's one reply to a reflection shared with them. A live reply already
    there is refused; one taken back is replaced by this one."""
    check_in = readable_by(partner, checkin_id)
    text = _text(body, REPLY_MAX, "reply")
    reply = _reply(check_in.id, ReplyKind.PARTNER)
    if reply is not None and reply.removed_at is None:
        raise InvalidInput.single("body", already_replied())
    if reply is None:
        reply = ReflectionReply(
            practice_id=actor.practice_id,
            couple_id=partner.couple_id,
            checkin_id=check_in.id,
            kind=ReplyKind.PARTNER,
            partner_id=partner.id,
            body=text,
        )
        if not _inserted(reply):
            raise InvalidInput.single("body", already_replied())
    else:
        reply.body = text
        reply.created_at = timeutil.utcnow()
        reply.removed_at = None
        db.session.flush()
    record_event(actor, REPLY_CREATE_ACTION, "reflection_reply", reply.id)
    return reply


def may_read(partner: Partner, checkin_id: int) -> bool:
    """Whether ``readable_by`` lets this partner read the reflection now."""
    try:
        readable_by(partner, checkin_id)
    except NotFound:
        return False
    return True


def own_reply(partner: Partner, checkin_id: int) -> ReflectionReply:
    """This partner's live reply to the reflection, else ``NotFound``. Owning it is what
    lets them take it back, whether or not they may read the reflection now: *reveal
    together* can hold it back again (they deleted their own reflection of that week),
    and its author still reads the reply meanwhile."""
    reply = _reply(checkin_id, ReplyKind.PARTNER)
    if (
        reply is None
        or reply.partner_id != partner.id
        or reply.couple_id != partner.couple_id
        or reply.removed_at is not None
    ):
        raise NotFound(f"reply to check-in {checkin_id}")
    return reply


def take_back_reply(actor: Actor, partner: Partner, checkin_id: int) -> ReflectionReply:
    """Hide the partner's reply from the reflection's author; the counselor still sees it,
    marked as taken back."""
    reply = own_reply(partner, checkin_id)
    reply.removed_at = timeutil.utcnow()
    db.session.flush()
    record_event(actor, REPLY_REMOVE_ACTION, "reflection_reply", reply.id)
    return reply


def replies_given_by(partner: Partner, checkin_ids: Iterable[int]) -> dict[int, ReflectionReply]:
    """This partner's live replies to the listed reflections, by check-in id."""
    ids = list(checkin_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ReflectionReply).where(
            ReflectionReply.checkin_id.in_(ids),
            ReflectionReply.kind == ReplyKind.PARTNER,
            ReflectionReply.partner_id == partner.id,
            ReflectionReply.removed_at.is_(None),
        )
    )
    return {reply.checkin_id: reply for reply in rows}


def replies_received(partner: Partner, checkin_ids: Iterable[int]) -> dict[int, ReflectionReply]:
    """The other partner's live replies to this partner's listed reflections, by check-in
    id. The caller lists reflections still shared (``reflections_shared_by``): a
    withdrawn reflection takes its reply with it, from its author's page too."""
    ids = list(checkin_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ReflectionReply).where(
            ReflectionReply.checkin_id.in_(ids),
            ReflectionReply.kind == ReplyKind.PARTNER,
            ReflectionReply.partner_id != partner.id,
            ReflectionReply.removed_at.is_(None),
        )
    )
    return {reply.checkin_id: reply for reply in rows}


@dataclass(frozen=True)
class NoteToMe:
    """The counselor's note on one of this partner's reflections."""

    note: ReflectionReply
    check_in: CheckIn


def notes_for(partner: Partner, since: datetime, limit: int = 10) -> list[NoteToMe]:
    """The counselor's live notes on this partner's reflections, written (or rewritten)
    since ``since``, newest first."""
    rows = db.session.execute(
        sa.select(ReflectionReply, CheckIn)
        .join(CheckIn, CheckIn.id == ReflectionReply.checkin_id)
        .where(
            CheckIn.partner_id == partner.id,
            CheckIn.reflection.is_not(None),
            ReflectionReply.kind == ReplyKind.COUNSELOR,
            ReflectionReply.removed_at.is_(None),
            ReflectionReply.created_at >= since,
        )
        .order_by(ReflectionReply.created_at.desc(), ReflectionReply.id.desc())
        .limit(limit)
    ).all()
    return [NoteToMe(note, check_in) for note, check_in in rows]


# --- the counselor's note ----------------------------------------------------------------


def couple_replies(couple_id: int) -> dict[int, dict[ReplyKind, ReflectionReply]]:
    """Every reply on the couple's reflections, removed ones included (the counselor reads
    everything), by check-in id and kind."""
    rows = db.session.scalars(
        sa.select(ReflectionReply).where(ReflectionReply.couple_id == couple_id)
    )
    replies: dict[int, dict[ReplyKind, ReflectionReply]] = {}
    for reply in rows:
        replies.setdefault(reply.checkin_id, {})[reply.kind] = reply
    return replies


def replies_on(checkin_ids: Iterable[int]) -> dict[int, list[ReflectionReply]]:
    """For the counselor (the API's check-ins): every reply on the listed check-ins,
    removed ones included, partner's first, in one query."""
    ids = list(checkin_ids)
    found: dict[int, list[ReflectionReply]] = {i: [] for i in ids}
    if ids:
        rows = db.session.scalars(
            sa.select(ReflectionReply)
            .where(ReflectionReply.checkin_id.in_(ids))
            .order_by(ReflectionReply.checkin_id, ReflectionReply.kind.desc())
        )
        for reply in rows:
            found[reply.checkin_id].append(reply)
    return found


def _reflection(checkin_id: int) -> CheckIn:
    check_in = get_in_practice(CheckIn, checkin_id)
    if not check_in.reflection:
        raise NotFound(f"reflection {checkin_id}")
    return check_in


def write_note(actor: Actor, checkin_id: int, body: str | None) -> ReflectionReply:
    """Write or change the counselor's note on a reflection (one per reflection). A new
    note (or one written over a removed note) may email its author that the counselor
    replied; a change does not. A note another request wrote first, between our
    look-up and our insert (a double click), is changed to these words."""
    if actor.kind != "counselor" or actor.id is None:
        raise InvalidInput.single("note", "Only a counselor writes notes on reflections.")
    check_in = _reflection(checkin_id)
    text = _text(body, NOTE_MAX, "note")
    note = _reply(check_in.id, ReplyKind.COUNSELOR)
    if note is None:
        note = ReflectionReply(
            practice_id=actor.practice_id,
            couple_id=check_in.assignment.couple_id,
            checkin_id=check_in.id,
            kind=ReplyKind.COUNSELOR,
            counselor_id=actor.id,
            body=text,
        )
        if _inserted(note):
            return _new_note(actor, check_in, note)
        note = _reply(checkin_id, ReplyKind.COUNSELOR)
        assert note is not None  # else _inserted raised
    if note.removed_at is None:
        if note.body != text:
            note.body = text
            note.counselor_id = actor.id
            db.session.flush()
            record_event(actor, NOTE_CHANGE_ACTION, "reflection_reply", note.id)
        return note
    note.body = text
    note.counselor_id = actor.id
    note.created_at = timeutil.utcnow()
    note.removed_at = None
    db.session.flush()
    return _new_note(actor, check_in, note)


def _new_note(actor: Actor, check_in: CheckIn, note: ReflectionReply) -> ReflectionReply:
    """A note the partner has not read yet: audited, and told of by email if allowed."""
    record_event(actor, NOTE_CREATE_ACTION, "reflection_reply", note.id)
    if check_in.partner.couple.practice.email_counselor_replies:
        notifications.email_counselor_replied(check_in.partner)
    return note


def live_note(checkin_id: int) -> ReflectionReply:
    note = _reply(checkin_id, ReplyKind.COUNSELOR)
    if note is None or note.removed_at is not None:
        raise NotFound(f"note on check-in {checkin_id}")
    return note


def remove_note(actor: Actor, checkin_id: int) -> ReflectionReply:
    """Hide the note from the partner (kept, so the removal can be undone)."""
    _reflection(checkin_id)
    note = live_note(checkin_id)
    note.removed_at = timeutil.utcnow()
    db.session.flush()
    record_event(actor, NOTE_REMOVE_ACTION, "reflection_reply", note.id)
    return note


def restore_note(actor: Actor, checkin_id: int) -> ReflectionReply:
    """Undo a removal: the same words are back on the partner's page (no email)."""
    _reflection(checkin_id)
    note = _reply(checkin_id, ReplyKind.COUNSELOR)
    if note is None:
        raise NotFound(f"note on check-in {checkin_id}")
    if note.removed_at is not None:
        note.removed_at = None
        db.session.flush()
        record_event(actor, NOTE_RESTORE_ACTION, "reflection_reply", note.id)
    return note


def delete_for_checkin(actor: Actor, checkin_id: int) -> None:
    """Delete every reply and note on a check-in being deleted, taken back or removed ones
    too, in one statement; each is audited by id."""
    deleted = db.session.scalars(
        sa.delete(ReflectionReply)
        .where(ReflectionReply.checkin_id == checkin_id)
        .returning(ReflectionReply.id)
    ).all()
    for reply_id in sorted(deleted):
        record_event(actor, REPLY_DELETE_ACTION, "reflection_reply", reply_id)


def next_session_start(couple_id: int, now: datetime) -> datetime | None:
    """When the couple's next session (not over, not removed) starts, if one is booked."""
    return db.session.scalar(
        sa.select(CoupleSession.starts_at)
        .where(CoupleSession.couple_id == couple_id, NOT_REMOVED, sa.not_(over_by(now)))
        .order_by(CoupleSession.starts_at)
        .limit(1)
    )


def note_presets(next_start: datetime | None, timezone: str) -> list[str]:
    """The presets offered for a reflection whose author lives in ``timezone``."""
    when = NO_SESSION
    if next_start is not None:
        day = timeutil.to_local(next_start, timezone)
        when = f"on {day:%A} {day.day} {day:%B}"
    return [preset.format(when=when) for preset in NOTE_PRESETS]
