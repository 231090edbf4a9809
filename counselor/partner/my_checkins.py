"""A partner taking back what they did: changing or deleting their own check-in (for
``CHANGE_DAYS``) and taking back a reflection they shared.

Every page here is reached by a link (GET, which only shows); the change itself is a POST
with a CSRF token. Deleting and taking back go through a confirm page whose button carries
``confirmed``: a POST without it only shows that page again. Someone else's check-in, or
one already deleted, answers the same friendly 404.
"""

from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from wtforms import SelectChoice

from counselor import timeutil
from counselor.models import CheckIn, Partner
from counselor.partner import bp
from counselor.partner.forms import ConfirmedForm, EditCheckInForm
from counselor.partner.views import (
    _live_link,
    change_refusal,
    limit_per_ip,
    limit_per_token,
    recent_days,
)
from counselor.partner.wording import day_label
from counselor.services.couples import links
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import change_window, checkins, reflections
from counselor.services.homework.checkins import CheckInChanges
from counselor.services.pages.partner_page import other_partner
from counselor.web import show_errors


class CheckInGone(Exception):
    """Not this partner's check-in, or no longer there."""


@bp.errorhandler(CheckInGone)
def checkin_gone(_error: CheckInGone) -> ResponseReturnValue:
    token = (request.view_args or {}).get("token", "")
    return render_template("partner/checkin_gone.html", token=token), 404


def _own(partner: Partner, checkin_id: int) -> CheckIn:
    try:
        return checkins.own_checkin(partner, checkin_id)
    except NotFound:
        raise CheckInGone from None


def _back(token: str, notice: str | None = None) -> str:
    return url_for("partner.homework", token=token, notice=notice)


@bp.route("/p/<token>/checkins/<int:checkin_id>/edit", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def edit_checkin(token: str, checkin_id: int) -> ResponseReturnValue:
    link = _live_link(token)
    partner = link.partner
    check_in = _own(partner, checkin_id)
    if request.method == "GET":
        form = EditCheckInForm(
            data={
                "day": check_in.occurred_on.isoformat(),
                "comfort": str(check_in.comfort) if check_in.comfort else None,
                "reflection": check_in.reflection or "",
                "share_with_partner": reflections.is_shared(check_in),
            }
        )
        return _edit_page(token, partner, check_in, form, change_refusal(check_in))
    form = EditCheckInForm()
    if not form.validate_on_submit():
        return _edit_page(token, partner, check_in, form, status=422)
    try:
        day = date.fromisoformat(form.day.data or "")
    except ValueError:
        form.day.errors = [gettext("Choose a day from the list.")]
        return _edit_page(token, partner, check_in, form, status=422)
    changes = CheckInChanges(
        occurred_on=day,
        comfort=int(form.comfort.data) if form.comfort.data else None,
        reflection=form.reflection.data,
        share_with_partner=form.share_with_partner.data,
    )
    try:
        checkins.edit_checkin(links.partner_actor(partner), partner, check_in.id, changes)
    except InvalidInput as error:
        show_errors(form, error, aliases={"occurred_on": "day"})
        return _edit_page(token, partner, check_in, form, status=422)
    return redirect(_back(token, "edited"))


def _edit_page(
    token: str,
    partner: Partner,
    check_in: CheckIn,
    form: EditCheckInForm,
    refusal: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    today = timeutil.local_today(partner.timezone)
    form.day.choices = _day_choices(today, check_in)
    return (
        render_template(
            "partner/edit_checkin.html",
            token=token,
            partner=partner,
            practice=partner.couple.practice,
            other=other_partner(partner),
            check_in=check_in,
            form=form,
            refusal=refusal,
            until=change_window.changeable_until(check_in),
        ),
        status,
    )


def _day_choices(today: date, check_in: CheckIn) -> list[SelectChoice]:
    """The days marking done offers, and the check-in's own day if it has left that range
    (keeping it is always fine)."""
    days = recent_days(today, check_in.assignment.starts_on)
    if check_in.occurred_on not in days:
        days = sorted([*days, check_in.occurred_on], reverse=True)
    return [SelectChoice(d.isoformat(), day_label(today, d)) for d in days]


@bp.route("/p/<token>/checkins/<int:checkin_id>/delete", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def delete_checkin(token: str, checkin_id: int) -> ResponseReturnValue:
    return _confirmed_change(token, checkin_id, "delete")


@bp.route("/p/<token>/checkins/<int:checkin_id>/withdraw", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def withdraw_reflection(token: str, checkin_id: int) -> ResponseReturnValue:
    return _confirmed_change(token, checkin_id, "withdraw")


# What each confirmed change does, and the notice the partner's page then shows.
_CONFIRMED_CHANGES = {
    "delete": (checkins.delete_checkin, "deleted"),
    "withdraw": (checkins.withdraw_reflection, "withdrawn"),
}


def _confirmed_change(token: str, checkin_id: int, what: str) -> ResponseReturnValue:
    """Show the confirm page (GET, or a POST without ``confirmed``); apply it when confirmed.
    A deletion that is no longer allowed says why on the page itself."""
    link = _live_link(token)
    partner = link.partner
    check_in = _own(partner, checkin_id)
    form = ConfirmedForm()
    change, notice = _CONFIRMED_CHANGES[what]
    if request.method == "POST" and form.validate_on_submit():
        try:
            change(links.partner_actor(partner), partner, check_in.id)
        except InvalidInput as error:
            return _confirm_page(what, token, partner, check_in, form, error, status=422)
        return redirect(_back(token, notice))
    refused = change_refusal(check_in) if what == "delete" else None
    return _confirm_page(what, token, partner, check_in, form, refused=refused)


def _confirm_page(
    what: str,
    token: str,
    partner: Partner,
    check_in: CheckIn,
    form: ConfirmedForm,
    error: InvalidInput | None = None,
    refused: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if error is not None:
        refused = error.sentences
    return (
        render_template(
            f"partner/confirm_{what}.html",
            token=token,
            partner=partner,
            practice=partner.couple.practice,
            other=other_partner(partner),
            check_in=check_in,
            shared=bool(check_in.reflection) and reflections.is_shared(check_in),
            form=form,
            refused=refused,
        ),
        status,
    )
