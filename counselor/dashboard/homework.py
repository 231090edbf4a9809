"""Homework pages: assign a ladder step, edit or end it, record a check-in for a partner."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.forms import (
    AssignmentForm,
    CheckInForm,
    EndAssignmentForm,
    assignee_choices,
)
from counselor.dashboard.helpers import current_actor
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckInSource,
)
from counselor.services.errors import InvalidInput
from counselor.services.homework import assignments, checkins, ladder, lifecycle
from counselor.services.homework.assignments import AssignmentChanges
from counselor.services.homework.checkins import CheckInInput
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
        render_template("dashboard/assignment_edit.html", form=form, assignment=assignment),
        422 if request.method == "POST" else 200,
    )


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
def assignment_end(assignment_id: int) -> ResponseReturnValue:
    actor = current_actor()
    assignment = get_in_practice(Assignment, assignment_id)
    form = EndAssignmentForm()
    if not form.validate_on_submit() or form.status.data not in {"completed", "cancelled"}:
        abort(400)
    try:
        lifecycle.end_assignment(actor, assignment.id, AssignmentStatus(form.status.data))
    except InvalidInput as error:
        flash(" ".join(m for msgs in error.errors.values() for m in msgs), "error")
    else:
        flash(f"\u201c{assignment.title}\u201d marked {form.status.data}.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=assignment.couple_id))


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


@bp.route("/ladder")
def ladder_page() -> ResponseReturnValue:
    """The practical-steps ladder with the counselor's notes for each rung."""
    return render_template(
        "dashboard/ladder.html",
        rungs=ladder.ladder_rungs(),
        active_templates=ladder.active_templates,
    )
