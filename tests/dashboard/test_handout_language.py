"""*Print steps* in the couple's language (services/reports/handout.py): the sheet's words,
its dates and each step's words in the first partner's language, or the one the counselor
picks on the couple page when the partners' differ; English as before.

The Spanish and German words come from the catalogues (counselor/translations)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from counselor.extensions import db
from counselor.models import Assignee, Couple
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.pdf_text import squashed

MONDAY = TODAY - timedelta(days=TODAY.weekday())  # Mon 11 May 2026

pytestmark = pytest.mark.usefixtures("clock")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def couple(counselor) -> Couple:
    """Ana (Spanish) and Jonas (German): one step with Spanish words, one together step
    with none, from Wednesday."""
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Ana & Jonas",
        partners=[
            {"first_name": "Ana", "language": "es"},
            {"first_name": "Jonas", "language": "de"},
        ],
    )
    factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        instructions="Tell your partner about one small worry this week.",
        translations={
            "es": {
                "title": "Comparte una pequeña preocupación",
                "instructions": "Cuéntale a tu pareja una pequeña preocupación esta semana.",
            }
        },
        times_per_week=3,
        starts_on=MONDAY - timedelta(weeks=2),
    )
    factories.AssignmentFactory(
        couple=couple,
        title="Plan a shared evening",
        instructions="Choose one evening together and protect it.",
        assignee=Assignee.TOGETHER,
        times_per_week=1,
        starts_on=MONDAY + timedelta(days=2),
    )
    db.session.commit()
    return couple


def test_the_sheet_is_printed_in_the_first_partners_language(logged_in, couple):
    response = logged_in.get(f"/couples/{couple.id}/handout.pdf")

    assert response.status_code == 200
    text = pdf_text(response.data)
    for spanish in (
        "Pasos de la semana: 11–17 may 2026",
        "Marca una casilla cada día que hagas el paso. Trae esta hoja a la próxima sesión.",
        "Comparte una pequeña preocupación",
        "Cuéntale a tu pareja una pequeña preocupación esta semana.",
        "Cada uno, 3 veces por semana",
        "En pareja, una vez por semana · desde mié, 13 may",
        "Plan a shared evening",  # no Spanish words for it: as given, and the sheet says so
        "Choose one evening together and protect it.",
        "Algunos de estos pasos aún no están traducidos, así que aparecen tal como los"
        " escribió tu terapeuta.",
        "lun 11",
        "dom 17",
        "Notas",
        "Página 1 de 1",
        "Impreso el mié, 13 may 2026",
    ):
        assert squashed(spanish) in squashed(text), spanish
    lines = [line.strip() for line in text.splitlines()]
    assert lines.count("En pareja") == 1  # the together step's row
    for english in ("Your steps", "Each of you", "Notes", "Page 1 of 1", "Mon 11"):
        assert english not in text, english
    assert PdfReader(BytesIO(response.data)).trailer["/Root"]["/Lang"] == "es"


def test_the_counselor_may_pick_the_other_partners_language(logged_in, couple):
    text = pdf_text(logged_in.get(f"/couples/{couple.id}/handout.pdf?lang=de").data)

    for german in (
        "Eure Schritte für die Woche vom 11.–17. Mai 2026",
        "Jeweils einzeln, 3-mal pro Woche",
        "Gemeinsam, einmal pro Woche · ab Mi., 13. Mai",
        "Share a minor worry",  # no German words for it: as given
        "Notizen",
        "Seite 1 von 1",
    ):
        assert squashed(german) in squashed(text), german
    # A language the service does not speak: the couple's, as without the argument.
    other = pdf_text(logged_in.get(f"/couples/{couple.id}/handout.pdf?lang=fr").data)
    assert "Pasos de la semana" in other


def test_the_couple_page_offers_each_partners_language(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert (
        f'href="/couples/{couple.id}/handout.pdf?lang=es">Print steps'
        ' (<span lang="es">Español</span>)</a>'
    ) in html
    assert (
        f'href="/couples/{couple.id}/handout.pdf?lang=de">Print steps'
        ' (<span lang="de">Deutsch</span>)</a>'
    ) in html


def test_an_english_couple_gets_the_sheet_and_the_button_as_before(logged_in, couple):
    for partner in couple.partners:
        partner.language = "en"
    db.session.commit()

    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    text = pdf_text(logged_in.get(f"/couples/{couple.id}/handout.pdf").data)

    assert f'href="/couples/{couple.id}/handout.pdf">Print steps</a>' in html
    for english in (
        "Your steps for the week of 11 – 17 May 2026",
        "Share a minor worry",
        "Each of you, 3 times a week",
        "Together, once a week · from Wed 13 May",
        "Mon 11",
        "Page 1 of 1",
    ):
        assert squashed(english) in squashed(text), english
    assert "translated" not in text
