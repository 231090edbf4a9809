"""A partner reads their page in their own language: the page, its dates, its forms and its
messages; the step's words when the step has them in that language, else as given, saying
so; and they can change the language on the page themselves (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.partner.wording import TOOL_NOTE
from reports.data import PRACTICE_TOOL_NOTE
from tests.partner.test_pages import checkin_key, issue, page
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock", "actor")

MONDAY = TODAY - timedelta(days=TODAY.weekday())  # Monday 11 May 2026
SPANISH_WORDS = {
    "es": {
        "title": "Comparte una pequeña preocupación",
        "instructions": "Cuéntale a tu pareja una pequeña preocupación esta semana.",
    }
}


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        instructions="Tell your partner about one small worry this week.",
        times_per_week=2,
        starts_on=TODAY - timedelta(weeks=2),
        translations=SPANISH_WORDS,
    )


def speaking(partner, language: str):
    partner.language = language
    db.session.commit()
    return partner


def test_a_spanish_partner_reads_their_page_in_spanish(client, partner, step):
    html = page(client, issue(speaking(partner, "es")))

    assert '<html lang="es">' in html
    assert f"Hola, {partner.first_name}" in html
    assert "Tus pasos para practicar en la semana del lunes, 11 de mayo." in html
    assert "Comparte una pequeña preocupación" in html  # the step's own Spanish words
    assert "Cuéntale a tu pareja una pequeña preocupación esta semana." in html
    assert "Tell your partner" not in html and "aún no está traducido" not in html
    assert "Marcar como hecho" in html and "¿Cuándo lo hiciste?" in html
    assert '<option selected value="0">Hoy</option>' in html
    assert ">Ayer</option>" in html and ">lunes, 11 de mayo</option>" in html
    assert "1 – muy difícil" in html and "Que mi pareja también pueda leerlo" in html
    assert "Estos pasos acompañan tu terapia" in html  # the footer
    assert "Your practice steps" not in html and "Mark done" not in html


def test_a_german_partner_reads_their_page_in_german(client, partner, step):
    html = page(client, issue(speaking(partner, "de")))

    assert '<html lang="de">' in html
    assert f"Hallo {partner.first_name}" in html
    assert "Deine Übungsschritte für die Woche ab Montag, 11. Mai." in html
    assert "Abhaken" in html and ">Heute</option>" in html and ">Montag, 11. Mai</option>" in html
    # No German words for this step: the counselor's, and the page says so kindly.
    assert "Share a minor worry" in html
    assert "Tell your partner about one small worry this week." in html
    assert "Dieser Schritt ist noch nicht übersetzt" in html


def test_an_english_partner_sees_no_note_about_translation(client, partner, step):
    html = page(client, issue(partner))
    assert '<html lang="en">' in html and "Hi " in html
    assert "isn't translated yet" not in html


def test_a_mistake_comes_back_in_the_partners_language(client, partner, step):
    token = issue(speaking(partner, "es"))
    data = {"checkin_key": checkin_key(page(client, token), step.id), "when": "0"}
    data["reflection"] = "x" * 5000
    response = client.post(f"/p/{token}/steps/{step.id}/done", data=data)

    assert response.status_code == 422
    assert "Escribe como máximo 2000 caracteres." in response.get_data(as_text=True)


def test_the_partner_changes_their_language_on_the_page(client, partner, step):
    token = issue(partner)
    html = page(client, token)
    assert "Language / Idioma / Sprache" in html
    assert '<option value="es">Español</option>' in html

    response = client.post(f"/p/{token}/language", data={"language": "es"})

    assert response.status_code == 302 and "notice=language" in response.location
    db.session.expire_all()
    assert partner.language == "es"
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "partner.language")
    ).all()
    assert (event.actor_type, event.object_id) == ("partner", partner.id)
    after = client.get(response.location).get_data(as_text=True)
    assert "Listo: tu página y tus correos ya están en español." in after
    assert '<option selected value="es">Español</option>' in after


def test_a_language_the_service_does_not_speak_is_refused_and_nothing_saved(client, partner, step):
    token = issue(partner)
    response = client.post(f"/p/{token}/language", data={"language": "fr"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "&#39;fr&#39; is not a language this service speaks yet; choose one of en, es, de." in html
    )
    db.session.expire_all()
    assert partner.language == "en"
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "partner.language")
    ).all()


def test_a_regional_tag_is_stored_as_its_language(client, partner, step):
    client.post(f"/p/{issue(partner)}/language", data={"language": "es-MX"})
    db.session.expire_all()
    assert partner.language == "es"


def test_a_step_of_an_act_names_the_step_in_the_partners_language(client, couple, step):
    alex, sam = couple.partners
    step.leans_on_partner = True
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY)
    db.session.commit()
    html = page(client, issue(speaking(sam, "es")))

    assert (
        f"{alex.first_name} dice que hoy se apoyó en ti al hacer el paso "
        "«Comparte una pequeña preocupación»."
    ) in html


def test_the_practice_tool_note_reads_as_the_reports_in_english(app):
    with app.test_request_context():
        assert str(TOOL_NOTE) == PRACTICE_TOOL_NOTE


def test_a_link_that_no_longer_works_speaks_the_browsers_language(client):
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html and "Dieser Link funktioniert nicht mehr" in html
