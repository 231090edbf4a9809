"""What each kind of email says. Composed when a worker sends it, so links are fresh and
never stored, and the figures are current. Minimum necessary: no step text unless the
practice allows titles, never a reflection, never another partner's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Counselor,
    Couple,
    CoupleStatus,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    Partner,
    Practice,
    Report,
)
from counselor.services.couples import links
from counselor.services.delivery import digest
from counselor.services.pages import partner_page

Row = TypeVar("Row", Partner, Counselor, Report)

SUBJECTS = {
    EmailKind.NEW_STEP: "A new practice step from {practice}",
    EmailKind.LINK: "Your practice steps from {practice}",
    EmailKind.REMINDER: "A reminder from {practice}",
    EmailKind.COUNSELOR_DIGEST: "Couples to look at this week ({practice})",
    EmailKind.REPORT_READY: "A pre-session report is ready ({practice})",
}


@dataclass(frozen=True)
class Content:
    to: str
    subject: str
    text: str
    html: str
    link: str | None = None  # the partner's link, logged when emails go to files
    unsubscribe_url: str | None = None


def reason_not_to_send(email: OutboxEmail) -> str | None:
    """Checked at send time: things may have changed since the email was queued."""
    if email.partner_id is not None:
        partner = _about(Partner, email.partner_id)
        if partner.unsubscribed_at is not None:
            return "the partner stopped emails"
        if partner.couple.status != CoupleStatus.ACTIVE:
            return "the couple is not active"
        return None
    counselor = _about(Counselor, email.counselor_id)
    if not counselor.active:
        return "the counselor is inactive"
    if email.kind == EmailKind.COUNSELOR_DIGEST and not counselor.weekly_digest:
        return "the counselor turned the digest off"
    return None


def compose(email: OutboxEmail) -> Content:
    if email.kind == EmailKind.COUNSELOR_DIGEST:
        return _counselor_digest(email)
    if email.kind == EmailKind.REPORT_READY:
        return _report_ready(email)
    return _partner_email(email)


def _partner_email(email: OutboxEmail) -> Content:
    """New step, fresh link or reminder: a greeting, how many steps are open, the link."""
    partner = _about(
        Partner, email.partner_id, joinedload(Partner.couple).joinedload(Couple.practice)
    )
    practice = partner.couple.practice
    # The outbox engine commits what composing wrote before the email leaves, so both
    # links exist by the time anyone can click them.
    homework_token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    unsubscribe_token = links.issue_link(partner, LinkPurpose.UNSUBSCRIBE)

    homework = partner_page.partner_homework(partner)
    tomorrow = timeutil.local_today(partner.timezone).toordinal() + 1
    homework_url = public_url("partner.homework", token=homework_token)
    unsubscribe_url = public_url("partner.unsubscribe", token=unsubscribe_token)
    context = {
        "partner": partner,
        "open_count": len(homework.open_steps),
        "due_tomorrow": sum(
            1
            for step in homework.open_steps
            if step.assignment.due_on and step.assignment.due_on.toordinal() == tomorrow
        ),
        "titles": [s.assignment.title for s in homework.open_steps]
        if practice.email_detail == EmailDetail.TITLES
        else [],
        "homework_url": homework_url,
        "unsubscribe_url": unsubscribe_url,
        "link_days": current_app.config["LINK_TTL_DAYS"],
    }
    return _render(
        email, partner.email, practice, context, link=homework_url, unsubscribe_url=unsubscribe_url
    )


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
    """The couple's label, the session time and a link to the dashboard; nothing else."""
    report = _about(Report, email.report_id, joinedload(Report.couple).joinedload(Couple.counselor))
    counselor = report.couple.counselor
    practice = report.couple.practice
    session_at = (
        report.session.starts_at.astimezone(ZoneInfo(practice.timezone)) if report.session else None
    )
    context = {
        "counselor": counselor,
        "couple_label": report.couple.label,
        "session_at": session_at,
        "couple_url": public_url("dashboard.couple_detail", couple_id=report.couple_id),
    }
    return _render(email, counselor.email, practice, context)


def _render(
    email: OutboxEmail,
    to: str,
    practice: Practice,
    context: dict[str, Any],
    *,
    link: str | None = None,
    unsubscribe_url: str | None = None,
) -> Content:
    """The subject, named after the practice, and both bodies from the templates named
    after the email's kind (which are given the practice and the subject too)."""
    subject = SUBJECTS[email.kind].format(practice=practice.name)
    context = {**context, "practice": practice, "subject": subject}
    return Content(
        to=to,
        subject=subject,
        text=render_template(f"email/{email.kind.value}.txt", **context),
        html=render_template(f"email/{email.kind.value}.html", **context),
        link=link,
        unsubscribe_url=unsubscribe_url,
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
