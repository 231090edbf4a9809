"""What each kind of email says. Composed when a worker sends it, so links are fresh and
never stored, and the figures are current. Minimum necessary: no step text unless the
practice allows titles, never a reflection, never another partner's data; the counselor's
name only when the practice allows it (``email_names_counselor``). A counselor's emails
carry links and counts, never a couple's label or any client text.

Partner emails read as a note from a person at the practice, not a ticket system: they
greet the partner by first name, say plainly what happened and sign off with the
practice's (or the counselor's) name; the subject and sender name are the practice's.

A partner's email is written in the partner's language (``partners.language``): subject,
both bodies, dates and the step titles it may list (as their page lists them:
``partner_page``, by ``step_language.step_text``), all composed inside
``i18n.in_language`` in ``_partner_email``, the one place every partner email is made. A
counselor's emails stay in English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.i18n import current_language, format_day, in_language
from counselor.models import (
    AccountTokenPurpose,
    Counselor,
    Couple,
    CoupleSession,
    CoupleStatus,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    Partner,
    Practice,
    Report,
    ReportStatus,
    WebhookEndpoint,
)
from counselor.services.accounts import account_links
from counselor.services.couples import link_batch
from counselor.services.couples.sessions import NOT_REMOVED, started_by
from counselor.services.delivery import digest
from counselor.services.pages import partner_page
from counselor.services.progress import week_rules

Row = TypeVar("Row", Partner, Counselor, Report, WebhookEndpoint)

# A counselor's subjects, in English (``{practice}``: the practice's name).
COUNSELOR_SUBJECTS = {
    EmailKind.COUNSELOR_DIGEST: "Couples to look at this week",
    EmailKind.REPORT_READY: "Pre-session reports are ready",
    EmailKind.WEBHOOK_DISABLED: "A webhook was disabled",
    EmailKind.PASSWORD_RESET: "Choose a new password",
    EmailKind.COUNSELOR_INVITE: "Join {practice} on Ladder homework",
}


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


@dataclass(frozen=True)
class Content:
    to: str
    subject: str
    text: str
    html: str
    link: str | None = None  # the partner's link, logged when emails go to files
    unsubscribe_url: str | None = None
    sender_name: str | None = None  # the From header's name: the practice's
    reply_to: str | None = None  # where a partner's reply goes, when the practice says


def reason_not_to_send(email: OutboxEmail) -> str | None:
    """Checked at send time: things may have changed since the email was queued."""
    if email.partner_id is not None:
        return partner_reason(email, _about(Partner, email.partner_id))
    counselor = _about(Counselor, email.counselor_id)
    if not counselor.active:
        return "the counselor is inactive"
    if email.kind == EmailKind.COUNSELOR_DIGEST and not counselor.weekly_digest:
        return "the counselor turned the digest off"
    if email.kind == EmailKind.REPORT_READY and not ready_report_couples(counselor.id):
        return "no ready report is waiting for a coming session"
    if email.kind == EmailKind.WEBHOOK_DISABLED:
        endpoint = _about(WebhookEndpoint, email.webhook_endpoint_id)
        if endpoint.active or endpoint.deleted_at is not None:
            return "the webhook was enabled again or removed"
    if email.kind == EmailKind.PASSWORD_RESET and counselor.joined_at is None:
        return "the counselor has not accepted their invitation"
    if email.kind == EmailKind.COUNSELOR_INVITE and counselor.joined_at is not None:
        return "the counselor has joined already"
    return None


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


def compose(email: OutboxEmail) -> Content:
    if email.kind == EmailKind.COUNSELOR_DIGEST:
        return _counselor_digest(email)
    if email.kind == EmailKind.REPORT_READY:
        return _report_ready(email)
    if email.kind == EmailKind.WEBHOOK_DISABLED:
        return _webhook_disabled(email)
    if email.kind in (EmailKind.PASSWORD_RESET, EmailKind.COUNSELOR_INVITE):
        return _account_link(email)
    return _partner_email(email)


def _partner_email(email: OutboxEmail) -> Content:
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

    def compose(self, email: OutboxEmail) -> Content:
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
) -> Content:
    practice = partner.couple.practice
    tomorrow = timeutil.local_today(partner.timezone).toordinal() + 1
    homework_url = public_url("partner.homework", token=homework_token)
    unsubscribe_url = public_url("partner.unsubscribe", token=unsubscribe_token)
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
    return _render(
        email,
        partner.email,
        practice,
        context,
        subject=partner_subject(email.kind, counselor_name),
        link=homework_url,
        unsubscribe_url=unsubscribe_url,
        reply_to=practice.reply_to,
    )


def week_end(partner: Partner) -> date:
    """The Sunday the partner's week ends on, on their clock: what "this week" means."""
    return week_rules.partner_current_week(partner) + timedelta(days=6)


def _counselor_digest(email: OutboxEmail) -> Content:
    """Monday's list for a counselor: labels and reasons with links, never client text."""
    counselor = _about(Counselor, email.counselor_id, joinedload(Counselor.practice))
    items = digest.couples_needing_attention(counselor)
    context = {
        "counselor": counselor,
        "items": [
            (item, public_url("dashboard.couple_detail", couple_id=item.couple_id))
            for item in items
        ],
        "dashboard_url": public_url("dashboard.couples_list"),
    }
    return _render(email, counselor.email, counselor.practice, context)


def _report_ready(email: OutboxEmail) -> Content:
    """How many reports are ready for the counselor's coming sessions, and a link: no
    couple's label, no session time (an email may be read where the dashboard is not)."""
    counselor = _about(Counselor, email.counselor_id, joinedload(Counselor.practice))
    ready = ready_report_couples(counselor.id)
    if len(ready) == 1:  # one report: straight to it (the link names a number, not a couple)
        url = public_url("dashboard.couple_detail", couple_id=ready[0]) + "#reports"
    else:
        url = public_url("dashboard.couples_list")
    context = {"counselor": counselor, "count": len(ready), "url": url}
    return _render(email, counselor.email, counselor.practice, context)


def _webhook_disabled(email: OutboxEmail) -> Content:
    """To an owner: which receiver (its host only: a URL's path or query may hold a token
    of the host's), why it was disabled, and where to enable it again. No secret, no
    event, nothing about any couple."""
    counselor = _about(Counselor, email.counselor_id, joinedload(Counselor.practice))
    endpoint = _about(WebhookEndpoint, email.webhook_endpoint_id)
    context = {
        "counselor": counselor,
        "host": urlsplit(endpoint.url).hostname,
        "reason": endpoint.disabled_reason,
        "url": public_url("dashboard.webhooks_page"),
    }
    return _render(email, counselor.email, counselor.practice, context)


def _account_link(email: OutboxEmail) -> Content:
    """A counselor's single-use link: to choose a new password, or to accept an owner's
    invitation. The link is made now (``account_links.issue_token``: the outbox row holds
    none) and is the only secret the email carries; nothing about any couple. It is not
    handed to the link logger either (``Content.link``): no log line shows it."""
    counselor = _about(Counselor, email.counselor_id, joinedload(Counselor.practice))
    if email.kind == EmailKind.PASSWORD_RESET:
        token = account_links.issue_token(counselor, AccountTokenPurpose.PASSWORD_RESET)
        context = {
            "url": public_url("dashboard.reset_password", token=token),
            "ask_again_url": public_url("dashboard.forgot_password"),
            "minutes": current_app.config["PASSWORD_RESET_MINUTES"],
        }
    else:
        token = account_links.issue_token(counselor, AccountTokenPurpose.INVITE)
        context = {
            "url": public_url("dashboard.accept_invite", token=token),
            "days": current_app.config["INVITE_VALID_DAYS"],
            "inviter": account_links.inviter_name(counselor),
        }
    return _render(email, counselor.email, counselor.practice, {**context, "counselor": counselor})


def ready_report_couples(counselor_id: int) -> list[int]:
    """The couples of this counselor with a ready report for a session still to come, one
    entry per session: what "N reports are ready" counts."""
    rows = db.session.execute(
        sa.select(Report.session_id, Report.couple_id)
        .join(Couple, Couple.id == Report.couple_id)
        .join(CoupleSession, CoupleSession.id == Report.session_id)
        .where(
            Couple.counselor_id == counselor_id,
            Couple.status == CoupleStatus.ACTIVE,
            Report.status == ReportStatus.READY,
            NOT_REMOVED,
            sa.not_(started_by(timeutil.utcnow())),
        )
        .distinct()
    ).all()
    return sorted(couple_id for _session_id, couple_id in rows)


def _render(
    email: OutboxEmail,
    to: str,
    practice: Practice,
    context: dict[str, Any],
    *,
    subject: str | None = None,
    link: str | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
) -> Content:
    """Both bodies from the templates named after the email's kind, in the current
    language (``lang``), given the practice and the subject too: a partner's as given, a
    counselor's from ``COUNSELOR_SUBJECTS`` (``{practice}``: the practice's name). The
    practice's name is the sender's."""
    if subject is None:
        subject = COUNSELOR_SUBJECTS[email.kind].replace("{practice}", practice.name)
    context = {**context, "practice": practice, "subject": subject, "lang": current_language()}
    return Content(
        to=to,
        subject=subject,
        text=render_template(f"email/{email.kind.value}.txt", **context),
        html=render_template(f"email/{email.kind.value}.html", **context),
        link=link,
        unsubscribe_url=unsubscribe_url,
        sender_name=practice.name,
        reply_to=reply_to,
    )


def _about(model: type[Row], row_id: int | None, *load: LoaderOption) -> Row:
    """The row an email is about, with what composing it reads (in the email's practice:
    the outbox engine sends each email in its practice's scope)."""
    return db.session.scalars(sa.select(model).where(model.id == row_id).options(*load)).one()


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL on PUBLIC_BASE_URL, buildable outside any request (in a worker)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
