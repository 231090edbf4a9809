"""The form that confirms a switch to the counselor a launch names."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length

from counselor.services.accounts.launch import TOKEN_MAX


class SwitchForm(FlaskForm):
    """Continue as the launch's counselor: the launch token, still unused, and the CSRF
    token, so that no other site can post a token of its own to switch this browser."""

    token = HiddenField(validators=[InputRequired(), Length(max=TOKEN_MAX)])
