"""Partner link and email actions on a couple's page: send a link, copy a link, resume
emails, revoke links."""

from __future__ import annotations

from datetime import datetime

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed, offer_undo
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.extensions import limiter
from counselor.models import Couple, Partner
from counselor.services.couples import links, preferences
from counselor.services.delivery import notifications
from counselor.services.delivery.email_content import public_url
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice


def _require_csrf() -> None:
    if not DeleteForm().validate_on_submit():
        abort(400)


@bp.route("/partners/<int:partner_id>/send-link", methods=["POST"])
def partner_send_link(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    _require_csrf()
    send_now = request.form.get("send_now") in ("1", "y", "on")
    try:
        email = notifications.send_link(current_actor(), partner.id, send_now=send_now)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(_link_sent(partner, notifications.goes_out_at(email)), "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=partner.couple_id))


# How many links one counselor may copy: enough for a day's sessions, and a ceiling on
# working links minted in a hurry by whoever holds a counselor's signed-in browser.
COPY_LINK_LIMIT = "10 per hour"


def _per_counselor() -> str:
    """The rate limit's key: the counselor signed in (the client's address before that,
    where the sign-in check then refuses the request anyway)."""
    who = current_user.get_id() if current_user.is_authenticated else request.remote_addr
    return f"copy-link:{who}"


@bp.route("/partners/<int:partner_id>/copy-link", methods=["POST"])
@limiter.limit(COPY_LINK_LIMIT, key_func=_per_counselor)
def partner_copy_link(partner_id: int) -> ResponseReturnValue:
    """*Copy Sam's link*: a fresh link shown once, on this POST's own answer — never a
    redirect, so the token is in no URL the browser's history keeps (and the answer,
    like every page, is ``no-store``). At most ``COPY_LINK_LIMIT`` per counselor: past
    it, 429 and no link."""
    partner = get_in_practice(Partner, partner_id)
    _require_csrf()
    try:
        token = links.copy_link(current_actor(), partner.id)
    except InvalidInput as error:
        flash(error.sentences, "error")
        return redirect(url_for("dashboard.couple_detail", couple_id=partner.couple_id))
    response = make_response(
        render_template(
            "dashboard/partner_link_once.html",
            partner=partner,
            couple=partner.couple,
            link=public_url("partner.homework", token=token),
            link_days=current_app.config["LINK_TTL_DAYS"],
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_sent(partner: Partner, at: datetime | None) -> str:
    """Says when the link leaves: at once, or at the partner's next allowed hour."""
    if at is None:
        return f"A fresh link is on its way to {partner.first_name}."
    when = timeutil.to_local(at, partner.timezone).strftime("%a %d %b at %H:%M")
    return (
        f"{partner.first_name}'s link will go out {when}, their time: emails wait for the end "
        "of their quiet hours, and go at most one a day. Tick Send now to send it at once."
    )


@bp.route("/partners/<int:partner_id>/resume-emails", methods=["POST"])
def partner_resume_emails(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    _require_csrf()
    preferences.resume_emails(current_actor(), partner.id)
    flash(f"Emails to {partner.first_name} are back on.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=partner.couple_id))


@bp.route("/couples/<int:couple_id>/revoke-links", methods=["GET", "POST"])
def couple_revoke_links(couple_id: int) -> ResponseReturnValue:
    """*Revoke links*: a confirm page (GET, or a POST without the confirmation), then the
    revocation, which the couple's page offers to undo."""
    couple = get_in_practice(Couple, couple_id)
    if request.method == "GET" or not confirmed():
        return _confirm_revocation(couple)
    revocation = links.revoke_couple_links(current_actor(), couple.id)
    offer_undo(
        couple.id,
        f"{_links(revocation.links)} revoked. Send a fresh link when the partners need one.",
        url_for("dashboard.couple_restore_links", couple_id=couple.id),
        {"revoked_at": revocation.at.isoformat()},
    )
    return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))


@bp.route("/couples/<int:couple_id>/restore-links", methods=["POST"])
def couple_restore_links(couple_id: int) -> ResponseReturnValue:
    """Undo one *Revoke links* (named by its time): exactly the links it revoked work again,
    unless they have expired since."""
    couple = get_in_practice(Couple, couple_id)
    _require_csrf()
    try:
        revoked_at = datetime.fromisoformat(request.form.get("revoked_at", ""))
    except ValueError:
        abort(400)
    if revoked_at.tzinfo is None:
        abort(400)
    try:
        restored = links.restore_couple_links(current_actor(), couple.id, revoked_at)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"{_links(restored)} working again.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))


def _confirm_revocation(couple: Couple) -> str:
    names = " and ".join(p.first_name for p in couple.partners)
    live = links.live_link_count(couple.id)
    return confirm_page(
        Confirmation(
            title="Revoke links?",
            question=f"Revoke every link already emailed to {names}?",
            consequences=[
                f"{_links(live)} working now will stop at once."
                if live
                else "None of their links works now.",
                "A partner who opens an old link is offered a fresh one by email.",
                "Check-ins and settings are not touched, and you can undo this.",
            ],
            action=url_for("dashboard.couple_revoke_links", couple_id=couple.id),
            confirm_label="Revoke the links",
            back=url_for("dashboard.couple_detail", couple_id=couple.id),
            back_label="Keep the links and go back",
        ),
        couple.label,
    )


def _links(number: int) -> str:
    return "1 link" if number == 1 else f"{number} links"
