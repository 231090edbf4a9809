"""Settings › Your account › Calendar feed: the secret address of the counselor's sessions
for their calendar app (``services/couples/calendar_feed.py``).

Making one shows the address once, on the page the POST answers (it is kept only as a
hash, so it can't be shown again). Making a new one while one exists, and stopping it, go
through a confirm page (``confirm.py``): the old address stops working in every calendar
that uses it, and that can't be undone — the counselor makes a new one instead.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, ConfirmForm, confirmed
from counselor.dashboard.settings import MyPreferencesForm
from counselor.services.couples import calendar_feed
from counselor.services.delivery.email_content import public_url

NO_UNDO = (
    "This can't be undone: the address is shown only once and we keep no copy of it. "
    "You can make a new address at any time."
)


class CalendarFeedForm(FlaskForm):
    """*Make the address* / *Make a new address* / *Stop the feed*: a CSRF token only."""


@bp.route("/settings/calendar-feed", methods=["POST"])
def calendar_feed_create() -> ResponseReturnValue:
    """Make the feed's address (a confirm page first when one exists: it replaces it)."""
    replacing = current_user.calendar_feed_hash is not None
    if replacing and not confirmed():
        return _confirm(
            Confirmation(
                title="Make a new calendar address?",
                question="Make a new address for your calendar feed?",
                consequences=[
                    "The address you use now stops working: calendars subscribed to it "
                    "no longer get your sessions.",
                    "The new address is shown once, on the next page; add it to your "
                    "calendar app again.",
                    NO_UNDO,
                ],
                action=url_for("dashboard.calendar_feed_create"),
                confirm_label="Make a new address",
                back=url_for("dashboard.settings_page", _anchor="calendar-h"),
                back_label="Keep the address I have",
                danger=False,
            )
        )
    if not replacing and not CalendarFeedForm().validate_on_submit():
        abort(400)
    token = calendar_feed.create_feed(current_user)
    page = render_template(
        "dashboard/settings.html",
        form=MyPreferencesForm(prefix="me", obj=current_user, formdata=None),
        calendar_url=public_url("calendar.feed", token=token),
    )
    return page, 201  # no-store, as every page (counselor/http_headers.py)


@bp.route("/settings/calendar-feed/revoke", methods=["GET", "POST"])
def calendar_feed_revoke() -> ResponseReturnValue:
    """Stop the feed: a confirm page (GET, or a POST without the confirmation), then the
    confirmed POST."""
    back = url_for("dashboard.settings_page", _anchor="calendar-h")
    if current_user.calendar_feed_hash is None:
        return redirect(back, 303)
    if request.method == "POST" and confirmed():
        calendar_feed.revoke_feed(current_user)
        flash("Your calendar feed is stopped: its address no longer works.", "success")
        return redirect(back, 303)
    return _confirm(
        Confirmation(
            title="Stop your calendar feed?",
            question="Stop your calendar feed?",
            consequences=[
                "Its address stops working at once: calendars subscribed to it no longer "
                "get your sessions (most remove the events at their next update).",
                NO_UNDO,
            ],
            action=url_for("dashboard.calendar_feed_revoke"),
            confirm_label="Stop the feed",
            back=back,
            back_label="Keep it and go back",
        )
    )


def _confirm(confirmation: Confirmation) -> str:
    return render_template(
        "dashboard/calendar_confirm.html", confirmation=confirmation, form=ConfirmForm()
    )
