"""A partner's one reply to a reflection shared with them, and taking it back.

Replying is a POST with a CSRF token from the form under the reflection on the partner's
page; a reply that is empty or too long comes back on a page of its own with the words
kept and the reason, nothing written. Taking a reply back goes through a confirm page
(GET shows it; the POST applies it only with ``confirmed``), as taking back a reflection
does. A reflection the partner may not read (not theirs to read, withdrawn, held back by
*reveal together*, or not there) answers the same friendly 404 as a missing check-in.
Taking a reply back needs only the partner's own live reply: a reflection held back
again since (or withdrawn) is named on the confirm page by its step and day, not shown.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Optional

from counselor.form_checks import text_bounds
from counselor.models import CheckIn, Partner
from counselor.partner import bp
from counselor.partner.forms import ConfirmedForm
from counselor.partner.my_checkins import CheckInGone
from counselor.partner.views import _live_link, limit_per_ip, limit_per_token
from counselor.services.couples import links
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import replies
from counselor.services.pages.partner_page import other_partner
from counselor.web import show_errors


class ReplyForm(FlaskForm):
    # Empty is let through to the service, whose message says what to do.
    body = TextAreaField(
        _("Your reply"),
        validators=[
            Optional(),
            *text_bounds(
                replies.REPLY_MAX,
                too_long=_(
                    "Keep your reply to %(num)s characters or fewer.", num=replies.REPLY_MAX
                ),
            ),
        ],
        render_kw={"rows": 3, "maxlength": replies.REPLY_MAX},
    )


def _readable(partner: Partner, checkin_id: int) -> CheckIn:
    try:
        return replies.readable_by(partner, checkin_id)
    except NotFound:
        raise CheckInGone from None


@bp.route("/p/<token>/reflections/<int:reflection_id>/reply", methods=["POST"])
@limit_per_ip
@limit_per_token
def reply(token: str, reflection_id: int) -> ResponseReturnValue:
    link = _live_link(token)
    partner = link.partner
    check_in = _readable(partner, reflection_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            replies.reply_to_reflection(
                links.partner_actor(partner), partner, check_in.id, form.body.data
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            anchor = f"#shared-{check_in.id}"
            return redirect(url_for("partner.homework", token=token, notice="replied") + anchor)
    return (
        render_template(
            "partner/reply.html",
            token=token,
            partner=partner,
            practice=partner.couple.practice,
            other=other_partner(partner),
            check_in=check_in,
            form=form,
        ),
        422,
    )


@bp.route("/p/<token>/reflections/<int:reflection_id>/reply/take-back", methods=["GET", "POST"])
@limit_per_ip
@limit_per_token
def take_back_reply(token: str, reflection_id: int) -> ResponseReturnValue:
    link = _live_link(token)
    partner = link.partner
    try:
        reply_row = replies.own_reply(partner, reflection_id)
    except NotFound:
        raise CheckInGone from None
    form = ConfirmedForm()
    if request.method == "POST" and form.validate_on_submit():
        replies.take_back_reply(links.partner_actor(partner), partner, reply_row.checkin_id)
        return redirect(url_for("partner.homework", token=token, notice="reply_taken_back"))
    return render_template(
        "partner/confirm_take_back_reply.html",
        token=token,
        partner=partner,
        practice=partner.couple.practice,
        other=other_partner(partner),
        check_in=reply_row.checkin,
        readable=replies.may_read(partner, reply_row.checkin_id),
        reply=reply_row,
        form=form,
    )
