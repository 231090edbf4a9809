"""A partner's page in their language, in a real browser: Lucía reads hers in Spanish at
390 px and on a desktop, with a step's form open, and switches it to German from the page
itself (a plain form post); an Arabic reflection of Karim's reads right to left inside its own
box, on Lucía's page and on the counselor's couple page, while both pages stay left to
right. The screenshots are the README's (``capture``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor import tenancy
from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.homework import assignments
from counselor.services.homework.assignments import AssignmentInput
from tests.browser.test_partner_takes_back import record
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in
from tests.support.clock import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

ARABIC = "شعرت بالارتياح عندما أخبرتها عن قلقي الصغير."
SPANISH = "Me costó empezar, pero me alegró contárselo."
DIRECTIONS = """el => [getComputedStyle(el).direction, getComputedStyle(document.body).direction,
  document.documentElement.lang]"""


def test_lucia_reads_her_page_in_spanish_then_german_and_arabic_reads_right_to_left(
    browser, live_server, app, counselor, clock, capture
):
    tenancy.enter_practice(counselor.practice_id)
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Lucía & Karim",
        partners=[{"first_name": "Lucía"}, {"first_name": "Karim"}],
    )
    couple.reveal_together = False
    lucia, karim = couple.partners
    lucia.language = "es"
    worry, chore = (
        assignments.assign_homework(
            Actor.for_counselor(counselor),
            couple.id,
            AssignmentInput(template_key=key, starts_on=TODAY - timedelta(days=2), notify=False),
        )
        for key in ("share-a-minor-worry", "hand-over-a-chore")
    )
    record(karim, worry.id, 0, comfort=4, reflection=ARABIC, share_with_partner=True)
    record(karim, chore.id, 1, comfort=3)  # a leaning act Lucía is asked about
    record(lucia, worry.id, 1, comfort=3, reflection=SPANISH, share_with_partner=True)
    lucia_link = f"/p/{links.issue_link(lucia, LinkPurpose.HOMEWORK)}"
    db.session.commit()

    # Script on only for ``capture`` (it waits on the page's frames); the page uses none.
    phone = browser.new_context(base_url=live_server, viewport=PHONE)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{lucia_link}?step={chore.id}#step-{chore.id}")

    assert page.locator("html").get_attribute("lang") == "es"
    main = page.locator("main").inner_text()
    assert "Hola, Lucía" in main and "Tus pasos para practicar en la semana del lunes" in main
    assert "Marcar como hecho" in main and "¿Cuándo lo hiciste?" in main
    assert "Karim dice que esta semana, el martes, se apoyó en ti" in main
    reflection = page.locator("#shared-with-me blockquote", has_text=ARABIC)
    assert reflection.evaluate(DIRECTIONS) == ["rtl", "ltr", "es"]
    assert_no_sideways_scroll(page)
    capture(page, "partner-page-es")

    # Lucía chooses German on her page: the form posts, the page comes back in German.
    page.get_by_label("Language / Idioma / Sprache").select_option("de")
    page.locator("form.language-form button").click()
    page.wait_for_url("**notice=language**")
    assert page.locator("html").get_attribute("lang") == "de"
    main = page.locator("main").inner_text()
    assert "Erledigt: Deine Seite und deine E-Mails sind jetzt auf Deutsch." in main
    assert "Hallo Lucía" in main and "Abhaken" in main
    page.goto(f"{lucia_link}?step={chore.id}#step-{chore.id}")
    assert_no_sideways_scroll(page)
    capture(page, "partner-page-de")
    phone.close()

    # The counselor's couple page: the same reflection reads right to left in its box.
    desk = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(10_000)
    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    arabic = page.locator("blockquote", has_text=ARABIC).first
    assert arabic.evaluate(DIRECTIONS) == ["rtl", "ltr", "en"]
    desk.close()
