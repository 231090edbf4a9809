"""The weekly healthy-dependence check-in behind the partner's link: every statement on one
screen, each rated 1–5 with a radio group, no JavaScript. GET only shows (this week's answers
filled in once given); the POST, with its CSRF token, saves all of them or none and goes back
to the homework page with a thank-you. A POST after the counselor turned it off (the form was
already open) saves nothing and says so, with 409. The rules are
``services/homework/weekly_checkin.py``'s.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from counselor.models import ClientLink
from counselor.partner import bp
from counselor.partner.forms import ConfirmForm
from counselor.partner.views import _live_link, limit_per_ip, limit_per_token
from counselor.partner.wording import TOOL_NOTE
from counselor.services.couples import links
from counselor.services.errors import InvalidInput
from counselor.services.homework import weekly_checkin
from counselor.services.homework.step_language import weekly_item_words

FIELD_PREFIX = "item-"
SCORES = range(weekly_checkin.LOWEST, weekly_checkin.HIGHEST + 1)


@bp.route("/p/<token>/weekly", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def weekly_checkin_page(token: str) -> ResponseReturnValue:
    link = _live_link(token)
    partner = link.partner
    if not weekly_checkin.form_open(partner):
        # Turned off after the form loaded: say so, rather than drop the answers silently.
        if request.method == "POST":
            return _page(token, link, chosen={}, errors={}, status=409, closed_on_save=True)
        return _page(token, link, chosen={}, errors={})
    form = ConfirmForm()
    if request.method == "GET":
        chosen = {
            key: str(score) for key, score in weekly_checkin.answers_this_week(partner).items()
        }
        return _page(token, link, chosen=chosen, errors={})
    chosen = {
        name.removeprefix(FIELD_PREFIX): value
        for name, value in request.form.items()
        if name.startswith(FIELD_PREFIX)
    }
    if not form.validate_on_submit():
        expired = {
            "form": [gettext("This page was open a long time. Check your answers and save again.")]
        }
        return _page(token, link, chosen, errors=expired, form=form, status=400)
    try:
        weekly_checkin.record_answers(links.partner_actor(partner), partner, chosen)
    except InvalidInput as error:
        return _page(token, link, chosen, errors=error.errors, form=form, status=422)
    return redirect(url_for("partner.homework", token=token, notice="weekly") + "#weekly-checkin")


def _page(
    token: str,
    link: ClientLink,
    chosen: dict[str, str],
    errors: dict[str, list[str]],
    form: ConfirmForm | None = None,
    status: int = 200,
    closed_on_save: bool = False,
) -> ResponseReturnValue:
    partner = link.partner
    is_open = weekly_checkin.form_open(partner)
    items = weekly_checkin.current_items() if is_open else []
    return (
        render_template(
            "partner/weekly_checkin.html",
            token=token,
            partner=partner,
            practice=partner.couple.practice,
            items=items,
            words={item.key: weekly_item_words(item, partner.language) for item in items},
            is_open=is_open,
            closed_on_save=closed_on_save,
            answered=is_open and bool(weekly_checkin.answers_this_week(partner)),
            chosen=chosen,
            errors=errors,
            form=form or ConfirmForm(),
            scores=SCORES,
            prefix=FIELD_PREFIX,
            note=TOOL_NOTE,
        ),
        status,
    )
