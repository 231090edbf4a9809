"""A form's own messages (WTForms' "Not a valid choice.") speak the partner's language, from
a catalogue each process parses once per language (counselor/i18n.py
``FormsSpeakTheRequestsLanguage``), not once per request: a process serving partners of
several languages in turn gives each their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor import i18n
from counselor.extensions import db
from tests.partner.test_pages import issue, mark_done
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock", "actor")

NOT_A_VALID_CHOICE = {
    "en": "Not a valid choice.",
    "es": "Opción inválida.",
    "de": "Keine gültige Auswahl.",
}


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple, times_per_week=2, starts_on=TODAY - timedelta(weeks=2)
    )


def refused_in(client, partner, step, language: str) -> str:
    partner.language = language
    db.session.commit()
    response = mark_done(client, issue(partner), step, when="99")
    assert response.status_code == 422
    return response.get_data(as_text=True)


def test_a_refused_form_says_why_in_the_partners_language(client, partner, step):
    for language in ["es", "en", "de", "es", "en"]:
        html = refused_in(client, partner, step, language)
        assert NOT_A_VALID_CHOICE[language] in html, language
        others = set(NOT_A_VALID_CHOICE.values()) - {NOT_A_VALID_CHOICE[language]}
        assert not any(text in html for text in others), language


def test_each_languages_catalogue_is_parsed_once_per_process():
    assert i18n.wtforms_catalogue("es") is i18n.wtforms_catalogue("es")
    assert i18n.wtforms_catalogue("es").gettext("Not a valid choice.") == "Opción inválida."
    assert i18n.wtforms_catalogue("de").gettext("Not a valid choice.") == "Keine gültige Auswahl."
    # A language WTForms has no catalogue for answers in English.
    assert i18n.wtforms_catalogue("xx").gettext("Not a valid choice.") == "Not a valid choice."
