"""A counselor's sessions as an iCalendar feed (RFC 5545) at a secret, revocable URL.

The URL carries a random token (``create_feed``), shown to the counselor once; their row
keeps only its SHA-256 (``Counselor.calendar_feed_hash``), so a new feed replaces the old
URL and ``revoke_feed`` ends it. So does everything that ends all of the counselor's
sign-ins — a deactivation, a password reset, *Sign out everywhere* — so that a feed never
outlives the access it was made with (a reactivated counselor makes a new one). A calendar
app fetches the URL without signing in
(``counselor/calendar_feed.py``), and may show what it fetched on a lock screen or share
it with whoever shares the calendar, so the feed holds couple labels and times only: each
session's start, the couple's label and, as its URL, the couple's page on the dashboard.
The URL names the couple's id, which opens nothing without signing in as someone who may
see the couple; it is said once (no DESCRIPTION repeats it). Never a partner's name or
address (beyond what the label says), an agenda, notes or a reflection.

Reads are audited as ``calendar.feed_read``, once per counselor per day of the practice's
calendar: a calendar app fetches the feed every ``REFRESH_HOURS`` around the clock, and
a row per fetch would bury the trail in identical rows while saying nothing more than the
first one of the day does — that the address is in use, from which client address. A
HEAD request (asked how the feed stands, not its body) is not a read.

What it lists: the sessions of the couples the counselor treats (``Couple.counselor_id``),
read inside the counselor's own scope (``tenancy.enter_as_counselor``, entered by the
edge), so it never shows more than the dashboard shows them. An owner's feed is their own
sessions too, not the whole practice's: it is their calendar. Sessions from
``DAYS_BACK`` days ago on, in the practice's time zone with its VTIMEZONE. A session has
no end time of its own, so each event lasts ``SESSION_MINUTES``.

A removed session leaves the feed: a calendar app drops an event that is no longer listed
at its next fetch. (A ``STATUS:CANCELLED`` entry would stay in the feed for good and speak
of a session the counselor took off the schedule, often one entered by mistake.)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event, vDuration

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, Counselor, Couple, CoupleSession, Practice
from counselor.services.audit import Actor, record_event
from counselor.services.couples.sessions import SESSION_MINUTES, live_sessions
from counselor.services.delivery.email_content import public_url
from counselor.tenancy import across_practices

# How far back the feed reaches: last month's sessions stay in the calendar.
DAYS_BACK = 30
# How often a calendar app is asked to fetch the feed again (RFC 7986 REFRESH-INTERVAL).
REFRESH_HOURS = 1
TOKEN_BYTES = 32
TOKEN_MAX = 100  # longer than any token made here: not even hashed
PRODUCT_ID = "-//Ladder homework//Session calendar//EN"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(counselor: Counselor) -> str:
    """A new secret feed URL's token for ``counselor``, replacing any earlier one (which
    stops working). The token is returned once and never stored. Audited as
    ``calendar.feed_created``."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    counselor.calendar_feed_hash = hash_token(token)
    counselor.calendar_feed_created_at = timeutil.utcnow()
    record_event(Actor.for_counselor(counselor), "calendar.feed_created", "counselor", counselor.id)
    return token


def revoke_feed(counselor: Counselor, actor: Actor | None = None) -> None:
    """End the counselor's feed: its URL answers 404 from now on. Revoking when there is
    no feed changes nothing. Audited as ``calendar.feed_revoked``, by ``actor`` (an owner
    deactivating them, the system for an operator's command) or else the counselor."""
    if counselor.calendar_feed_hash is None:
        return
    counselor.calendar_feed_hash = None
    counselor.calendar_feed_created_at = None
    record_event(
        actor or Actor.for_counselor(counselor), "calendar.feed_revoked", "counselor", counselor.id
    )


def counselor_for_feed(token: str) -> Counselor | None:
    """The active counselor whose feed this token opens, else None (unknown, replaced,
    revoked, or the counselor deactivated: all look the same)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    # Across practices: the token is what tells whose feed it is.
    return db.session.scalar(
        across_practices(
            sa.select(Counselor).where(
                Counselor.calendar_feed_hash == hash_token(token), Counselor.active.is_(True)
            )
        )
    )


def record_feed_read(counselor: Counselor) -> None:
    """A calendar app fetched the feed: audited as ``calendar.feed_read`` (a read of couple
    labels and times), unless a read of this counselor's feed was already audited today,
    the practice's day (see the module's docstring). One query on the audit trail's
    (practice, time) index finds that row."""
    practice = db.session.get(Practice, counselor.practice_id)
    assert practice is not None  # the counselor's own practice, in scope
    today = timeutil.local_today(practice.timezone)
    day_start = timeutil.local_datetime_to_utc(today, 0, 0, practice.timezone)
    day_end = timeutil.local_datetime_to_utc(today + timedelta(days=1), 0, 0, practice.timezone)
    read_today = db.session.scalar(
        sa.select(AuditEvent.id)
        .where(
            AuditEvent.practice_id == counselor.practice_id,
            AuditEvent.at >= day_start,
            AuditEvent.at < day_end,
            AuditEvent.action == "calendar.feed_read",
            AuditEvent.object_id == counselor.id,
        )
        .limit(1)
    )
    if read_today is None:
        record_event(
            Actor.for_counselor(counselor), "calendar.feed_read", "counselor", counselor.id
        )


def feed_ics(counselor: Counselor) -> bytes:
    """The feed's iCalendar text. Call it in the counselor's scope
    (``tenancy.enter_as_counselor``)."""
    practice = db.session.scalar(sa.select(Practice).where(Practice.id == counselor.practice_id))
    assert practice is not None  # the counselor's own practice, in scope
    zone = ZoneInfo(practice.timezone)
    now = timeutil.utcnow()
    rows = db.session.execute(
        live_sessions()
        .add_columns(Couple.label)
        .join(Couple, Couple.id == CoupleSession.couple_id)
        .where(
            Couple.counselor_id == counselor.id,
            CoupleSession.starts_at >= now - timedelta(days=DAYS_BACK),
        )
        .order_by(CoupleSession.starts_at, CoupleSession.id)
    ).all()

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Sessions · {practice.name}")
    calendar.add("x-wr-timezone", practice.timezone)
    calendar.add(
        "refresh-interval", timedelta(hours=REFRESH_HOURS), parameters={"VALUE": "DURATION"}
    )
    # An X- property has no type of its own: given as a DURATION, it is written as one
    # (``PT1H``), as calendar apps read it.
    calendar.add("x-published-ttl", vDuration(timedelta(hours=REFRESH_HOURS)))
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    last_start = now
    for session, label in rows:
        start = session.starts_at.astimezone(zone)
        last_start = max(last_start, session.starts_at)
        event = Event()
        event.add("uid", f"session-{session.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=SESSION_MINUTES))
        event.add("summary", f"Session: {label}")
        event.add("url", public_url("dashboard.couple_detail", couple_id=session.couple_id))
        calendar.add_component(event)
    # The practice's zone as a VTIMEZONE, its rules from the window's start to a year past
    # the last session (a calendar app needs no more, and every year costs bytes).
    calendar.add_missing_timezones(
        first_date=date.fromordinal((now - timedelta(days=DAYS_BACK + 1)).toordinal()),
        last_date=date(last_start.year + 2, 1, 1),
    )
    return calendar.to_ical()
