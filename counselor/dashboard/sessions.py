"""Sessions of a couple, entered and shown on the counselor's own clock (their time zone,
as every time on the dashboard): the date, time and agenda (*Edit*), and the private notes
written after the session (*Notes*). Saving leads back to the couple's page, at the next
session for an upcoming one and at its history for a past one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed, offer_undo
from counselor.dashboard.forms import DeleteForm, NotesForm, SessionForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple, CoupleSession
from counselor.services.audit import record_event
from counselor.services.couples import sessions
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice
from counselor.web import local_time, show_errors


def _starts_at(form: SessionForm) -> datetime:
    zone = ZoneInfo(current_user.timezone)
    return datetime.combine(form.day.data, form.time.data, tzinfo=zone)


@bp.route("/couples/<int:couple_id>/sessions/new", methods=["GET", "POST"])
def session_new(couple_id: int) -> ResponseReturnValue:
    actor = current_actor()
    couple = get_in_practice(Couple, couple_id)
    form = SessionForm()
    if request.method == "GET":
        record_event(actor, "session.view_form", "couple", couple.id)
    if form.validate_on_submit():
        try:
            session = sessions.add_session(
                actor,
                couple.id,
                _starts_at(form),
                form.external_id.data,
                agenda=form.agenda.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error, aliases={"starts_at": "day"})
        else:
            flash("Session added.", "success")
            return redirect(_back_to_couple(session))
    return _render(form, couple, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: int) -> ResponseReturnValue:
    actor = current_actor()
    session = sessions.get_session(session_id)
    couple = session.couple
    form = SessionForm(obj=session)
    if request.method == "GET":
        local = session.starts_at.astimezone(ZoneInfo(current_user.timezone))
        form.day.data, form.time.data = local.date(), local.time().replace(second=0)
        record_event(actor, "session.view_form", "session", session.id)
    if form.validate_on_submit():
        try:
            sessions.update_session(
                actor,
                session.id,
                _starts_at(form),
                form.external_id.data,
                agenda=form.agenda.data or "",
            )
        except InvalidInput as error:
            show_errors(form, error, aliases={"starts_at": "day"})
        else:
            flash("Session updated.", "success")
            return redirect(_back_to_couple(session))
    return _render(form, couple, session=session)


@bp.route("/sessions/<int:session_id>/notes", methods=["GET", "POST"])
def session_notes(session_id: int) -> ResponseReturnValue:
    """The counselor's private notes on a session, written after it."""
    actor = current_actor()
    session = sessions.get_session(session_id)
    form = NotesForm(obj=session)
    if request.method == "GET":
        record_event(actor, "session.view_notes", "session", session.id)
    if form.validate_on_submit():
        try:
            sessions.write_notes(actor, session.id, form.notes.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash("Notes saved.", "success")
            return redirect(_back_to_couple(session))
    page = render_template(
        "dashboard/session_notes.html",
        form=form,
        couple=session.couple,
        session=session,
        started=sessions.has_started(session, timeutil.utcnow()),
    )
    return page, 422 if request.method == "POST" else 200


def _back_to_couple(session: CoupleSession) -> str:
    """The couple's page where this session shows: its next session, or its history."""
    upcoming = not sessions.is_over(session, timeutil.utcnow())
    return url_for(
        "dashboard.couple_detail",
        couple_id=session.couple_id,
        _anchor="next-session" if upcoming else "history",
    )


@bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def session_delete(session_id: int) -> ResponseReturnValue:
    """*Remove*: a confirm page (GET, or a POST without the confirmation), then the removal,
    which the couple's page offers to undo."""
    actor = current_actor()
    session = sessions.get_session(session_id)
    if request.method == "GET" or not confirmed():
        return _confirm_removal(session)
    sessions.remove_session(actor, session.id)
    offer_undo(
        session.couple_id,
        f"Session of {_when(session)} removed.",
        url_for("dashboard.session_restore", session_id=session.id),
    )
    return redirect(url_for("dashboard.couple_detail", couple_id=session.couple_id))


@bp.route("/sessions/<int:session_id>/restore", methods=["POST"])
def session_restore(session_id: int) -> ResponseReturnValue:
    """Undo a removal (from the banner, or from the couple's *Removed sessions*)."""
    actor = current_actor()
    session = get_in_practice(CoupleSession, session_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    sessions.restore_session(actor, session.id)
    flash(f"Session of {_when(session)} restored.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=session.couple_id))


def _confirm_removal(session: CoupleSession) -> str:
    consequences = [
        "It leaves the couple's sessions, and no pre-session report is prepared for it.",
        "Reports already made for it stay on the couple's page.",
        "You can restore it from the couple's page (under Removed sessions).",
    ]
    if session.external_id:
        consequences.insert(
            1, f"Its external id {session.external_id} stays with it until it is restored."
        )
    return confirm_page(
        Confirmation(
            title="Remove this session?",
            question=f"Remove the session of {_when(session)}?",
            consequences=consequences,
            action=url_for("dashboard.session_delete", session_id=session.id),
            confirm_label="Remove the session",
            back=url_for("dashboard.couple_detail", couple_id=session.couple_id),
            back_label="Keep it and go back",
        ),
        session.couple.label,
    )


def _when(session: CoupleSession) -> str:
    """The session's start on the counselor's clock, labelled, as the couple's page shows it."""
    return local_time(session.starts_at, current_user.timezone)


def _render(
    form: SessionForm, couple: Couple, session: CoupleSession | None
) -> ResponseReturnValue:
    return (
        render_template("dashboard/session_form.html", form=form, couple=couple, session=session),
        422 if request.method == "POST" else 200,
    )
