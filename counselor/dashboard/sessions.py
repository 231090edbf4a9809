"""Upcoming sessions of a couple, entered and shown on the counselor's own clock (their
time zone, as every time on the dashboard)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm, SessionForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple, CoupleSession
from counselor.services.couples import sessions
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice
from counselor.web import show_errors


def _starts_at(form: SessionForm) -> datetime:
    zone = ZoneInfo(current_user.timezone)
    return datetime.combine(form.day.data, form.time.data, tzinfo=zone)


@bp.route("/couples/<int:couple_id>/sessions/new", methods=["GET", "POST"])
def session_new(couple_id: int) -> ResponseReturnValue:
    actor = current_actor()
    couple = get_in_practice(Couple, couple_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            sessions.add_session(actor, couple.id, _starts_at(form), form.external_id.data)
        except InvalidInput as error:
            show_errors(form, error, aliases={"starts_at": "day"})
        else:
            flash("Session added.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))
    return _render(form, couple, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: int) -> ResponseReturnValue:
    actor = current_actor()
    session = get_in_practice(CoupleSession, session_id)
    couple = session.couple
    form = SessionForm(obj=session)
    if request.method == "GET":
        local = session.starts_at.astimezone(ZoneInfo(current_user.timezone))
        form.day.data, form.time.data = local.date(), local.time().replace(second=0)
    if form.validate_on_submit():
        try:
            sessions.update_session(actor, session.id, _starts_at(form), form.external_id.data)
        except InvalidInput as error:
            show_errors(form, error, aliases={"starts_at": "day"})
        else:
            flash("Session updated.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))
    return _render(form, couple, session=session)


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
def session_delete(session_id: int) -> ResponseReturnValue:
    actor = current_actor()
    session = get_in_practice(CoupleSession, session_id)
    if DeleteForm().validate_on_submit():
        sessions.delete_session(actor, session.id)
        flash("Session removed.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=session.couple_id))


def _render(
    form: SessionForm, couple: Couple, session: CoupleSession | None
) -> ResponseReturnValue:
    return (
        render_template("dashboard/session_form.html", form=form, couple=couple, session=session),
        422 if request.method == "POST" else 200,
    )
