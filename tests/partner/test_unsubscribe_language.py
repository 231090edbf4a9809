"""The pages a partner reaches from an email's *Stop these emails* (``/u/<token>``, mail
programs' one-click POST) and from their page (``/p/<token>/stop-emails``), in the
partner's language.

The Spanish words come from the catalogues (counselor/translations)."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.couples import links
from tests.support.clock import NOW

pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def ana(couple):
    ana = couple.partners[0]
    ana.first_name, ana.language = "Ana", "es"
    couple.practice.name = "Riverside"
    db.session.commit()
    return ana


def issue(partner, purpose: LinkPurpose) -> str:
    token = links.issue_link(partner, purpose)
    db.session.commit()
    return token


def test_the_unsubscribe_page_asks_in_the_partners_language(client, ana):
    html = client.get(f"/u/{issue(ana, LinkPurpose.UNSUBSCRIBE)}").get_data(as_text=True)

    assert '<html lang="es">' in html
    assert "<title>Ajustes de correo · Riverside</title>" in html
    assert "<h1>¿Dejar de recibir correos de Riverside?</h1>" in html
    assert "Hola, Ana. Dejarás de recibir recordatorios y avisos de pasos nuevos." in html
    assert "Solo tu terapeuta puede volver a activarlos." in html
    assert "Sí, dejar de recibir correos</button>" in html
    assert "Stop emails" not in html and "Only your counselor" not in html


def test_the_one_click_post_answers_in_the_partners_language(client, ana):
    response = client.post(
        f"/u/{issue(ana, LinkPurpose.UNSUBSCRIBE)}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>No recibirás más correos</h1>" in html
    assert "Ya no recibirás recordatorios ni avisos de pasos nuevos de Riverside." in html
    db.session.expire_all()
    assert ana.unsubscribed_at == NOW


def test_stop_emails_from_the_page_asks_in_the_partners_language(client, ana):
    token = issue(ana, LinkPurpose.HOMEWORK)

    html = client.get(f"/p/{token}/stop-emails").get_data(as_text=True)

    assert "¿Dejar de recibir correos de Riverside?" in html
    assert (
        "Si prefieres tomarte un descanso, puedes"
        f' <a href="/p/{token}#email-settings">pausar los recordatorios una semana</a>.'
    ) in html
    assert "Sí, dejar de recibir correos</button>" in html
    assert "No, quiero seguir recibiéndolos</a>" in html
    db.session.expire_all()
    assert ana.unsubscribed_at is None
