"""Homework: assigning ladder steps to a couple, changing them, ending them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.ladder import TIMES_PER_WEEK_MAX, TIMES_PER_WEEK_MIN
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    Couple,
    CoupleStatus,
    LadderRung,
    Practice,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import notifications
from counselor.services.errors import DuplicateAssignment, FieldErrors, InvalidInput
from counselor.services.homework.leaning import leans_on_partner
from counselor.services.homework.practice_ladder import EffectiveTemplate, effective_template
from counselor.services.homework.step_origin import ORIGIN_LOADS
from counselor.services.validation import (
    INSTRUCTIONS_MAX,
    TITLE_MAX,
    check_int_range,
    check_text,
)
from counselor.tenancy import get_in_practice


@dataclass
class AssignmentInput:
    """What a counselor (or host) gives: a template, or a custom step on a chosen rung.

    With a template, ``title``/``instructions`` override its text (the counselor
    edited it before assigning); left empty they take the template's.
    """

    # "each", "together" or a partner id; None: the template's suggestion, else "each".
    assignee: str | int | None = None
    template_key: str | None = None
    rung_id: int | None = None
    title: str | None = None
    instructions: str | None = None
    times_per_week: int | None = None
    starts_on: date | None = None
    due_on: date | None = None
    notify: bool = True  # email the partners who do the step
    # The counselor ticked *send now*: the email does not wait for the partner's allowed hours.
    send_now: bool = False
    # The counselor confirmed "Assign it again?": the couple may have this step twice.
    allow_duplicate: bool = False


@dataclass
class AssignmentChanges:
    title: str
    instructions: str
    assignee: str | int
    times_per_week: int | None
    starts_on: date | None
    due_on: date | None


def assign_homework(actor: Actor, couple_id: int, data: AssignmentInput) -> Assignment:
    couple = get_in_practice(Couple, couple_id)
    problems = FieldErrors()
    if couple.status == CoupleStatus.CLOSED:
        raise InvalidInput.single("couple", "This couple is closed; reopen it to assign homework.")

    template = None
    if data.template_key:  # the step as the practice offers it (its own text, if any)
        template = effective_template(actor.practice_id, data.template_key)
        if template is None:
            problems.add("template_key", "No step with this key on the ladder.")
    rung = template.rung if template else _rung_or_problem(problems, data.rung_id)
    title = data.title if data.title or not template else template.title
    instructions = data.instructions if data.instructions or not template else template.instructions
    times = data.times_per_week
    if times is None and template is not None:
        times = template.times_per_week

    today = practice_today(actor.practice_id)
    starts_on = data.starts_on or today
    if data.due_on is not None and data.due_on < today:
        problems.add("due_on", "The due date has already passed.")
    wanted = data.assignee
    if wanted is None:
        wanted = template.who.value if template else Assignee.EACH.value
    assignee, partner_id = _check_assignee(problems, couple, wanted)
    fields = _check_step_fields(problems, title, instructions, times, starts_on, data.due_on)
    problems.raise_if_any()
    assert rung is not None  # else _rung_or_problem added a problem
    if not data.allow_duplicate:
        _refuse_duplicate(couple.id, template, rung.id, fields["title"])

    assignment = Assignment(
        practice_id=actor.practice_id,
        couple_id=couple.id,
        rung_id=rung.id,
        assignee=assignee,
        assignee_partner_id=partner_id,
        created_by_id=actor.id if actor.kind == "counselor" else None,
        leans_on_partner=(
            template.leans_on_partner if template else leans_on_partner(rung.position, None)
        ),
        **_given_from(template, fields["title"], fields["instructions"]),
        **fields,
    )
    db.session.add(assignment)
    db.session.flush()
    record_event(actor, "assignment.create", "assignment", assignment.id)
    if data.notify:
        notifications.notify_new_step(assignment, send_now=data.send_now)
    return assignment


def _given_from(template: EffectiveTemplate | None, title: str, instructions: str) -> dict:
    """What a step keeps of the ladder step it was given from: the shipped template and
    its version, the practice's text and its version when the practice's words were used,
    and the step's words in other languages — only while the counselor gave it as the
    ladder words it (reworded, the translations would say another step). Whether its
    title and instructions are the ladder's as given (``words_from_ladder``): words written
    or reworded for the couple are clinical text (``step_origin.host_step_words``)."""
    if template is None:
        return {"words_from_ladder": False}
    practice_text = template.practice if template.source == "practice" else None
    as_worded = (title, instructions) == (template.title, template.instructions)
    return {
        "template_id": template.base.id if template.base else None,
        "template_version": template.base.version if template.base else None,
        "practice_template_id": practice_text.id if practice_text else None,
        "practice_template_version": practice_text.version if practice_text else None,
        "translations": template.translations if as_worded else None,
        "words_from_ladder": as_worded,
    }


def _refuse_duplicate(
    couple_id: int, template: EffectiveTemplate | None, rung_id: int, title: str
) -> None:
    """Raise ``DuplicateAssignment`` when the couple already has this step active
    (``active_duplicate``): the partners would see two cards for one step."""
    template_id = template.base.id if template and template.base else None
    own_id = template.practice.id if template and template.own and template.practice else None
    active = active_duplicate(couple_id, template_id, rung_id, title, practice_template_id=own_id)
    if active is not None:
        since = f"{active.starts_on.day} {active.starts_on:%b %Y}"
        same_template = (template_id is not None and active.template_id == template_id) or (
            own_id is not None and active.practice_template_id == own_id
        )
        raise DuplicateAssignment(
            "template_key" if same_template else "title",
            f"This couple already has \u201c{active.title}\u201d active, since {since}.",
            existing_id=active.id,
            existing_starts_on=active.starts_on,
        )


def active_duplicate(
    couple_id: int,
    template_id: int | None,
    rung_id: int,
    title: str,
    *,
    other_than: int | None = None,
    practice_template_id: int | None = None,
) -> Assignment | None:
    """The couple's earliest active step that is the same step: the same ladder template
    (a shipped one, or ``practice_template_id``, a step of the practice's own), or the same
    title on the same rung (case and spacing aside) — docs/design.md, "Duplicate steps".
    ``other_than``: leave this step out (it is the one compared)."""
    wanted = _comparable(title)
    query = sa.select(Assignment).where(
        Assignment.couple_id == couple_id, Assignment.status == AssignmentStatus.ACTIVE
    )
    if other_than is not None:
        query = query.where(Assignment.id != other_than)
    for active in db.session.scalars(query.order_by(Assignment.starts_on, Assignment.id)):
        same_template = (template_id is not None and active.template_id == template_id) or (
            practice_template_id is not None and active.practice_template_id == practice_template_id
        )
        if same_template or (active.rung_id == rung_id and _comparable(active.title) == wanted):
            return active
    return None


def _comparable(title: str) -> str:
    return " ".join(title.split()).casefold()


def update_assignment(actor: Actor, assignment_id: int, changes: AssignmentChanges) -> Assignment:
    assignment = get_in_practice(Assignment, assignment_id)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidInput.single("status", "This step has ended; assign it again to restart it.")
    problems = FieldErrors()
    assignee, partner_id = _check_assignee(problems, assignment.couple, changes.assignee)
    fields = _check_step_fields(
        problems,
        changes.title,
        changes.instructions,
        changes.times_per_week,
        changes.starts_on or assignment.starts_on,
        changes.due_on,
    )
    problems.raise_if_any()
    if (fields["title"], fields["instructions"]) != (assignment.title, assignment.instructions):
        assignment.translations = None  # they said the words the step no longer has
        assignment.words_from_ladder = False  # reworded for the couple: clinical text
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.assignee, assignment.assignee_partner_id = assignee, partner_id
    record_event(actor, "assignment.update", "assignment", assignment.id)
    return assignment


def couple_assignments(couple_id: int) -> list[Assignment]:
    """All of a couple's assignments, by rung then newest first, rungs and the ladder rows
    they were given from loaded (``step_origin.ORIGIN_LOADS``)."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(LadderRung)
            .where(Assignment.couple_id == couple_id)
            .order_by(LadderRung.position, Assignment.created_at.desc(), Assignment.id.desc())
            .options(selectinload(Assignment.rung), *ORIGIN_LOADS)
        )
    )


def current_rung(assignments: list[Assignment]) -> LadderRung | None:
    """The highest rung among active assignments (docs/design.md, "Current rung")."""
    active = [a.rung for a in assignments if a.status == AssignmentStatus.ACTIVE]
    return max(active, key=lambda rung: rung.position, default=None)


def practice_today(practice_id: int) -> date:
    zone = db.session.scalar(sa.select(Practice.timezone).where(Practice.id == practice_id))
    return timeutil.local_today(zone or "UTC")


def assignee_partner_ids(assignment: Assignment, partner_ids: list[int]) -> list[int]:
    """The partners who do this step (docs/design.md, "Assignee")."""
    # A partner is named exactly when the assignee is "partner" (a check constraint).
    if assignment.assignee_partner_id is not None:
        return [assignment.assignee_partner_id]
    return list(partner_ids)


def _rung_or_problem(problems: FieldErrors, rung_id: int | None) -> LadderRung | None:
    rung = db.session.get(LadderRung, rung_id) if rung_id is not None else None
    if rung is None:
        problems.add("rung_id", "Choose the rung this step belongs to.")
    return rung


def _check_assignee(
    problems: FieldErrors, couple: Couple, value: str | int | None
) -> tuple[Assignee, int | None]:
    if value in (Assignee.EACH.value, Assignee.TOGETHER.value):
        return Assignee(value), None
    partner_ids = {partner.id for partner in couple.partners}
    try:
        partner_id = None if value is None else int(value)
    except (TypeError, ValueError):
        partner_id = None
    if partner_id not in partner_ids:
        problems.add("assignee", "Choose each partner, both together, or one of the partners.")
        return Assignee.EACH, None
    return Assignee.PARTNER, partner_id


def _check_step_fields(
    problems: FieldErrors,
    title: str | None,
    instructions: str | None,
    times_per_week: int | None,
    starts_on: date,
    due_on: date | None,
) -> dict:
    fields = {
        "title": check_text(problems, "title", title, max_length=TITLE_MAX),
        "instructions": check_text(
            problems, "instructions", instructions, max_length=INSTRUCTIONS_MAX
        ),
        "times_per_week": check_int_range(
            problems, "times_per_week", times_per_week, TIMES_PER_WEEK_MIN, TIMES_PER_WEEK_MAX
        ),
        "starts_on": starts_on,
        "due_on": due_on,
    }
    if due_on is not None and due_on < starts_on:
        problems.add("due_on", "The due date must be on or after the start date.")
    return fields
