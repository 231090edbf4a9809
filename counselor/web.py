"""Pieces every page shares: error pages and template filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as PageNotFound

from counselor import timeutil
from counselor.extensions import db
from counselor.i18n import english_name
from counselor.models import Partner
from counselor.services.delivery import quiet_hours
from counselor.services.errors import InvalidInput, NotFound

# strftime codes that print a time of day: a moment printed with one gets its zone's label.
TIME_OF_DAY = re.compile(r"%[HIMXcRT]")

ERROR_TEXT = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("Not allowed", "You do not have access to this page."),
    404: ("Page not found", "This page does not exist, or it is not part of your practice."),
    405: ("Not allowed", "That action is not available here."),
    413: (
        "That was more than we accept",
        "What you sent was too large. Go back (what you typed is usually still there), "
        "shorten it and send it again.",
    ),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again."),
}


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired",
                message="Go back, reload the page and submit the form again.",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        """Every error page, a crash's 500 included (Flask hands an unhandled exception
        here as an ``InternalServerError``)."""
        roll_back_failed_request()
        code = error.code or 500
        title, message = ERROR_TEXT.get(code, (error.name, error.description or ""))
        response = error.get_response()
        response.set_data(
            render_template("errors/error.html", code=code, title=title, message=message)
        )
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(NotFound)
    def not_in_practice(_error: NotFound) -> ResponseReturnValue:
        """A page about another practice's row, or a missing one: the same 404 for both."""
        return http_error(PageNotFound())


def roll_back_failed_request() -> None:
    """Drop what the failed request did before its error page renders: the page's own
    queries (who is logged in, their practice's name) would otherwise meet the failed
    transaction (``PendingRollbackError``) and leave a bare 500. The unit of work would
    roll back afterwards anyway; nothing an error answers is kept. On a connection already
    dead the rollback can fail in turn: the session is then closed, which hands the
    connection back to be discarded."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()


def register_template_filters(app: Flask) -> None:
    @app.template_filter("local")
    def local(moment: datetime | None, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
        """A stored moment on the wall clock of ``zone``, the viewer's (the logged-in
        counselor's on the dashboard). A time of day carries the zone's short label, so a
        page always says whose clock it is: "Thu 03 Dec 2026, 09:00 GMT"."""
        return local_time(moment, zone, fmt) if moment else ""

    @app.template_filter("day")
    def day(value: date | None, fmt: str = "%a %d %b") -> str:
        return value.strftime(fmt) if value else ""

    @app.template_filter("percent")
    def percent(value: float | None) -> str:
        return "–" if value is None else f"{round(value * 100)}%"

    @app.template_filter("reminder_hour")
    def reminder_hour(partner: Partner) -> str:
        """The hour a partner's reminders are sent at, as "18:00" (the planner's own hour)."""
        return f"{quiet_hours.reminder_hour(partner):02d}:00"

    @app.template_filter("language_name")
    def language_name(partner_language: str | None) -> str:
        """The language a partner reads, named in English: "Spanish"."""
        return english_name(partner_language)


def local_time(moment: datetime, zone: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """``moment`` in ``zone`` as ``fmt``, with the zone's label when ``fmt`` shows a time of
    day (a date alone needs none). The one way a page prints a moment."""
    at = timeutil.to_local(moment, zone)
    text = at.strftime(fmt)
    return f"{text} {timeutil.zone_label(at)}" if TIME_OF_DAY.search(fmt) else text


def show_errors(
    form: FlaskForm, error: InvalidInput, aliases: dict[str, str] | None = None
) -> None:
    """Put each service message next to its field (``partners.0.email`` → that subfield)."""
    aliases = aliases or {}
    for name, messages in error.errors.items():
        field = _find_field(form, aliases.get(name, name))
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*list(field.errors or []), *messages]


def _find_field(form: Any, dotted: str) -> Any:
    node = form
    for part in dotted.split("."):
        try:
            node = node[int(part)] if part.isdigit() else getattr(node, part)
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
    return node if hasattr(node, "errors") else None
