"""The ladder page: the practice's ladder, which its owners edit — a step's text, steps of
the practice's own, retiring and bringing back, the base's text restored (confirmed, with
*Undo*), *Keep ours* after the shipped ladder changed, a rung's note — and its History.
Counselors who are not owners read it; every change answers them 403."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, ConfirmForm, confirmed
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.ladder_forms import LadderStepForm, RungNoteForm, other_languages_hint
from counselor.ladder import OTHER_LANGUAGES, language_name
from counselor.models import Counselor, LadderRung
from counselor.models.practice_ladder import LadderChangeKind, PracticeLadderChange
from counselor.services.accounts.settings import may_manage_practice
from counselor.services.errors import InvalidInput
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework.leaning import template_leans
from counselor.services.homework.practice_ladder import (
    EffectiveRung,
    EffectiveTemplate,
    effective_ladder,
    effective_rung,
    effective_template,
    ladder_history,
)
from counselor.web import show_errors

Change = Callable[[Counselor, str], PracticeLadderChange]

# What each change did, for the History ("Dana changed the text of “…”").
CHANGE_WORDS = {
    LadderChangeKind.OVERRIDDEN: "changed the practice's text of",
    LadderChangeKind.ADDED: "added the step",
    LadderChangeKind.EDITED: "edited the step",
    LadderChangeKind.RETIRED: "retired",
    LadderChangeKind.RETURNED: "brought back",
    LadderChangeKind.BASE_RESTORED: "restored the base text of",
    LadderChangeKind.BASE_REVIEWED: "kept the practice's text, after the base changed, of",
    LadderChangeKind.RUNG_NOTE: "wrote the practice's note for",
    LadderChangeKind.RUNG_NOTE_RESTORED: "went back to the base note for",
}


@bp.route("/ladder")
def ladder_page() -> ResponseReturnValue:
    """The practice's ladder with the counselor's notes for each rung; owners edit it here."""
    practice_id = current_user.practice_id
    may_edit = may_manage_practice(current_user)
    return render_template(
        "dashboard/ladder.html",
        rungs=effective_ladder(practice_id),
        may_edit=may_edit,
        undoable=set(edits.restores_to_undo(practice_id)) if may_edit else set(),
        history=ladder_history(practice_id),
        change_words=CHANGE_WORDS,
        form=DeleteForm(),
    )


@bp.route("/ladder/steps/<key>/edit", methods=["GET", "POST"])
def ladder_step_edit(key: str) -> ResponseReturnValue:
    _owners_only()
    template = _template_or_404(key)
    form = LadderStepForm()
    _offer_leaning(form, template.rung.position, template)
    if request.method == "GET":
        form.fill_from(template)
    elif form.validate_on_submit():
        try:
            change = edits.save_step(current_user, key, form.step_input())
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form", "key": "form"})
        else:
            done = "Nothing changed" if change is None else "Saved the practice's text"
            flash(f"{done}: \u201c{form.title.data.strip()}\u201d.", "success")
            return _back_to(key)
    return _step_form_page(form, template.rung, template)


@bp.route("/ladder/rungs/<int:rung_id>/steps/new", methods=["GET", "POST"])
def ladder_step_add(rung_id: int) -> ResponseReturnValue:
    _owners_only()
    rung = effective_rung(current_user.practice_id, rung_id)
    if rung is None:
        abort(404)
    form = LadderStepForm()
    _offer_leaning(form, rung.position, None)
    if request.method == "GET":
        form.times_per_week.data, form.who.data = 2, "each"
    elif form.validate_on_submit():
        try:
            change = edits.add_step(current_user, rung.id, form.step_input())
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form", "rung_id": "form"})
        else:
            flash(
                f"Added \u201c{(change.snapshot or {}).get('title')}\u201d to rung "
                f"{rung.position}.",
                "success",
            )
            return _back_to(change.template_key)
    return _step_form_page(form, rung, None)


@bp.route("/ladder/steps/<key>/retire", methods=["POST"])
def ladder_step_retire(key: str) -> ResponseReturnValue:
    return _confirmed_change(
        key,
        edits.retire_step,
        title="Retire this step?",
        consequences=[
            "It is no longer offered on the assign page or to the practice's systems.",
            "Steps already given from it stay as they are, with their words.",
            "You can bring it back from the ladder at any time.",
        ],
        label="Retire the step",
        done="Retired",
    )


@bp.route("/ladder/steps/<key>/bring-back", methods=["POST"])
def ladder_step_return(key: str) -> ResponseReturnValue:
    return _confirmed_change(
        key,
        edits.return_step,
        title="Bring this step back?",
        consequences=["It is offered again on the assign page and to the practice's systems."],
        label="Bring it back",
        done="Brought back",
        danger=False,
    )


@bp.route("/ladder/steps/<key>/restore-base", methods=["POST"])
def ladder_step_restore(key: str) -> ResponseReturnValue:
    return _confirmed_change(
        key,
        edits.restore_base,
        title="Restore the base text?",
        consequences=[
            "The step reads as the base ladder has it: its title, instructions, times "
            "and who does it, and its words in other languages.",
            "Steps already given keep the words they were given.",
            "Undo on the step puts the practice's text back.",
        ],
        label="Restore the base text",
        done="Restored the base text of",
    )


@bp.route("/ladder/steps/<key>/undo-restore", methods=["POST"])
def ladder_step_undo_restore(key: str) -> ResponseReturnValue:
    return _direct_change(key, edits.undo_restore, "Put back the practice's text of")


@bp.route("/ladder/steps/<key>/keep-ours", methods=["POST"])
def ladder_step_keep(key: str) -> ResponseReturnValue:
    return _direct_change(key, edits.keep_ours, "Kept the practice's text of")


@bp.route("/ladder/rungs/<int:rung_id>/note", methods=["GET", "POST"])
def ladder_rung_note(rung_id: int) -> ResponseReturnValue:
    _owners_only()
    rung = effective_rung(current_user.practice_id, rung_id)
    if rung is None:
        abort(404)
    form = RungNoteForm()
    if request.method == "GET":
        form.counselor_note.data = rung.counselor_note
    elif form.validate_on_submit():
        try:
            change = edits.save_rung_note(current_user, rung.id, form.counselor_note.data or "")
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form", "rung_id": "form"})
        else:
            done = "Nothing changed in" if change is None else "Saved the practice's note for"
            flash(f"{done} rung {rung.position}.", "success")
            return redirect(url_for("dashboard.ladder_page", _anchor=f"rung-{rung.key}"), 303)
    return (
        render_template("dashboard/ladder_note_form.html", form=form, rung=rung),
        422 if request.method == "POST" else 200,
    )


@bp.route("/ladder/rungs/<int:rung_id>/note/restore", methods=["POST"])
def ladder_rung_note_restore(rung_id: int) -> ResponseReturnValue:
    _owners_only()
    rung = effective_rung(current_user.practice_id, rung_id)
    if rung is None:
        abort(404)
    if not confirmed():
        return _confirm_page(
            Confirmation(
                title="Go back to the base note?",
                question=f"Go back to the base note for rung {rung.position}?",
                consequences=[
                    "Counselors read the base ladder's note for this rung again.",
                    "The practice's note stays in the History, to copy back if wanted.",
                ],
                action=request.path,
                confirm_label="Use the base note",
                back=url_for("dashboard.ladder_page", _anchor=f"rung-{rung.key}"),
            )
        )
    try:
        edits.restore_rung_note(current_user, rung.id)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"Rung {rung.position} has the base note again.", "success")
    return redirect(url_for("dashboard.ladder_page", _anchor=f"rung-{rung.key}"), 303)


# --- the parts ------------------------------------------------------------------------


def _owners_only() -> None:
    if not may_manage_practice(current_user):
        abort(403)


def _template_or_404(key: str) -> EffectiveTemplate:
    template = effective_template(current_user.practice_id, key, include_retired=True)
    if template is None:
        abort(404)
    return template


def _back_to(key: str | None) -> ResponseReturnValue:
    anchor = f"step-{key}" if key else None
    return redirect(url_for("dashboard.ladder_page", _anchor=anchor), 303)


def _offer_leaning(form: LadderStepForm, position: int, template: EffectiveTemplate | None) -> None:
    """The leaning choice's first option says what it means for this step."""
    if template is not None and template.base is not None:
        shipped = "yes" if template.base.leans_on_partner else "no"
        form.offer_leaning(f"As the base step says ({shipped})")
    else:
        by_rung = "yes" if template_leans(position, None) else "no"
        form.offer_leaning(f"As its rung says ({by_rung} on rung {position})")


def _step_form_page(
    form: LadderStepForm, rung: EffectiveRung | LadderRung, template: EffectiveTemplate | None
) -> ResponseReturnValue:
    return (
        render_template(
            "dashboard/ladder_step_form.html",
            form=form,
            rung=rung,
            template=template,
            languages=[(code, language_name(code)) for code in OTHER_LANGUAGES],
            languages_hint=other_languages_hint(template is not None and not template.own),
        ),
        422 if request.method == "POST" else 200,
    )


def _confirmed_change(
    key: str,
    change: Change,
    *,
    title: str,
    consequences: list[str],
    label: str,
    done: str,
    danger: bool = True,
) -> ResponseReturnValue:
    """A change that asks first (the confirm page, a GET-free POST) then is made."""
    _owners_only()
    template = _template_or_404(key)
    if not confirmed():
        return _confirm_page(
            Confirmation(
                title=title,
                question=f"{title.removesuffix('?')}: \u201c{template.title}\u201d?",
                consequences=consequences,
                action=request.path,
                confirm_label=label,
                back=url_for("dashboard.ladder_page", _anchor=f"step-{key}"),
                danger=danger,
            )
        )
    try:
        after = change(current_user, key)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"{done} \u201c{(after.snapshot or {}).get('title')}\u201d.", "success")
    return _back_to(key)


def _direct_change(key: str, change: Change, done: str) -> ResponseReturnValue:
    """A change that needs no confirmation (it undoes or keeps): a POST with its token."""
    _owners_only()
    _template_or_404(key)
    if not DeleteForm().validate_on_submit():
        abort(400)
    try:
        after = change(current_user, key)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"{done} \u201c{(after.snapshot or {}).get('title')}\u201d.", "success")
    return _back_to(key)


def _confirm_page(confirmation: Confirmation) -> ResponseReturnValue:
    return render_template(
        "dashboard/ladder_confirm.html", confirmation=confirmation, form=ConfirmForm()
    )
