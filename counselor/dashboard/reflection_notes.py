"""The counselor's short note on a reflection, from the couple page's reflection list.

One note per reflection: writing over it changes it; removing it asks first (a confirm
page) and the couple page then offers *Undo*; a removed note also shows *Restore*. A
note is a preset (``replies.NOTE_PRESETS``, the session's weekday filled in) or the
counselor's own words. Words that cannot be saved come back as a message on the couple
page, nothing written. The note is client-facing text: never in an email, a log line or
an audit event (ids only).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed, offer_undo
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import CheckIn, Couple
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import replies
from counselor.tenancy import get_in_practice


def _reflection(couple_id: int, checkin_id: int) -> tuple[Couple, CheckIn]:
    """The couple and one of its reflections, else 404 (another couple's is missing)."""
    couple = get_in_practice(Couple, couple_id)
    check_in = get_in_practice(CheckIn, checkin_id)
    if check_in.assignment.couple_id != couple.id or not check_in.reflection:
        raise NotFound(f"reflection {checkin_id}")
    return couple, check_in


def _back(couple: Couple, check_in: CheckIn) -> Response:
    return redirect(
        url_for("dashboard.couple_detail", couple_id=couple.id) + f"#reflection-{check_in.id}"
    )


def preset_choices(couple: Couple, check_in: CheckIn) -> list[str]:
    """The presets offered for this reflection (its author's clock names the weekday)."""
    start = replies.next_session_start(couple.id, timeutil.utcnow())
    return replies.note_presets(start, check_in.partner.timezone)


@bp.route("/couples/<int:couple_id>/reflections/<int:checkin_id>/note", methods=["POST"])
def reflection_note(couple_id: int, checkin_id: int) -> ResponseReturnValue:
    """Write or change the note: the words typed, else the preset chosen."""
    couple, check_in = _reflection(couple_id, checkin_id)
    if not DeleteForm().validate_on_submit():  # the CSRF token only
        flash("The page was out of date; please try again.", "error")
        return _back(couple, check_in)
    body = (request.form.get("body") or "").strip()
    if not body:
        presets = preset_choices(couple, check_in)
        index = request.form.get("preset", "")
        if index.isascii() and index.isdigit() and int(index) < len(presets):
            body = presets[int(index)]
    try:
        replies.write_note(current_actor(), check_in.id, body)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"Your note is on {check_in.partner.first_name}'s page.", "success")
    return _back(couple, check_in)


@bp.route(
    "/couples/<int:couple_id>/reflections/<int:checkin_id>/note/remove", methods=["GET", "POST"]
)
def reflection_note_remove(couple_id: int, checkin_id: int) -> ResponseReturnValue:
    """Remove the note once confirmed (GET, or a POST without the confirmation: the
    confirm page); the couple page then offers *Undo*."""
    couple, check_in = _reflection(couple_id, checkin_id)
    replies.live_note(check_in.id)  # no note: 404
    if request.method == "POST" and confirmed():
        replies.remove_note(current_actor(), check_in.id)
        offer_undo(
            couple.id,
            f"Your note to {check_in.partner.first_name} is removed.",
            url_for(
                "dashboard.reflection_note_restore", couple_id=couple.id, checkin_id=check_in.id
            ),
        )
        return _back(couple, check_in)
    name = check_in.partner.first_name
    return confirm_page(
        Confirmation(
            title="Remove this note?",
            question=f"Remove your note on {name}'s reflection of {check_in.occurred_on:%A %d %B}?",
            consequences=[
                f"{name} no longer sees it on their page.",
                "If an email told them you replied, it carried none of your words.",
                "You can undo this: the couple page offers Undo, and Restore afterwards.",
            ],
            action=url_for(
                "dashboard.reflection_note_remove", couple_id=couple.id, checkin_id=check_in.id
            ),
            confirm_label="Remove the note",
            back=url_for("dashboard.couple_detail", couple_id=couple.id),
        ),
        couple.label,
    )


@bp.route("/couples/<int:couple_id>/reflections/<int:checkin_id>/note/restore", methods=["POST"])
def reflection_note_restore(couple_id: int, checkin_id: int) -> ResponseReturnValue:
    """Undo a removal: the same note is back on the partner's page (no email)."""
    couple, check_in = _reflection(couple_id, checkin_id)
    if not DeleteForm().validate_on_submit():
        flash("The page was out of date; please try again.", "error")
        return _back(couple, check_in)
    replies.restore_note(current_actor(), check_in.id)
    flash(f"Your note is back on {check_in.partner.first_name}'s page.", "success")
    return _back(couple, check_in)
