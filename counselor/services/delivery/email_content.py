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
``i18n.in_language`` by ``partner_emails.PartnerEmails``, the one place every partner
email is made. A counselor's emails stay in English."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption
from werkzeug.routing import Map, MapAdapter

from counselor import timeutil
from counselor.extensions import db
from counselor.i18n import current_language
from counselor.models import (
    AccountTokenPurpose,
    Counselor,
    Couple,
    CoupleSession,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    Partner,
    Practice,
    Report,
    ReportStatus,
    WebhookEndpoint,
)
from counselor.services.accounts import account_links
from counselor.services.couples.sessions import NOT_REMOVED, started_by
from counselor.services.delivery import digest, email_bodies, partner_emails

Row = TypeVar("Row", Partner, Counselor, Report, WebhookEndpoint)

# A counselor's subjects, in English (``{practice}``: the practice's name).
COUNSELOR_SUBJECTS = {
    EmailKind.COUNSELOR_DIGEST: "Couples to look at this week",
    EmailKind.REPORT_READY: "Pre-session reports are ready",
    EmailKind.WEBHOOK_DISABLED: "A webhook was disabled",
    EmailKind.PASSWORD_RESET: "Choose a new password",
    EmailKind.COUNSELOR_INVITE: "Join {practice} on Ladder homework",
}


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
        return partner_emails.partner_reason(email, _about(Partner, email.partner_id))
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


def compose(email: OutboxEmail) -> Content:
    if email.kind == EmailKind.COUNSELOR_DIGEST:
        return _counselor_digest(email)
    if email.kind == EmailKind.REPORT_READY:
        return _report_ready(email)
    if email.kind == EmailKind.WEBHOOK_DISABLED:
        return _webhook_disabled(email)
    if email.kind in (EmailKind.PASSWORD_RESET, EmailKind.COUNSELOR_INVITE):
        return _account_link(email)
    return partner_emails.compose_alone(email)


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
    return render(email, counselor.email, counselor.practice, context)


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
    return render(email, counselor.email, counselor.practice, context)


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
    return render(email, counselor.email, counselor.practice, context)


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
    return render(email, counselor.email, counselor.practice, {**context, "counselor": counselor})


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


def render(
    email: OutboxEmail,
    to: str,
    practice: Practice,
    context: dict[str, Any],
    *,
    subject: str | None = None,
    link: str | None = None,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
    shared: email_bodies.SharedBodies | None = None,
) -> Content:
    """Both bodies from the templates named after the email's kind, in the current
    language (``lang``), given the practice and the subject too: a partner's as given, a
    counselor's from ``COUNSELOR_SUBJECTS`` (``{practice}``: the practice's name). The
    practice's name is the sender's. ``shared``: a chunk's partner emails share bodies
    (``email_bodies``)."""
    if subject is None:
        subject = COUNSELOR_SUBJECTS[email.kind].replace("{practice}", practice.name)
    context = {**context, "practice": practice, "subject": subject, "lang": current_language()}
    names = (f"email/{email.kind.value}.txt", f"email/{email.kind.value}.html")
    text, html = shared.render(names, context) if shared else email_bodies.render(names, context)
    return Content(
        to=to,
        subject=subject,
        text=text,
        html=html,
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
    adapter = _public_urls(current_app.url_map, current_app.config["PUBLIC_BASE_URL"])
    return adapter.build(endpoint, values, force_external=True)


@lru_cache(maxsize=8)
def _public_urls(url_map: Map, base_url: str) -> MapAdapter:
    """The app's URLs bound to PUBLIC_BASE_URL (kept: a partner email builds two)."""
    base = urlsplit(base_url)
    return url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
