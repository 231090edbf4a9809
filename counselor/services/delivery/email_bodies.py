"""An email's two bodies, and the bodies a chunk's partner emails share.

``render`` renders an email's plain-text and HTML templates (``email_templates``). A
chunk's partner emails mostly say the same thing — the same practice, language, kind,
counts and week — and differ only in the partner's first name and their two links.
``SharedBodies`` renders such a group's bodies once with marks in place of those three
values and fills each email's own in, escaped in the HTML as its template escapes them.
It does so only once the group's first email, rendered in full, has been found equal to
the marked bodies filled with its values: a template that used those values otherwise
(a filter, a test, another attribute of the partner) keeps its emails rendered one by
one. Every other value of the context is part of the group's key, so two emails share
bodies only when the templates see the same context but for the three values."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from counselor.services.delivery import email_templates

log = logging.getLogger(__name__)

Bodies = tuple[str, str]  # plain text, HTML

# Private-use characters: never in a name or a link the service makes.
MARK = "\ue000"
NAME, HOMEWORK, UNSUBSCRIBE = MARK + "\ue001", MARK + "\ue002", MARK + "\ue003"


def render(names: tuple[str, str], context: dict[str, Any]) -> Bodies:
    """The plain-text and HTML templates ``names`` rendered with ``context``, in the
    current language."""
    context = {**context, **email_templates.gettext_callables()}
    return email_templates.render(names[0], context), email_templates.render(names[1], context)


@dataclass(frozen=True)
class _Partner:
    """What a partner email's templates read of its partner, marked."""

    first_name: str


class SharedBodies:
    """Bodies of one chunk's partner emails, shared within groups that differ only in
    the partner's first name and links (see the module's docstring)."""

    def __init__(self) -> None:
        # A group's first email: its own values and its bodies, rendered in full.
        self._first: dict[Hashable, tuple[dict[str, str], Bodies]] = {}
        # A group's marked bodies; None: its emails are rendered one by one.
        self._marked: dict[Hashable, Bodies | None] = {}

    def render(self, names: tuple[str, str], context: dict[str, Any]) -> Bodies:
        """The bodies for ``context``, which has ``partner``, ``homework_url`` and
        ``unsubscribe_url``."""
        own = {
            NAME: context["partner"].first_name,
            HOMEWORK: context["homework_url"],
            UNSUBSCRIBE: context["unsubscribe_url"],
        }
        try:
            key = (names, _key(context))
            hash(key)
        except (_Unshareable, TypeError):
            return render(names, context)
        if any(not isinstance(value, str) or MARK in value for value in own.values()):
            return render(names, context)
        if key not in self._marked:
            if key not in self._first:
                bodies = render(names, context)
                self._first[key] = (own, bodies)
                return bodies
            first_own, first_bodies = self._first.pop(key)
            marked = render(
                names,
                {
                    **context,
                    "partner": _Partner(NAME),
                    "homework_url": HOMEWORK,
                    "unsubscribe_url": UNSUBSCRIBE,
                },
            )
            if _filled(marked, first_own) == first_bodies:
                self._marked[key] = marked
            else:
                log.warning("%s: bodies not shared, its templates use a partner's values", names)
                self._marked[key] = None
        marked_bodies = self._marked[key]
        if marked_bodies is None:
            return render(names, context)
        return _filled(marked_bodies, own)


def _filled(bodies: Bodies, own: dict[str, str]) -> Bodies:
    text, html = bodies
    for mark, value in own.items():
        text = text.replace(mark, value)
        html = html.replace(mark, str(escape(value)))
    return text, html


def _key(context: dict[str, Any]) -> Hashable:
    """Everything the templates see but the partner and their links."""
    return tuple(
        (name, _frozen(value))
        for name, value in sorted(context.items())
        if name not in ("partner", "homework_url", "unsubscribe_url")
    )


class _Unshareable(Exception):
    """A value of the context holds a mark."""


def _frozen(value: Any) -> Hashable:
    if isinstance(value, str) and MARK in value:
        raise _Unshareable
    if value is None or isinstance(value, str | int | float | bool):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    # Anything else (a practice's row): the same object, unchanged within the chunk.
    return ("object", value)
