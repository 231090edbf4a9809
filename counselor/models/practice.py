"""Practices (tenants) and the counselors who log into their dashboard."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc


class EmailDetail(enum.StrEnum):
    MINIMAL = "minimal"  # practice name, first name, number of open steps
    TITLES = "titles"  # also the steps' titles


class ReminderCadence(enum.StrEnum):
    OFF = "off"  # no reminders at all
    GENTLE = "gentle"  # only the last-chance note before a due date
    STANDARD = "standard"  # first day of a step, when behind pace, and before a due date


class Practice(Model):
    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    email_detail: Mapped[EmailDetail] = mapped_column(
        enum_column(EmailDetail), default=EmailDetail.MINIMAL
    )
    report_title: Mapped[str | None] = mapped_column(sa.String(200))
    # Signs host launch (single sign-on) tokens; set with `flask keys launch-secret`.
    launch_secret: Mapped[str | None] = mapped_column(sa.String(128))
    # Reports are prepared for sessions starting within this many hours.
    report_lead_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=18)
    reminder_cadence: Mapped[ReminderCadence] = mapped_column(
        enum_column(ReminderCadence), default=ReminderCadence.STANDARD
    )
    # Where partners' replies to the practice's emails go; None: the sender address.
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    # Emails to partners may name their counselor ("from Dana at ...").
    email_names_counselor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Access policy (Settings › Access): how long a dashboard session may stay idle and live
    # at most, whether every counselor must use a second factor, and whether counselors who
    # are not owners see every couple of the practice or only the couples they treat.
    session_idle_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    session_max_hours: Mapped[int] = mapped_column(default=12, server_default="12")
    require_second_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    staff_see_all_couples: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Retention (Settings › Data retention), purged nightly: a closed couple's client text
    # this many months after it closed; sent emails and delivered webhooks after this many
    # days; report PDFs this many days after they were made.
    retain_closed_client_text_months: Mapped[int] = mapped_column(default=84, server_default="84")
    retain_messages_days: Mapped[int] = mapped_column(default=90, server_default="90")
    retain_report_pdfs_days: Mapped[int] = mapped_column(default=180, server_default="180")
    # Paper of the printed report and handout: "letter" or "a4"; None chooses by the
    # practice's time zone (Letter in the Americas, A4 elsewhere; reports/pages.py).
    paper_size: Mapped[str | None] = mapped_column(sa.String(8))
    # Host origins allowed to frame the dashboard (CSP frame-ancestors), space-separated;
    # None: nobody ('none').
    frame_ancestors: Mapped[str | None] = mapped_column(sa.String(1000))
    # Bumped whenever one of the practice's webhook endpoints is created, deleted, enabled
    # or disabled: a process keeps the endpoints it read under this number, so an event
    # emitted on a request that already loaded the practice costs no query to find them.
    webhook_endpoints_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Couples' side (Settings › Partner pages): a shared reflection on a step both partners
    # do stays hidden from the other partner until they have written their own for that
    # week (each couple may override it); partners may be emailed "your counselor replied"
    # (never the reply itself).
    reveal_together: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    email_counselor_replies: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Settings › Reminders: a partner whose reminders have gone unheeded for four weeks
    # drops to the gentle cadence, and their counselor is told.
    adaptive_cadence: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    counselors: Mapped[list[Counselor]] = relationship(back_populates="practice")

    def __repr__(self) -> str:
        return f"<Practice {self.slug}>"


class CounselorRole(enum.StrEnum):
    OWNER = "owner"
    COUNSELOR = "counselor"


class Counselor(PracticeOwned, UserMixin, Model):
    __tablename__ = "counselors"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[CounselorRole] = mapped_column(
        enum_column(CounselorRole), default=CounselorRole.COUNSELOR
    )
    active: Mapped[bool] = mapped_column(default=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    weekly_digest: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when an owner's invitation is accepted (or for counselors created with a
    # password); an invited counselor has no usable password until then.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Authenticator app (TOTP): the base32 secret, set at enrolment and confirmed by a
    # first code; the last time-step accepted, so that a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The secret calendar (iCalendar) feed of this counselor's sessions: the SHA-256 of the
    # token in its URL, kept only as a hash; None when there is no feed (never made, or
    # revoked). A new feed replaces the old URL.
    calendar_feed_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    calendar_feed_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    practice: Mapped[Practice] = relationship(back_populates="counselors")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def __repr__(self) -> str:
        return f"<Counselor {self.id}>"
