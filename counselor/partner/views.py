"""The partner's pages. GET only shows; every change is a POST with a CSRF token
(except the one-click unsubscribe that mail programs send, which carries its own link).
Changing or deleting a check-in and taking back a reflection: ``my_checkins.py``. The
counselor's read-only preview of the page renders it here too (``render_partner_page``)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from wtforms import SelectChoice

from counselor import i18n, tenancy, timeutil
from counselor.extensions import csrf, limiter
from counselor.models import Assignment, CheckIn, CheckInSource, ClientLink, LinkPurpose, Partner
from counselor.partner import bp
from counselor.partner.forms import (
    ConfirmedForm,
    ConfirmForm,
    FreshLinkForm,
    LanguageForm,
    MarkDoneForm,
    ReminderHourForm,
)
from counselor.partner.wording import day_label
from counselor.request_limits import client_address_limit, client_token_limit
from counselor.services.couples import links, partner_language, preferences
from counselor.services.delivery.quiet_hours import QuietHours
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import change_window, checkins
from counselor.services.homework.assignments import assignee_partner_ids
from counselor.services.homework.checkins import BACKDATE_DAYS, CheckInInput
from counselor.services.pages import partner_page
from counselor.web import show_errors


class InvalidLink(Exception):
    """The link is tampered with, expired or revoked."""


def _token_key() -> str:
    return "token:" + links.hash_token((request.view_args or {}).get("token", ""))


limit_per_ip = limiter.limit(client_address_limit)
limit_per_token = limiter.limit(client_token_limit, key_func=_token_key)


@bp.after_request
def private_responses(response: Response) -> Response:
    # The URL is the partner's credential: no Referer repeats it (no-store is every
    # response's, counselor/http_headers.py).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def use_browser_language() -> None:
    """A page no link names a partner for (the link no longer works, a fresh one asked
    for) speaks the browser's preferred language among those the service offers."""
    i18n.use_language(request.accept_languages.best_match(i18n.LANGUAGES))


@bp.errorhandler(InvalidLink)
def invalid_link(_error: InvalidLink) -> ResponseReturnValue:
    use_browser_language()
    return render_template("partner/invalid_link.html", form=FreshLinkForm()), 404


def _live_link(
    token: str, purpose: LinkPurpose = LinkPurpose.HOMEWORK, *, for_check_in: bool = False
) -> ClientLink:
    """The link's partner is who acts: the rest of the request runs in their practice, and
    speaks their language (the one place a partner's page chooses it). ``for_check_in``:
    only the columns *Mark done* reads (``links.resolve_link``)."""
    link = links.resolve_link(token, purpose, for_check_in=for_check_in)
    if link is None:
        raise InvalidLink
    tenancy.enter_practice(link.partner.couple.practice_id)
    i18n.use_language(link.partner.language)
    return link


@bp.route("/p/<token>")
@limit_per_ip
@limit_per_token
def homework(token: str) -> ResponseReturnValue:
    link = _live_link(token)
    return _render_homework(token, link)


def _render_homework(
    token: str,
    link: ClientLink,
    failed_step: int | None = None,
    failed_form: MarkDoneForm | None = None,
    status: int = 200,
    hour_form: ReminderHourForm | None = None,
    language_form: LanguageForm | None = None,
) -> ResponseReturnValue:
    return (
        render_partner_page(
            link.partner,
            token=token,
            failed_step=failed_step,
            failed_form=failed_form,
            hour_form=hour_form,
            language_form=language_form,
        ),
        status,
    )


def render_partner_page(
    partner: Partner,
    *,
    token: str | None,
    failed_step: int | None = None,
    failed_form: MarkDoneForm | None = None,
    hour_form: ReminderHourForm | None = None,
    language_form: LanguageForm | None = None,
) -> str:
    """The partner's page: behind their link (``token``), or without one (``None``) as the
    counselor's read-only preview, which has no form, no link carrying a token and no
    CSRF token (``partner/homework.html`` checks ``preview``). One template and one view
    model for both, so the preview shows what the partner sees."""
    preview = token is None
    view = partner_page.partner_homework(partner)
    today = timeutil.local_today(partner.timezone)
    # A preview's forms are only drawn: no CSRF token is made for them.
    meta = {"csrf": False} if preview else {}
    forms = {}
    for step in view.steps:
        if failed_form is not None and step.assignment.id == failed_step:
            form = failed_form
        else:
            form = MarkDoneForm(formdata=None, meta=meta)
        form.checkin_key.data = form.checkin_key.data or step.checkin_key
        form.when.choices = _when_choices(today, step.assignment.starts_on)
        forms[step.assignment.id] = form
    # A form opens when it holds errors, or when the address asks for it (?step=<id>):
    # all other cards show only their *Mark done* button.
    open_step = failed_step if failed_form is not None else request.args.get("step", type=int)
    done_id = None if preview else request.args.get("done", type=int)
    return render_template(
        "partner/homework.html",
        token=token,
        preview=preview,
        view=view,
        partner=partner,
        practice=partner.couple.practice,
        forms=forms,
        open_step=open_step,
        done_step=next((s for s in view.steps if s.assignment.id == done_id), None),
        week_start=timeutil.week_start(today),
        confirm_form=ConfirmForm(meta=meta),
        hour_form=hour_form or _hour_form(partner, meta, reminder_hour=str(partner.reminder_hour)),
        language_form=language_form
        or LanguageForm(meta=meta, language=i18n.language_of(partner.language)),
        quiet_hours=QuietHours.of(partner),
        notice=None if preview else request.args.get("notice"),
        history_note=history_note,
        change_days=change_window.CHANGE_DAYS,
    )


def change_refusal(check_in: CheckIn) -> str | None:
    """Why the partner can no longer change or delete this check-in, if they can't: the
    services' own rule (``checkins.check_changeable``) and its words."""
    try:
        checkins.check_changeable(check_in)
    except InvalidInput as error:
        return error.sentences
    return None


def history_note(check_in: CheckIn) -> str | None:
    """``None`` for a check-in *My history* offers to change or delete; else why not, in
    short. The list says the window once above it, so a check-in only past the window
    says just that, not the whole refusal again."""
    refusal = change_refusal(check_in)
    if refusal is not None and not change_window.within_window(check_in):
        days = change_window.CHANGE_DAYS
        return ngettext(
            "Recorded more than %(num)s day ago, so it stays as it is.",
            "Recorded more than %(num)s days ago, so it stays as it is.",
            days,
        )
    return refusal


def _when_choices(today: date, starts_on: date) -> list[SelectChoice]:
    return [
        SelectChoice(str((today - day).days), day_label(today, day))
        for day in recent_days(today, starts_on)
    ]


def recent_days(today: date, starts_on: date) -> list[date]:
    """The days a check-in may be put on, latest first: today and up to ``BACKDATE_DAYS``
    back, none before the step started (marking done and changing a check-in alike)."""
    days = (today - timedelta(days=days_ago) for days_ago in range(BACKDATE_DAYS + 1))
    return [day for day in days if day >= starts_on]


@bp.route("/p/<token>/steps/<int:assignment_id>/done", methods=["POST"])
@limit_per_ip
@limit_per_token
def mark_done(token: str, assignment_id: int) -> ResponseReturnValue:
    """*Mark done*: the rules are checked on the rows the link loaded (partner, couple, its
    partners, practice) and the step, read together with the check-in its key may already
    have recorded — two SELECTs, then one INSERT of the check-in and one of its audit
    event (tests/partner/test_mark_done_statements.py holds the budget)."""
    link = _live_link(token, for_check_in=True)
    partner = link.partner
    form = MarkDoneForm()
    key = form.checkin_key.data or ""
    try:
        assignment, existing = checkins.step_with_checkin(
            assignment_id, partner.id, key, for_check_in=True
        )
    except NotFound:
        raise InvalidLink from None
    _require_own_step(partner, assignment)
    today = timeutil.local_today(partner.timezone)
    # The days a check-in may be put on, without their labels: a refused form is drawn
    # again by render_partner_page, which labels them (Babel's date formats cost more than
    # the rest of a Mark done).
    form.when.choices = [
        SelectChoice(str((today - day).days), "")
        for day in recent_days(today, today - timedelta(days=BACKDATE_DAYS))
    ]
    if not form.validate_on_submit() or not key.startswith(f"link:{assignment_id}:"):
        return _refused(token, assignment_id, form)
    data = CheckInInput(
        partner_id=partner.id,
        source=CheckInSource.LINK,
        idempotency_key=key,
        occurred_on=today - timedelta(days=int(form.when.data or 0)),
        comfort=int(form.comfort.data) if form.comfort.data else None,
        reflection=form.reflection.data,
        share_with_partner=form.share_with_partner.data,
    )
    try:
        checkins.record_checkin_on(links.partner_actor(partner), assignment, data, existing)
    except InvalidInput as error:
        show_errors(form, error, aliases={"occurred_on": "when"})
        return _refused(token, assignment_id, form)
    return redirect(url_for("partner.homework", token=token, done=assignment_id) + "#confirmation")


def _refused(token: str, assignment_id: int, form: MarkDoneForm) -> ResponseReturnValue:
    """The page again, the refused form open with its errors. The link loaded only what
    *Mark done* reads: loaded again, whole, for the page (one SELECT)."""
    return _render_homework(token, _live_link(token), assignment_id, form, status=422)


def _require_own_step(partner: Partner, assignment: Assignment) -> None:
    """A step this partner does, else the answer a missing step gets (404): another
    couple's step, or the other partner's own one, tells a partner nothing more."""
    partner_ids = [p.id for p in partner.couple.partners]
    if assignment.couple_id != partner.couple_id or partner.id not in assignee_partner_ids(
        assignment, partner_ids
    ):
        raise InvalidLink


@bp.route("/p/<token>/snooze", methods=["POST"])
@limit_per_ip
@limit_per_token
def snooze(token: str) -> ResponseReturnValue:
    link = _live_link(token)
    if ConfirmForm().validate_on_submit():
        preferences.snooze_reminders(links.partner_actor(link.partner), link.partner)
    return redirect(url_for("partner.homework", token=token, notice="snoozed"))


@bp.route("/p/<token>/resume", methods=["POST"])
@limit_per_ip
@limit_per_token
def resume_reminders(token: str) -> ResponseReturnValue:
    """*Resume now*, offered while reminders are paused: the undo of *Pause reminders*."""
    link = _live_link(token)
    if ConfirmForm().validate_on_submit():
        preferences.resume_reminders(links.partner_actor(link.partner), link.partner)
    return redirect(url_for("partner.homework", token=token, notice="resumed"))


def _hour_form(partner: Partner, meta: dict | None = None, **data: str) -> ReminderHourForm:
    form = ReminderHourForm(meta=meta or {}, **data)
    return form.offer_hours(QuietHours.of(partner).allowed_hours())


@bp.route("/p/<token>/reminder-hour", methods=["POST"])
@limit_per_ip
@limit_per_token
def reminder_hour(token: str) -> ResponseReturnValue:
    link = _live_link(token)
    form = _hour_form(link.partner)
    if form.validate_on_submit():
        hour = form.reminder_hour.data or ""
        try:
            preferences.set_reminder_hour(
                links.partner_actor(link.partner),
                link.partner,
                int(hour) if hour.isascii() and hour.isdigit() else None,
            )
        except InvalidInput as error:  # inside quiet hours: the message offers an hour
            show_errors(form, error)
            return _render_homework(token, link, status=422, hour_form=form)
        return redirect(url_for("partner.homework", token=token, notice="reminder_hour"))
    return redirect(url_for("partner.homework", token=token))


@bp.route("/p/<token>/language", methods=["POST"])
@limit_per_ip
@limit_per_token
def language(token: str) -> ResponseReturnValue:
    """The partner chooses the language of their page and emails; the page comes back in
    it. A language the service does not speak is refused on the page, nothing saved."""
    link = _live_link(token)
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for("partner.homework", token=token))
    try:
        partner_language.set_language(
            links.partner_actor(link.partner), link.partner, form.language.data
        )
    except InvalidInput as error:
        show_errors(form, error)
        return _render_homework(token, link, status=422, language_form=form)
    return redirect(url_for("partner.homework", token=token, notice="language"))


@bp.route("/p/<token>/stop-emails", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def stop_emails(token: str) -> ResponseReturnValue:
    """Asks first (only the counselor can turn emails back on); a POST without the confirm
    page's ``confirmed`` shows that page."""
    link = _live_link(token)
    partner = link.partner
    form = ConfirmedForm()
    if request.method == "POST" and form.validate_on_submit():
        preferences.stop_emails(links.partner_actor(partner), partner)
        return redirect(url_for("partner.homework", token=token, notice="stopped"))
    return render_template(
        "partner/confirm_stop_emails.html",
        token=token,
        partner=partner,
        practice=partner.couple.practice,
        form=form,
    )


@bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail programs POST "List-Unsubscribe=One-Click" here; the link is the proof
@limit_per_ip
@limit_per_token
def unsubscribe(token: str) -> ResponseReturnValue:
    link = _live_link(token, LinkPurpose.UNSUBSCRIBE)
    partner = link.partner
    if request.method == "POST":
        preferences.stop_emails(links.partner_actor(partner), partner)
    return render_template(
        "partner/unsubscribe.html",
        partner=partner,
        practice=partner.couple.practice,
        stopped=partner.unsubscribed_at is not None,
    )


@bp.route("/links/new", methods=["POST"])
@limiter.limit(lambda: current_app.config["LINK_REQUEST_RATE_LIMIT"])
def fresh_link() -> ResponseReturnValue:
    """The same answer, at once, whether or not the address is on file: a worker looks it
    up (``links.request_link``)."""
    use_browser_language()
    form = FreshLinkForm()
    if not form.validate_on_submit():
        return render_template("partner/invalid_link.html", form=form), 422
    try:
        links.request_link(form.email.data or "")
    except InvalidInput as error:  # not an email address: it cannot be on file
        show_errors(form, error)
        return render_template("partner/invalid_link.html", form=form), 422
    return render_template("partner/link_requested.html")
