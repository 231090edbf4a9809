"""What partners read, in their own language (Flask-Babel).

Everything a partner sees — their pages, their emails, the unsubscribe pages and the
printed sheet of steps — is written in English in the code and templates, marked for
translation (``gettext``/``_`` in Python, ``{% trans %}``/``_()`` in Jinja), and looked up
in ``counselor/translations/<language>/LC_MESSAGES/messages.po``. ``make translations``
extracts the marked strings and updates the catalogues; the tests fail when a catalogue
misses one (tests/test_translations.py). A new language needs only a catalogue and a line
in ``LANGUAGES``.

The dashboard stays in English: a request is in English unless a partner's page or email
chose the partner's language for it (``use_language``/``in_language``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, support
from babel.dates import format_date, match_skeleton
from flask import Flask, Request, g
from flask_babel import Babel, force_locale, get_locale, refresh
from wtforms.i18n import messages_path

# The languages the service has a catalogue for, each named in itself (the partner's page
# offers them so). English is the language of the source.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).with_name("translations")

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=_selected_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.request_class = FormsSpeakTheRequestsLanguage


class FormsSpeakTheRequestsLanguage(Request):
    """The request class: a form's own messages (WTForms' "Not a valid choice", ...) in the
    language the request speaks at the moment the form asks.

    Flask-WTF (``WTF_I18N_ENABLED``) looks for them in ``request.wtforms_translations`` and,
    when the request has none, reads and parses WTForms' catalogue from disk for that
    request alone: on every request that builds a form. Here the attribute is the
    process's parsed catalogue of the current language (``wtforms_catalogue``), so the file
    is read once per language per process; and a form built after a partner's page chose
    the partner's language (``use_language``) speaks that language."""

    @property
    def wtforms_translations(self) -> support.NullTranslations:
        return wtforms_catalogue(current_language())

    @wtforms_translations.setter
    def wtforms_translations(self, _loaded: object) -> None:
        """Flask-WTF stores what it loaded; the property already answers, so never."""


@cache
def wtforms_catalogue(language: str) -> support.NullTranslations:
    """WTForms' messages in ``language``, parsed once per process (Babel's ``Translations``;
    an empty catalogue, which answers in English, for a language WTForms does not ship)."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def _selected_language() -> str:
    return g.get("partner_language") or DEFAULT_LANGUAGE


def supported_language(tag: str | None) -> str | None:
    """The language the service speaks for a BCP 47 tag (``es``, ``es-MX``, ``de_AT``):
    the tag itself when it has a catalogue, else its primary language when that has one,
    else None."""
    if not tag:
        return None
    cleaned = tag.strip().replace("_", "-")
    if cleaned.lower() in LANGUAGES:
        return cleaned.lower()
    primary = cleaned.split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def language_of(partner_language: str | None) -> str:
    """The language to use for a partner: theirs when the service speaks it, else English."""
    return supported_language(partner_language) or DEFAULT_LANGUAGE


def english_name(partner_language: str | None) -> str:
    """The name, in English, of the language a partner reads, for the dashboard ("José reads
    Spanish"); a tag the service does not speak reads as English, as the partner does."""
    language = language_of(partner_language)
    return Locale.parse(language).get_display_name(DEFAULT_LANGUAGE) or language


def use_language(partner_language: str | None) -> None:
    """The rest of this request speaks the partner's language (their page's views)."""
    g.partner_language = language_of(partner_language)
    refresh()


@contextmanager
def in_language(partner_language: str | None) -> Iterator[None]:
    """A block that speaks the partner's language: an email rendered by a worker, a sheet
    printed from the dashboard. Needs an app context."""
    with force_locale(language_of(partner_language)):
        yield


def current_language() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT_LANGUAGE


def format_day(day: date | datetime, skeleton: str = "MMMMEEEEd") -> str:
    """A day as the current language writes it: "Tuesday, March 3", "martes, 3 de marzo",
    "Dienstag, 3. März". ``skeleton`` picks the fields (CLDR skeletons: "MMMEd" short,
    "yMMMMd" with the year, "EEEE" the weekday alone); a datetime should already be on the
    partner's clock. CLDR keeps one pattern per set of fields, with short weekday names:
    a skeleton asking for the long name ("EEEE") gets it."""
    locale = Locale.parse(current_language())
    fields = skeleton.replace("EEEE", "E")
    matched = match_skeleton(fields, locale.datetime_skeletons) or fields
    pattern = (
        locale.datetime_skeletons[matched].pattern
        if matched in locale.datetime_skeletons
        else matched
    )
    if "EEEE" in skeleton:
        pattern = re.sub(r"([Ec])\1{0,2}(?!\1)", lambda m: m.group(1) * 4, pattern)
    return format_date(day, pattern, locale=locale)
