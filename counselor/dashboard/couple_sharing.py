"""*Reveal together* for one couple, from its page: the practice's choice (Settings ›
Practice), or on, or off for this couple (``reflections.reveal_together``)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple
from counselor.services.homework import reflections
from counselor.tenancy import get_in_practice

# The form's values: the practice's choice, or this couple's own.
CHOICES = {"practice": None, "on": True, "off": False}


def choice_of(couple: Couple) -> str:
    """The form's value for the couple's setting."""
    return next(key for key, value in CHOICES.items() if value is couple.reveal_together)


@bp.route("/couples/<int:couple_id>/reveal-together", methods=["POST"])
def couple_reveal_together(couple_id: int) -> ResponseReturnValue:
    couple = get_in_practice(Couple, couple_id)
    choice = request.form.get("reveal_together", "")
    if not DeleteForm().validate_on_submit() or choice not in CHOICES:
        abort(400)
    if reflections.set_reveal_together(current_actor(), couple, CHOICES[choice]):
        # "this couple", not its label: a label may end in a full stop ("Alex & Sam R.").
        state = "on" if reflections.reveal_together(couple) else "off"
        whose = " (the practice's choice)" if couple.reveal_together is None else ""
        flash(f"Reveal together is {state} for this couple{whose}.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=couple.id) + "#reveal-together")
