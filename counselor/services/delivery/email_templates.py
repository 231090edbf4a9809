"""An email's two bodies from its templates (``templates/email/``), rendered as Flask's
``render_template`` renders them, for less: straight from the app's Jinja environment
(an email's templates use none of what Flask's context processors add: no request, no
session, no ``g``), and translated through the current language's catalogue fetched once
per email rather than once per sentence (Flask-Babel's ``_``/``ngettext`` look it up on
every call). tests/services/test_email_templates.py holds every email kind, in each
language, to ``render_template``'s output."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


def render(name: str, context: dict[str, Any]) -> str:
    """The template ``name`` rendered with ``context`` (which holds
    ``gettext_callables()`` for the language it is rendered in)."""
    return current_app.jinja_env.get_template(name).render(context)


def gettext_callables() -> dict[str, Any]:
    """``gettext`` and ``ngettext`` for a template's context, in the current language:
    Jinja's i18n extension resolves ``_`` to ``gettext`` in the context, and these
    behave as the new-style callables Flask-Babel installs (the text autoescaped in an
    HTML template, then always formatted with its keyword variables; ``num`` the count)."""
    translations = get_translations()
    translate, translate_plural = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        text = context.call(translate, string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's i18n
        return text % variables

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = context.call(translate_plural, singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue's own text, as Jinja's i18n
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}
