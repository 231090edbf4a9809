"""Settings › Audit trail: owners read who did what and when, filter it, and download it
as CSV. Reading it and downloading it are themselves recorded (``audit.view``,
``audit.export``); other counselors are refused (403)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, abort, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from counselor import tenancy, timeutil
from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.form_checks import WithinYears, text_bounds
from counselor.models import CounselorRole
from counselor.services import audit_log, audit_words, validation
from counselor.services.audit import record_event

PAGE_SIZE = 50


class AuditFilterForm(FlaskForm):
    """The filters, read from the query string (a GET form: nothing to protect with CSRF)."""

    class Meta:
        csrf = False

    counselor = SelectField("Counselor", choices=[SelectChoice("", "Anyone")], default="")
    couple = StringField(
        "Couple",
        description="Its number, or part of its label.",
        validators=text_bounds(100),
        render_kw={"spellcheck": "false"},
    )
    kind = SelectField(
        "What",
        choices=[SelectChoice("", "Everything")]
        + [SelectChoice(key, words) for key, words in audit_words.KINDS.items()],
        default="",
    )
    date_from = DateField("From", validators=[Optional(), WithinYears()])
    date_to = DateField("To", validators=[Optional(), WithinYears()])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date comes before the start date.")


def _owner_only() -> None:
    if current_user.role != CounselorRole.OWNER:
        abort(403)


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.counselor.choices = [SelectChoice("", "Anyone")] + [
        SelectChoice(str(ident), name) for ident, name in audit_log.counselor_choices()
    ]
    return form


def _filters(form: AuditFilterForm) -> audit_log.AuditFilters:
    return audit_log.AuditFilters(
        counselor_id=validation.parse_id(form.counselor.data),
        couple=(form.couple.data or "").strip(),
        kind=form.kind.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        timezone=current_user.timezone,
    )


def _filter_args(form: AuditFilterForm) -> dict[str, str]:
    """The filters as query arguments, blank ones left out (for the paging and CSV links)."""
    names = ("counselor", "couple", "kind", "date_from", "date_to")
    return {name: request.args[name] for name in names if request.args.get(name, "").strip()}


@bp.route("/settings/audit")
def audit_log_page() -> ResponseReturnValue:
    """Settings › Audit trail: newest first, 50 to a page."""
    _owner_only()
    form = _filter_form()
    if request.args and not form.validate():
        page = None
        status = 422
    else:
        page = audit_log.audit_page(
            _filters(form),
            before=validation.parse_id(request.args.get("before")),
            after=validation.parse_id(request.args.get("after")),
            size=PAGE_SIZE,
        )
        record_event(current_actor(), "audit.view", "practice", current_user.practice_id)
        status = 200
    return (
        render_template(
            "dashboard/audit_log.html",
            form=form,
            page=page,
            filter_args=_filter_args(form),
        ),
        status,
    )


@bp.route("/settings/audit.csv")
def audit_log_export() -> ResponseReturnValue:
    """The events the same filters show, every one of them, as CSV (streamed)."""
    _owner_only()
    form = _filter_form()
    if request.args and not form.validate():
        abort(400)
    filters = _filters(form)
    record_event(current_actor(), "audit.export", "practice", current_user.practice_id)
    zone = current_user.practice.timezone
    lines = audit_log.csv_lines(audit_log.every_event(filters), zone)
    day = timeutil.local_today(zone).isoformat()
    return Response(
        stream_with_context(_in_practice(current_user.practice_id, lines)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{day}.csv"'},
    )


def _in_practice(practice_id: int, lines: Iterator[str]) -> Iterator[str]:
    """The body, read in the owner's practice: a streamed body runs after the view, in an
    app context (and so a database session) of its own, which no request has scoped."""
    with tenancy.practice_scope(practice_id):
        yield from lines
