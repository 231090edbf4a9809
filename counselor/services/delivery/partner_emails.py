"""A partner's emails — new step, fresh link, reminder, "your counselor replied" — composed
per chunk of a claim (``PartnerEmails``) or alone (``compose_alone``, a chunk of one), and
the check of whether one should still go (``partner_reason``). What every email shares
(``Content``, the templates, public URLs) and a counselor's emails are
``email_content.py``'s; a partner's email reads as ``email_content`` describes, in the
partner's language."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.i18n import current_language, format_day, in_language
from counselor.models import (
    Couple,
    CoupleStatus,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    Partner,
)
from counselor.services.couples import link_batch
from counselor.services.delivery import email_bodies, email_content
from counselor.services.pages import partner_page
from counselor.services.progress import week_rules


def partner_subject(kind: EmailKind, counselor_name: str | None = None) -> str:
    """A partner email's subject in the current language, discreet as an inbox list shows
    it: never "counselling", never a step. ``counselor_name``: the practice lets emails
    name the counselor (``email_names_counselor``), which only the reply note's subject
    does."""
    if kind == EmailKind.NEW_STEP:
        return gettext("Something new to try this week")
    if kind == EmailKind.LINK:
        return gettext("Your link to this week's steps")
    if kind == EmailKind.REMINDER:
        return gettext("A gentle reminder about this week's steps")
    if kind == EmailKind.COUNSELOR_REPLIED and counselor_name:
        return gettext("A note from %(counselor)s", counselor=counselor_name)
    if kind == EmailKind.COUNSELOR_REPLIED:
        return gettext("A new note on your page")
    raise ValueError(f"{kind} is not a partner's email")


def partner_reason(email: OutboxEmail, partner: Partner) -> str | None:
    """Why a partner's email should no longer go, now that its turn came (the partner and
    their couple and practice as stored now), or None."""
    if partner.unsubscribed_at is not None:
        return "the partner stopped emails"
    if partner.couple.status != CoupleStatus.ACTIVE:
        return "the couple is not active"
    if (
        email.kind == EmailKind.COUNSELOR_REPLIED
        and not partner.couple.practice.email_counselor_replies
    ):
        return "the practice no longer emails that the counselor replied"
    return None


def compose_alone(email: OutboxEmail) -> email_content.Content:
    """One partner email composed alone (``PartnerEmails`` for a chunk of one), its links
    written in the current transaction."""
    chunk = PartnerEmails.load([email])
    content = chunk.compose(email)
    chunk.save_links()
    return content


class PartnerEmails:
    """Partner emails composed per chunk: new step, fresh link, reminder or "your
    counselor replied". ``load`` reads what the chunk's emails say in a constant number of
    queries, whatever their number — the partners with their couples, practices and
    counselors, then the week rows of the partner page (``partner_page.load_week_rows``) —
    and ``compose`` writes each email from those rows in its partner's language, by the
    rules the partner's page uses. Each email's two links are issued as it is composed and
    written for the whole chunk by ``save_links``, which must be committed before the first
    email leaves."""

    def __init__(self, partners: dict[int, Partner], rows: partner_page.WeekRows) -> None:
        self.partners = partners
        self.rows = rows
        self.links = link_batch.LinkBatch()
        self.bodies = email_bodies.SharedBodies()
        # The week's last day as each language writes it: the same few for a whole chunk,
        # and Babel's date patterns are slow to match.
        self._days: dict[tuple[str, date], str] = {}

    @classmethod
    def load(cls, emails: list[OutboxEmail]) -> PartnerEmails:
        """The chunk's partners (each in its email's practice: the outbox claims rows
        across practices, and a partner of another practice than its email's is left out)
        and the rows their weeks are judged on."""
        ids = sorted({e.partner_id for e in emails if e.partner_id is not None})
        found = db.session.scalars(
            tenancy.across_practices(
                sa.select(Partner)
                .where(Partner.id.in_(ids))
                .options(
                    joinedload(Partner.couple).joinedload(Couple.practice),
                    joinedload(Partner.couple).joinedload(Couple.counselor),
                )
                .execution_options(populate_existing=True)
            )
        ).all()
        practice_of = {e.partner_id: e.practice_id for e in emails}
        partners = {p.id: p for p in found if p.couple.practice_id == practice_of[p.id]}
        rows = partner_page.load_week_rows(list(partners.values()), across_practices=True)
        return cls(partners, rows)

    def partner(self, email: OutboxEmail) -> Partner:
        """The email's partner as loaded for the chunk."""
        if email.partner_id not in self.partners:
            raise LookupError(f"email {email.id}: its partner is not in its practice")
        return self.partners[email.partner_id]

    def compose(self, email: OutboxEmail) -> email_content.Content:
        """A greeting, how many steps are open, the link: in the partner's language."""
        partner = self.partner(email)
        with in_language(partner.language):
            homework = partner_page.homework_from_rows(partner, self.rows)
            return _partner_content(
                email,
                partner,
                homework,
                week_ends=self._day(week_end(partner)),
                homework_token=self.links.issue(partner, LinkPurpose.HOMEWORK),
                unsubscribe_token=self.links.issue(partner, LinkPurpose.UNSUBSCRIBE),
                shared=self.bodies,
            )

    def _day(self, day: date) -> str:
        key = (current_language(), day)
        if key not in self._days:
            self._days[key] = format_day(day)
        return self._days[key]

    def save_links(self) -> None:
        """Write the links of the emails composed so far, in one statement."""
        self.links.save()


def _partner_content(
    email: OutboxEmail,
    partner: Partner,
    homework: partner_page.PartnerHomework,
    *,
    week_ends: str,
    homework_token: str,
    unsubscribe_token: str,
    shared: email_bodies.SharedBodies,
) -> email_content.Content:
    practice = partner.couple.practice
    tomorrow = timeutil.local_today(partner.timezone).toordinal() + 1
    homework_url = email_content.public_url("partner.homework", token=homework_token)
    unsubscribe_url = email_content.public_url("partner.unsubscribe", token=unsubscribe_token)
    lists_titles = (
        practice.email_detail == EmailDetail.TITLES and email.kind != EmailKind.COUNSELOR_REPLIED
    )
    # As the partner's page lists them: in their language, told apart by start date.
    listed = homework.open_steps if lists_titles else []
    # Who signs: the counselor by name when the practice lets emails name them.
    counselor_name = partner.couple.counselor.name if practice.email_names_counselor else None
    context = {
        "partner": partner,
        "open_count": len(homework.open_steps),
        "due_tomorrow": sum(
            1
            for step in homework.open_steps
            if step.assignment.due_on and step.assignment.due_on.toordinal() == tomorrow
        ),
        "week_ends": week_ends,
        "titles": [step.title for step in listed],
        "untranslated": any(step.words.untranslated for step in listed),
        "homework_url": homework_url,
        "unsubscribe_url": unsubscribe_url,
        "link_days": current_app.config["LINK_TTL_DAYS"],
        "counselor_name": counselor_name,
        "can_reply": bool(practice.reply_to),
    }
    return email_content.render(
        email,
        partner.email,
        practice,
        context,
        subject=partner_subject(email.kind, counselor_name),
        link=homework_url,
        unsubscribe_url=unsubscribe_url,
        reply_to=practice.reply_to,
        shared=shared,
    )


def week_end(partner: Partner) -> date:
    """The Sunday the partner's week ends on, on their clock: what "this week" means."""
    return week_rules.partner_current_week(partner) + timedelta(days=6)
