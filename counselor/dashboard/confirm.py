"""Confirm before, undo after: the dashboard's guard on actions a click should not settle.

Cancelling or completing a step, removing a session, revoking links, pausing or closing a
couple: the button on the couple's page opens a confirm page (a GET, which changes
nothing) that says plainly what will happen, with a *Confirm* POST and a way back. The
POST applies the action only when it carries ``confirmed=yes`` (as on the partner's
pages); without it, the same confirm page is shown instead. No JavaScript is needed.

After the action the couple's page offers *Undo* (a POST) once, above the page; the
undo itself stays available on the page afterwards (*Reopen*, *Restore*).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import render_template, request, session
from flask_wtf import FlaskForm
from wtforms import HiddenField

CONFIRM_VALUE = "yes"
UNDO_KEY = "undo_offer"


class ConfirmForm(FlaskForm):
    """A confirm page's POST: its CSRF token and the confirmation."""

    confirmed = HiddenField()


def confirmed() -> bool:
    """Whether this POST is a valid confirmation (CSRF token checked)."""
    form = ConfirmForm()
    return form.validate_on_submit() and form.confirmed.data == CONFIRM_VALUE


@dataclass(frozen=True)
class Confirmation:
    """What a confirm page shows: the question, what will happen, and where it posts."""

    title: str  # the page title and the heading, e.g. "Cancel this step?"
    question: str  # e.g. "Cancel “Ask for a lift”?"
    consequences: list[str]  # plain sentences: what happens, what stays, how to undo
    action: str  # the URL the Confirm button posts to
    confirm_label: str  # the Confirm button's text, e.g. "Cancel the step"
    back: str  # where "go back" leads (the couple's page)
    back_label: str = "Keep it and go back"
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden fields posted along
    danger: bool = True


def confirm_page(confirmation: Confirmation, couple_label: str) -> str:
    """The one confirm page every guarded action uses (dashboard/confirm.html)."""
    return render_template(
        "dashboard/confirm.html",
        confirmation=confirmation,
        couple_label=couple_label,
        back_to_couple=confirmation.back,
        form=ConfirmForm(),
    )


def form_fields(skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The fields of the POST being confirmed, to post them again with the confirmation
    (the couple form's status change); the CSRF token and the confirmation are the page's
    own."""
    left_out = {"csrf_token", "confirmed", *skip}
    return [(name, value) for name, value in request.form.items(multi=True) if name not in left_out]


@dataclass(frozen=True)
class UndoOffer:
    """An *Undo* button for the couple's page, shown once after the action."""

    message: str
    action: str  # the URL the Undo button posts to
    fields: list[tuple[str, str]]
    label: str = "Undo"


def offer_undo(
    couple_id: int,
    message: str,
    action: str,
    fields: dict[str, str] | None = None,
    *,
    label: str = "Undo",
) -> None:
    """Keep an undo offer (posting to ``action``) for the couple's next page view, in the
    signed session cookie like a flashed message; it holds the message, a URL and ids."""
    session[UNDO_KEY] = {
        "couple_id": couple_id,
        "message": message,
        "action": action,
        "fields": sorted((fields or {}).items()),
        "label": label,
    }


def take_undo(couple_id: int) -> UndoOffer | None:
    """The undo offer for this couple's page, once; an offer about another couple waits."""
    offer = session.get(UNDO_KEY)
    if not offer or offer.get("couple_id") != couple_id:
        return None
    session.pop(UNDO_KEY)
    return UndoOffer(
        message=offer["message"],
        action=offer["action"],
        fields=[(name, value) for name, value in offer["fields"]],
        label=offer.get("label", "Undo"),
    )
