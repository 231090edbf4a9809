"""Homework pages: edit or end a step, record a check-in for a partner. (Assigning a step:
``assign.py``; the ladder page: ``ladder_pages.py``.)"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed, offer_undo
from counselor.dashboard.forms import (
    AssignmentForm,
    CheckInForm,
    DeleteForm,
    assignee_choices,
)
from counselor.dashboard.helpers import current_actor
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckInSource,
)
from counselor.services.audit import record_event
from counselor.services.couples.partner_language import translation_notice
from counselor.services.errors import InvalidInput
from counselor.services.homework import assignments, checkins, lifecycle
from counselor.services.homework.assignments import AssignmentChanges
from counselor.services.homework.checkins import CheckInInput
from counselor.services.homework.titles import step_titles
from counselor.tenancy import get_in_practice
from counselor.web import show_errors


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
def assignment_edit(assignment_id: int) -> ResponseReturnValue:
    actor = current_actor()
    assignment = get_in_practice(Assignment, assignment_id)
    form = AssignmentForm(obj=assignment)
    form.rung_id.choices = [SelectChoice(assignment.rung_id, "")]
    form.assignee.choices = assignee_choices(assignment.couple)
    if request.method == "GET":
        form.assignee.data = (
            str(assignment.assignee_partner_id)
            if assignment.assignee == Assignee.PARTNER
            else assignment.assignee.value
        )
        record_event(actor, "assignment.view_form", "assignment", assignment.id)
    if form.validate_on_submit():
        changes = AssignmentChanges(
            title=form.title.data,
            instructions=form.instructions.data,
            assignee=form.assignee.data or "",
            times_per_week=form.times_per_week.data,
            starts_on=form.starts_on.data,
            due_on=form.due_on.data,
        )
        try:
            assignments.update_assignment(actor, assignment.id, changes)
        except InvalidInput as error:
            show_errors(form, error, aliases={"status": "form"})
        else:
            flash("Step updated.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=assignment.couple_id))
    return (
        render_template(
            "dashboard/assignment_edit.html",
            form=form,
            assignment=assignment,
            language_notice=translation_notice(assignment.couple.partners),
        ),
        422 if request.method == "POST" else 200,
    )


# How each ending is asked for and confirmed (the path of its confirm page, its wording).
ENDINGS = {
    AssignmentStatus.CANCELLED: ("Cancel", "Cancel the step", "cancelled"),
    AssignmentStatus.COMPLETED: ("Mark completed", "Mark it completed", "marked completed"),
}


@bp.route("/assignments/<int:assignment_id>/cancel")
def assignment_cancel(assignment_id: int) -> ResponseReturnValue:
    """The confirm page of *Cancel step* (a GET: it changes nothing)."""
    return _confirm_ending(get_in_practice(Assignment, assignment_id), AssignmentStatus.CANCELLED)


@bp.route("/assignments/<int:assignment_id>/complete")
def assignment_complete(assignment_id: int) -> ResponseReturnValue:
    """The confirm page of *Mark completed*."""
    return _confirm_ending(get_in_practice(Assignment, assignment_id), AssignmentStatus.COMPLETED)


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
def assignment_end(assignment_id: int) -> ResponseReturnValue:
    """End a step once confirmed; a POST without the confirmation shows the confirm page."""
    actor = current_actor()
    assignment = get_in_practice(Assignment, assignment_id)
    try:
        status = AssignmentStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if status not in ENDINGS:
        abort(400)
    if not confirmed():
        return _confirm_ending(assignment, status)
    try:
        lifecycle.end_assignment(actor, assignment.id, status)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        offer_undo(
            assignment.couple_id,
            f"\u201c{_shown_title(assignment)}\u201d {ENDINGS[status][2]}. "
            "Its check-ins stay on record.",
            url_for("dashboard.assignment_reopen", assignment_id=assignment.id),
        )
    return redirect(url_for("dashboard.couple_detail", couple_id=assignment.couple_id))


@bp.route("/assignments/<int:assignment_id>/reopen", methods=["POST"])
def assignment_reopen(assignment_id: int) -> ResponseReturnValue:
    """Undo an ending: the step is active again, every check-in still there."""
    assignment = get_in_practice(Assignment, assignment_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        lifecycle.reopen_assignment(current_actor(), assignment.id)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(
            f"\u201c{_shown_title(assignment)}\u201d is active again, with all its check-ins.",
            "success",
        )
        twin = assignments.active_duplicate(
            assignment.couple_id,
            assignment.template_id,
            assignment.rung_id,
            assignment.title,
            other_than=assignment.id,
            practice_template_id=assignment.practice_template_id,
        )
        if twin is not None:  # an undo is not refused, but the counselor hears of the twin
            flash(
                f"\u201c{twin.title}\u201d is also active, since {twin.starts_on.day} "
                f"{twin.starts_on:%b}: the partners now see two cards for this step. "
                "Cancel one of them if that is not what you meant.",
                "error",
            )
    return redirect(url_for("dashboard.couple_detail", couple_id=assignment.couple_id))


def _confirm_ending(assignment: Assignment, status: AssignmentStatus) -> ResponseReturnValue:
    back = url_for("dashboard.couple_detail", couple_id=assignment.couple_id)
    if assignment.status != AssignmentStatus.ACTIVE:
        flash(f"\u201c{assignment.title}\u201d is already {assignment.status.value}.", "error")
        return redirect(back)
    history = lifecycle.checkin_history(assignment.id)
    kept = _history_kept(history)
    title = f"\u201c{_shown_title(assignment)}\u201d"
    if status == AssignmentStatus.CANCELLED:
        question = f"Cancel {title}?"
        consequences = [
            f"{kept} and you can undo this.",
            "It leaves the partners' page, and no reminder mentions it any more.",
        ]
    else:
        question = f"Mark {title} completed?"
        consequences = [
            f"{kept} and you can reopen it later.",
            "It stops counting after today and leaves the partners' page.",
        ]
    return confirm_page(
        Confirmation(
            title=f"{ENDINGS[status][0]} this step?",
            question=question,
            consequences=consequences,
            action=url_for("dashboard.assignment_end", assignment_id=assignment.id),
            confirm_label=ENDINGS[status][1],
            back=back,
            back_label="Keep it active and go back",
            fields=[("status", status.value)],
            danger=status == AssignmentStatus.CANCELLED,
        ),
        assignment.couple.label,
    )


def _shown_title(assignment: Assignment) -> str:
    """The step's title as the couple's page shows it: told apart from a step of the same
    title by its start date."""
    return step_titles(assignments.couple_assignments(assignment.couple_id))[assignment.id]


def _history_kept(history: lifecycle.CheckInHistory) -> str:
    """What stays on record, e.g. "Its 7 check-ins over 3 weeks stay on record"."""
    if not history.checkins:
        return "It has no check-ins yet"
    checkins = "1 check-in" if history.checkins == 1 else f"{history.checkins} check-ins"
    weeks = "1 week" if history.weeks == 1 else f"{history.weeks} weeks"
    verb = "stays" if history.checkins == 1 else "stay"
    return f"Its {checkins} over {weeks} {verb} on record"


@bp.route("/assignments/<int:assignment_id>/checkins/new", methods=["GET", "POST"])
def checkin_new(assignment_id: int) -> ResponseReturnValue:
    """The counselor records a check-in a partner reported (e.g. in session)."""
    actor = current_actor()
    assignment = get_in_practice(Assignment, assignment_id)
    partners = [
        p
        for p in assignment.couple.partners
        if p.id
        in assignments.assignee_partner_ids(assignment, [p.id for p in assignment.couple.partners])
    ]
    form = CheckInForm()
    form.partner_id.choices = [SelectChoice(p.id, p.first_name) for p in partners]
    if request.method == "GET":
        form.idempotency_key.data = checkins.new_idempotency_key()
        form.occurred_on.data = timeutil.local_today(partners[0].timezone)
        record_event(actor, "checkin.view_form", "assignment", assignment.id)
    if form.validate_on_submit():
        data = CheckInInput(
            partner_id=form.partner_id.data,
            source=CheckInSource.DASHBOARD,
            idempotency_key=form.idempotency_key.data or None,
            occurred_on=form.occurred_on.data,
            comfort=int(form.comfort.data) if form.comfort.data else None,
            reflection=form.reflection.data,
            share_with_partner=form.share_with_partner.data,
        )
        try:
            checkins.record_checkin(actor, assignment.id, data)
        except InvalidInput as error:
            show_errors(form, error, aliases={"assignment": "form"})
        else:
            flash("Check-in recorded.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=assignment.couple_id))
    return (
        render_template("dashboard/checkin_form.html", form=form, assignment=assignment),
        422 if request.method == "POST" else 200,
    )
