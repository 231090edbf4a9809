"""Pausing, closing and reopening a couple from its page.

Pausing or closing asks first (a confirm page), then the couple's page offers to undo it;
a paused or closed couple shows *Reopen couple*. The couple form's status field goes
through the same confirmation (dashboard/couples.py).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed, offer_undo
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple, CoupleStatus
from counselor.services.couples import couples
from counselor.tenancy import get_in_practice

# Statuses that stop the work, and so ask for confirmation first.
GUARDED = (CoupleStatus.PAUSED, CoupleStatus.CLOSED)
VERBS = {CoupleStatus.PAUSED: "paused", CoupleStatus.CLOSED: "closed"}


@bp.route("/couples/<int:couple_id>/pause")
def couple_pause(couple_id: int) -> ResponseReturnValue:
    """The confirm page of *Pause couple* (a GET: it changes nothing)."""
    return status_confirmation(get_in_practice(Couple, couple_id), CoupleStatus.PAUSED)


@bp.route("/couples/<int:couple_id>/close")
def couple_close(couple_id: int) -> ResponseReturnValue:
    """The confirm page of *Close couple*."""
    return status_confirmation(get_in_practice(Couple, couple_id), CoupleStatus.CLOSED)


@bp.route("/couples/<int:couple_id>/status", methods=["POST"])
def couple_set_status(couple_id: int) -> ResponseReturnValue:
    """Pause or close once confirmed (without the confirmation: the confirm page); reopen
    at once, since reopening takes nothing away."""
    couple = get_in_practice(Couple, couple_id)
    try:
        status = CoupleStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if status in GUARDED:
        if not confirmed():
            return status_confirmation(couple, status)
    elif not DeleteForm().validate_on_submit():  # reopening needs no confirmation, only CSRF
        abort(400)
    previous = couples.set_status(current_actor(), couple.id, status)
    back = redirect(url_for("dashboard.couple_detail", couple_id=couple.id))
    if previous == status:
        return back
    if status in GUARDED:
        offer_status_undo(couple, previous, f"{couple.label} is {VERBS[status]}.")
    else:
        flash(
            f"{couple.label} is active again. Links sent before were stopped; "
            "their next email brings a fresh one.",
            "success",
        )
    return back


def offer_status_undo(couple: Couple, previous: CoupleStatus, message: str) -> None:
    """The couple's page offers to put the status it had back."""
    offer_undo(
        couple.id,
        message,
        url_for("dashboard.couple_set_status", couple_id=couple.id),
        {"status": previous.value, "confirmed": "yes"},
        label="Undo" if previous == CoupleStatus.ACTIVE else f"Undo (back to {previous.value})",
    )


def status_confirmation(
    couple: Couple,
    status: CoupleStatus,
    *,
    action: str | None = None,
    fields: list[tuple[str, str]] | None = None,
) -> ResponseReturnValue:
    """The confirm page of pausing or closing ``couple``; by default it posts to the status
    route, the couple form passes its own URL and fields."""
    back = url_for("dashboard.couple_detail", couple_id=couple.id)
    if couple.status == status:
        flash(f"{couple.label} is already {VERBS[status]}.", "error")
        return redirect(back)
    names = " and ".join(p.first_name for p in couple.partners)
    stops = (
        f"Reminders and emails to {names} stop, and every link already sent to them stops working."
    )
    if status == CoupleStatus.PAUSED:
        question = f"Pause the work with {couple.label}?"
        consequences = [
            stops,
            "No pre-session report is prepared while the couple is paused.",
        ]
    else:
        question = f"Close {couple.label}?"
        consequences = [
            stops,
            "No new step can be assigned and no pre-session report is prepared.",
        ]
    consequences.append(
        "Steps, check-ins and sessions stay on record, and you can undo this: reopen the "
        "couple at any time (their next email then brings a fresh link)."
    )
    verb = "Pause" if status == CoupleStatus.PAUSED else "Close"
    return confirm_page(
        Confirmation(
            title=f"{verb} this couple?",
            question=question,
            consequences=consequences,
            action=action or url_for("dashboard.couple_set_status", couple_id=couple.id),
            confirm_label=f"{verb} the couple",
            back=back,
            back_label=f"Keep {couple.label} {couple.status.value} and go back",
            fields=fields if fields is not None else [("status", status.value)],
        ),
        couple.label,
    )
