"""Partner email actions on a couple's page: send a link, resume emails, revoke links."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Partner
from counselor.services.couples import links, preferences
from counselor.services.delivery import notifications
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice


def _require_csrf() -> None:
    if not DeleteForm().validate_on_submit():
        abort(400)


@bp.route("/partners/<int:partner_id>/send-link", methods=["POST"])
def partner_send_link(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    _require_csrf()
    try:
        notifications.send_link(current_actor(), partner.id)
    except InvalidInput as error:
        flash(" ".join(m for msgs in error.errors.values() for m in msgs), "error")
    else:
        flash(f"A fresh link is on its way to {partner.first_name}.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=partner.couple_id))


@bp.route("/partners/<int:partner_id>/resume-emails", methods=["POST"])
def partner_resume_emails(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    _require_csrf()
    preferences.resume_emails(current_actor(), partner.id)
    flash(f"Emails to {partner.first_name} are back on.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=partner.couple_id))


@bp.route("/couples/<int:couple_id>/revoke-links", methods=["POST"])
def couple_revoke_links(couple_id: int) -> ResponseReturnValue:
    _require_csrf()
    revoked = links.revoke_couple_links(current_actor(), couple_id)
    flash(f"{revoked} link(s) revoked. Send a fresh link when the partners need one.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=couple_id))
