"""Turning a couple's weekly healthy-dependence check-in on or off, from its page
(``services/homework/weekly_checkin.py`` holds the rules)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple
from counselor.services.errors import InvalidInput
from counselor.services.homework import weekly_checkin
from counselor.tenancy import get_in_practice

CHOICES = {"on": True, "off": False}


@bp.route("/couples/<int:couple_id>/weekly-checkin", methods=["POST"])
def couple_weekly_checkin(couple_id: int) -> ResponseReturnValue:
    """The couple page's *Turn on* / *Turn off* button: a POST with a CSRF token whose
    ``enabled`` says which. Answers already given stay either way."""
    couple = get_in_practice(Couple, couple_id)
    enabled = CHOICES.get(request.form.get("enabled", ""))
    if enabled is None or not DeleteForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("dashboard.couple_detail", couple_id=couple.id) + "#weekly-checkin")
    try:
        weekly_checkin.set_enabled(current_actor(), couple.id, enabled)
    except InvalidInput as error:
        flash(error.sentences, "error")
        return back
    if enabled:
        flash(
            "The weekly check-in is on: each partner's page now offers six quick statements "
            "about their week, once a week.",
            "success",
        )
    else:
        flash("The weekly check-in is off. The answers given so far stay on this page.", "success")
    return back
