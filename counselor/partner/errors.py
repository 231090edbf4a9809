"""Error pages a partner can meet behind their link — a form that has expired, too many
attempts, a page that is not there, our own failure — on the partner's page layout and in
their language: the partner's own once their link was read, else the browser's (an
expired form is refused before the link is looked at). The dashboard's error pages stay
``counselor/web.py``'s."""

from __future__ import annotations

from flask import g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from counselor.partner import bp
from counselor.partner.views import use_browser_language
from counselor.web import roll_back_failed_request

PARTNER_ERROR_TEXT = {
    400: (_("Something was wrong with that request"), _("Please go back and try again.")),
    404: (
        _("Page not found"),
        _("This page isn't here. Your own page is behind the link in your emails."),
    ),
    405: (_("Not available"), _("That isn't something this page can do.")),
    413: (
        _("That was more than we accept"),
        _(
            "What you sent was too large. Go back (what you typed is usually still there), "
            "shorten it and send it again."
        ),
    ),
    429: (_("Too many attempts"), _("Please wait a minute and try again.")),
    500: (
        _("Something went wrong on our side"),
        _("Nothing you did caused this. Please try again."),
    ),
    # A database outage (counselor/outages.py): the page must say nothing was saved.
    503: (
        _("We can't save anything just now"),
        _(
            "The service can't reach its database just now, so nothing was saved. "
            "Please try again in a minute."
        ),
    ),
}


def _speak() -> None:
    if "partner_language" not in g:
        use_browser_language()


def _page(error: HTTPException, title: object, message: object) -> ResponseReturnValue:
    code = error.code or 500
    response = error.get_response()
    response.set_data(
        render_template("partner/error.html", code=code, title=title, message=message)
    )
    response.content_type = "text/html; charset=utf-8"
    return response


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError) -> ResponseReturnValue:
    _speak()
    return _page(
        error,
        _("This form has expired"),
        _("Go back, reload the page and submit the form again."),
    )


@bp.errorhandler(HTTPException)
def partner_error(error: HTTPException) -> ResponseReturnValue:
    roll_back_failed_request()
    _speak()
    title, message = PARTNER_ERROR_TEXT.get(error.code or 500, PARTNER_ERROR_TEXT[400])
    return _page(error, title, message)
