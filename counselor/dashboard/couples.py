"""Couples: the list, and adding or editing a couple (a couple's own page is couple_page)."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import SelectChoice

from counselor.dashboard import bp, page_versions
from counselor.dashboard.confirm import confirmed, form_fields
from counselor.dashboard.couple_status import GUARDED, offer_status_undo, status_confirmation
from counselor.dashboard.forms import CoupleForm, PartnerForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple, CoupleStatus
from counselor.services.accounts import counselors
from counselor.services.audit import record_event
from counselor.services.couples import couples
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.errors import InvalidInput
from counselor.services.pages import dashboard
from counselor.tenancy import get_in_practice
from counselor.web import show_errors


@bp.route("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("dashboard.couples_list"))


@bp.route("/couples")
def couples_list() -> ResponseReturnValue:
    """The couples list, one page at a time (``services/pages/dashboard.py``). The page
    carries an ETag naming everything it was built from (``page_versions``), so that a
    browser that has it already gets 304 Not Modified: read, but neither judged nor
    rendered again."""
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    when = _choice(request.args.get("when", ""), dashboard.WHEN_CHOICES)
    sort = _choice(request.args.get("sort", ""), dashboard.SORT_CHOICES)
    paging = dashboard.Paging(
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["COUPLES_PER_PAGE"],
        after=_couple_id(request.args.get("after")),
        before=_couple_id(request.args.get("before")),
    )
    read = dashboard.read_page(
        search=search,
        status=status or None,
        when=when or None,
        sort=sort or None,
        timezone=current_user.timezone,
        paging=paging,
    )
    # One event for the list (it shows partners' names), not one per couple on it; a
    # repeat answered 304 is a view of the list too.
    record_event(current_actor(), "couple.list", "couple", None)
    etag = page_versions.page_etag(read.fingerprint)
    if etag is not None and request.if_none_match.contains(etag):
        return page_versions.not_modified(etag)
    response = make_response(
        render_template(
            "dashboard/couples_list.html",
            listing=read.page(),
            search=search,
            status=status,
            statuses=[s.value for s in CoupleStatus],
            when=when,
            sort=sort,
            # Each couple's page is this path and its id: built once, not once a row.
            couple_path=url_for("dashboard.couple_detail", couple_id=0).removesuffix("0"),
        )
    )
    if etag is not None:
        response.set_etag(etag)
    return response


def _choice(value: str, choices: tuple[str, ...]) -> str:
    """A query parameter that names one of ``choices``, else "" (the default)."""
    return value if value in choices else ""


def _couple_id(value: str | None) -> int | None:
    """A page link's couple id (``after``/``before``), or None for anything that is not
    one a database could hold."""
    if value is None or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


@bp.route("/couples/new", methods=["GET", "POST"])
def couple_new() -> ResponseReturnValue:
    form = _couple_form()
    if request.method == "GET":
        zone = current_user.practice.timezone
        for entry in form.partners:
            entry.form.timezone.data = zone
    if form.validate_on_submit():
        try:
            couple = couples.create_couple(current_actor(), _couple_input(form))
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash(f"{couple.label} added.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))
    return _render_couple_form(form, couple=None)


@bp.route("/couples/<int:couple_id>/edit", methods=["GET", "POST"])
def couple_edit(couple_id: int) -> ResponseReturnValue:
    couple = get_in_practice(Couple, couple_id)
    form = _couple_form(obj=couple)
    if request.method == "GET":
        form.status.data = couple.status.value
        record_event(current_actor(), "couple.view_form", "couple", couple.id)
    if form.validate_on_submit():
        previous, status = couple.status, CoupleStatus(form.status.data)
        if status != previous and status in GUARDED and not confirmed():
            # Pausing or closing from the form asks first, as the page's buttons do.
            return status_confirmation(
                couple,
                status,
                action=url_for("dashboard.couple_edit", couple_id=couple.id),
                fields=form_fields(),
            )
        try:
            couples.update_couple(current_actor(), couple.id, _couple_input(form))
        except InvalidInput as error:
            show_errors(form, error)
        else:
            if status != previous and status in GUARDED:
                offer_status_undo(couple, previous, f"Changes saved; {couple.label} is {status}.")
            else:
                flash("Changes saved.", "success")
            return redirect(url_for("dashboard.couple_detail", couple_id=couple.id))
    return _render_couple_form(form, couple=couple)


def _couple_form(obj: object | None = None) -> CoupleForm:
    form = CoupleForm(obj=obj)
    form.counselor_id.choices = [
        SelectChoice(c.id, c.name) for c in counselors.practice_counselors()
    ]
    if obj is None and request.method == "GET":
        form.counselor_id.data = current_user.id
    return form


def _couple_input(form: CoupleForm) -> CoupleInput:
    return CoupleInput(
        label=form.label.data or "",
        status=CoupleStatus(form.status.data),
        counselor_id=form.counselor_id.data,
        external_id=form.external_id.data,
        partners=[_partner_input(entry.form) for entry in form.partners],
    )


def _partner_input(form: PartnerForm) -> PartnerInput:
    return PartnerInput(
        first_name=form.first_name.data or "",
        email=form.email.data or "",
        timezone=form.timezone.data or "",
        reminder_hour=form.reminder_hour.data,
        quiet_start_hour=form.quiet_start_hour.data,
        quiet_end_hour=form.quiet_end_hour.data,
        language=form.language.data,
    )


def _render_couple_form(form: CoupleForm, couple: object | None) -> tuple[str, int]:
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/couple_form.html",
            form=form,
            couple=couple,
        ),
        status,
    )
