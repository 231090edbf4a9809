"""The assign page: give a couple a ladder step, from a template or written on a rung."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from counselor.dashboard import bp
from counselor.dashboard.forms import AssignmentForm, assignee_choices
from counselor.dashboard.helpers import current_actor
from counselor.models import Assignee
from counselor.services.couples.partner_language import translation_notice
from counselor.services.errors import DuplicateAssignment, InvalidInput
from counselor.services.homework import assignments
from counselor.services.homework.assignments import AssignmentInput
from counselor.services.homework.practice_ladder import EffectiveTemplate, effective_template
from counselor.services.pages.assign_page import assign_context
from counselor.web import show_errors


@bp.route("/couples/<int:couple_id>/assign", methods=["GET", "POST"])
def assign(couple_id: int) -> ResponseReturnValue:
    actor = current_actor()
    context = assign_context(couple_id)
    couple = context.couple
    form = AssignmentForm()
    form.rung_id.choices = [SelectChoice(r.id, f"{r.position}. {r.title}") for r in context.rungs]
    form.assignee.choices = assignee_choices(couple)

    template, valid = None, False
    if request.method == "GET":
        template = _prefill_assign_form(form, request.args, actor.practice_id)
    else:
        valid = form.validate_on_submit()
        if form.template_key.data and not form.template_key.errors:  # a key one could store
            template = effective_template(actor.practice_id, form.template_key.data)

    duplicate = None
    if valid:
        data = AssignmentInput(
            template_key=form.template_key.data or None,
            rung_id=form.rung_id.data,
            title=form.title.data,
            instructions=form.instructions.data,
            assignee=form.assignee.data or "",
            times_per_week=form.times_per_week.data,
            starts_on=form.starts_on.data,
            due_on=form.due_on.data,
            notify=form.notify.data,
            send_now=form.send_now.data,
            allow_duplicate=form.allow_duplicate.data,
        )
        try:
            assignment = assignments.assign_homework(actor, couple.id, data)
        except DuplicateAssignment as error:
            duplicate = error  # the page asks "Assign it again?"; nothing was written
        except InvalidInput as error:
            show_errors(form, error, aliases={"template_key": "title", "couple": "form"})
        else:
            flash(f"Assigned \u201c{assignment.title}\u201d.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))

    chosen = template is not None or bool(form.rung_id.data) or request.method == "POST"
    status = 200 if request.method == "GET" else 409 if duplicate else 422
    return (
        render_template(
            "dashboard/assign.html",
            couple=couple,
            context=context,
            note_rung=context.note_rung(template.rung_id if template else form.rung_id.data),
            form=form,
            template=template,
            chosen=chosen,
            duplicate=duplicate,
            language_notice=translation_notice(couple.partners),
        ),
        status,
    )


def _prefill_assign_form(
    form: AssignmentForm, args: MultiDict[str, str], practice_id: int
) -> EffectiveTemplate | None:
    """``?template=KEY`` starts from a step of the practice's ladder (its own text, if any);
    ``?rung=ID`` from a blank custom step."""
    form.assignee.data = Assignee.EACH.value
    form.starts_on.data = assignments.practice_today(practice_id)
    key = args.get("template")
    template = effective_template(practice_id, key) if key else None
    if template is not None:
        form.template_key.data = template.key
        form.rung_id.data = template.rung_id
        form.title.data = template.title
        form.instructions.data = template.instructions
        form.times_per_week.data = template.times_per_week
        form.assignee.data = template.who.value
    elif args.get("rung", type=int):
        form.rung_id.data = args.get("rung", type=int)
        form.times_per_week.data = 2
    else:
        form.rung_id.data = None
    return template
