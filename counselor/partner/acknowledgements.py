"""The partner who was leaned on, answering: did they notice the other partner's leaning
act, how valued they felt, a note, and whether the other partner may read it
(``services/homework/acknowledgements.py``); and taking such an answer back from the other
partner.

The invitations and their forms are on the partner's page (``partner/_leaning.html``); the
routes here are POSTs with a CSRF token, rate-limited like every other page behind a link.
A form with a mistake comes back on a page of its own, the mistake said next to its field.
A check-in that is not a leaning act on this partner answers the same friendly 404 as a
check-in of theirs that is gone.
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Optional

from counselor.form_checks import text_bounds
from counselor.models import CheckIn, Noticed, Partner
from counselor.partner import bp
from counselor.partner.forms import ConfirmForm, keep_it_short
from counselor.partner.my_checkins import CheckInGone
from counselor.partner.views import _live_link, limit_per_ip, limit_per_token
from counselor.services.couples import links
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import acknowledgements, leaning
from counselor.services.homework.acknowledgements import NOTE_MAX, AcknowledgementInput
from counselor.services.pages.partner_page import other_partner
from counselor.web import show_errors

NOTICED_CHOICES = [
    SelectChoice(Noticed.YES.value, _("Yes")),
    SelectChoice(Noticed.NOT_SURE.value, _("Not sure")),
    SelectChoice(Noticed.NO.value, _("No")),
]
FELT_VALUED_CHOICES = [
    SelectChoice("1", _("1 – not at all")),
    SelectChoice("2", "2"),
    SelectChoice("3", "3"),
    SelectChoice("4", "4"),
    SelectChoice("5", _("5 – very")),
]


class AcknowledgeForm(FlaskForm):
    """The answer to one leaning act; its fields are drawn by ``partner/_leaning_form.html``."""

    noticed = RadioField(
        _("Did you notice?"),
        choices=NOTICED_CHOICES,
        validators=[InputRequired(_("Choose whether you noticed: yes, not sure or no."))],
    )
    felt_valued = RadioField(
        _("How valued did you feel? (optional)"),
        choices=FELT_VALUED_CHOICES,
        validators=[Optional()],
    )
    note = TextAreaField(
        _("Anything you'd like to say about it? (optional)"),
        validators=[Optional(), *text_bounds(NOTE_MAX, too_long=keep_it_short(NOTE_MAX))],
    )
    share_with_partner = BooleanField(_("Let my partner read this"))


@bp.route("/p/<token>/leaned-on/<int:checkin_id>", methods=["POST"])
@limit_per_ip
@limit_per_token
def acknowledge(token: str, checkin_id: int) -> ResponseReturnValue:
    link = _live_link(token)
    partner = link.partner
    try:
        act = acknowledgements.leaning_act_on(partner, checkin_id)
    except NotFound:
        raise CheckInGone from None
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return _form_page(token, partner, act, form)
    data = AcknowledgementInput(
        noticed=form.noticed.data,
        felt_valued=int(form.felt_valued.data) if form.felt_valued.data else None,
        note=form.note.data,
        share_with_partner=form.share_with_partner.data,
    )
    try:
        acknowledgements.acknowledge(links.partner_actor(partner), partner, act.id, data)
    except InvalidInput as error:
        show_errors(form, error)
        return _form_page(token, partner, act, form)
    return redirect(url_for("partner.homework", token=token, notice="acknowledged") + "#leaning")


def _form_page(
    token: str, partner: Partner, act: CheckIn, form: AcknowledgeForm
) -> ResponseReturnValue:
    return (
        render_template(
            "partner/acknowledge.html",
            token=token,
            preview=False,
            partner=partner,
            practice=partner.couple.practice,
            other=other_partner(partner),
            act=act,
            form=form,
            note_max=NOTE_MAX,
            invitation=leaning.invitation_words(act, partner),
        ),
        422,
    )


@bp.route("/p/<token>/acknowledgements/<int:acknowledgement_id>/stop-sharing", methods=["POST"])
@limit_per_ip
@limit_per_token
def stop_sharing_acknowledgement(token: str, acknowledgement_id: int) -> ResponseReturnValue:
    """Only the counselor reads the answer from now on. Someone else's answer: 404."""
    link = _live_link(token)
    partner = link.partner
    if ConfirmForm().validate_on_submit():
        try:
            acknowledgements.stop_sharing(links.partner_actor(partner), partner, acknowledgement_id)
        except NotFound:
            raise CheckInGone from None
    return redirect(url_for("partner.homework", token=token, notice="answer_unshared") + "#leaning")
