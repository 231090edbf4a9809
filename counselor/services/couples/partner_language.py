"""The language a partner reads their pages and emails in (``Partner.language``): set by the
counselor on the couple form or through the API, and changed by the partner on their page.

One rule for every edge: a BCP 47 tag the service speaks (``counselor.i18n.LANGUAGES``) is
stored as that language's own tag — "es-MX" or "es_ES" is stored as "es", the language
whose catalogue the partner then reads; a tag the service does not speak is refused with a
message naming the ones it does."""

from __future__ import annotations

from collections.abc import Iterable

from counselor.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    english_name,
    language_of,
    supported_language,
)
from counselor.models import Partner
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors

LANGUAGE_MAX = 35  # the column's length (BCP 47 tags are at most 35 characters)


def not_spoken(tag: str) -> str:
    """What to say about a tag the service does not speak."""
    shown = tag.strip()[:LANGUAGE_MAX] or "(empty)"
    return (
        f"'{shown}' is not a language this service speaks yet; "
        f"choose one of {', '.join(LANGUAGES)}."
    )


def check_language(problems: FieldErrors, field: str, tag: str | None) -> str:
    """The language to store for ``tag`` (None: English, the default), or a problem."""
    if tag is None:
        return DEFAULT_LANGUAGE
    language = supported_language(tag) if isinstance(tag, str) else None
    if language is None:
        problems.add(field, not_spoken(str(tag)))
        return DEFAULT_LANGUAGE
    return language


def set_language(actor: Actor, partner: Partner, tag: str | None) -> None:
    """The partner (or their counselor) chooses the language of the partner's pages and
    emails: audited when it changes, nothing recorded when it stays the same."""
    problems = FieldErrors()
    language = check_language(problems, "language", tag)
    problems.raise_if_any()
    if language == partner.language:
        return
    partner.language = language
    record_event(actor, "partner.language", "partner", partner.id)


def translation_notice(partners: Iterable[Partner]) -> str | None:
    """What the assign and edit forms say when a partner reads another language than English:
    who reads what, and that only the ladder's own words reach them translated. None when
    both read English. One sentence for both forms."""
    by_language: dict[str, list[str]] = {}
    for partner in sorted(partners, key=lambda p: p.position):
        language = language_of(partner.language)
        if language != DEFAULT_LANGUAGE:
            by_language.setdefault(language, []).append(partner.first_name)
    if not by_language:
        return None
    readers = " and ".join(
        f"{' and '.join(names)} {'read' if len(names) > 1 else 'reads'} {english_name(language)}"
        for language, names in by_language.items()
    )
    return (
        f"{readers}. Steps from the ladder reach them translated; if you change the words or "
        "write your own step, they read your English, with a note that it isn't translated yet."
    )
