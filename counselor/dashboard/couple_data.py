"""A couple's data on request, from the couple's page: *Export couple* (a JSON download) and
*Erase couple* (a confirm page where the counselor types the couple's name; the one action
of the dashboard that can't be undone, so the page offers to export first). Settings ›
Data retention lives in ``retention_settings.py``."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField

from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.form_checks import text_bounds
from counselor.models import Couple
from counselor.services.couples import erasure, export
from counselor.services.validation import LABEL_MAX
from counselor.tenancy import get_in_practice


class EraseForm(FlaskForm):
    typed_label = StringField(
        "Type the couple's name to confirm",
        validators=text_bounds(LABEL_MAX),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


@bp.route("/couples/<int:couple_id>/export")
def couple_export(couple_id: int) -> ResponseReturnValue:
    """*Export couple*: everything stored about the couple, as a JSON file (audited)."""
    couple = get_in_practice(Couple, couple_id)
    document = export.export_couple(current_actor(), couple)
    return Response(
        export.to_json(document),
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{export.file_name(couple, document["exported_at"])}"'
            )
        },
    )


@bp.route("/couples/<int:couple_id>/erase", methods=["GET", "POST"])
def couple_erase(couple_id: int) -> ResponseReturnValue:
    """*Erase couple*: the confirm page (GET), and the erasure once the typed name matches."""
    couple = get_in_practice(Couple, couple_id)
    if couple.erased_at is not None:
        flash("This couple's data was already erased.", "info")
        return redirect(url_for("dashboard.couple_detail", couple_id=couple.id), 303)
    form = EraseForm()
    if form.validate_on_submit():
        if (form.typed_label.data or "").strip() == couple.label.strip():
            erasure.erase_couple(current_actor(), couple)
            flash(
                f"The couple's data was erased. It is now “{couple.label}”: its counts stay "
                "for the practice's figures.",
                "success",
            )
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id), 303)
        form.typed_label.errors = [
            "That is not the couple's name as it is stored: nothing was erased. "
            "Type it exactly as shown above."
        ]
    status = 422 if request.method == "POST" else 200
    return render_template("dashboard/couple_erase.html", couple=couple, form=form), status
