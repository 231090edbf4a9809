"""The dashboard says what each partner reads: the assign and edit forms warn that only the
ladder's own words reach a partner translated; the couple page's partner card names it."""

from __future__ import annotations

import html
import re

from counselor.extensions import db
from counselor.services.couples.partner_language import translation_notice
from tests.support import factories


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def couple_reading(counselor, first: str, second: str):
    return factories.CoupleFactory(
        counselor=counselor,
        partners=[
            {"first_name": "José", "language": first},
            {"first_name": "Zoë", "language": second},
        ],
    )


NOTICE_TAIL = (
    "Steps from the ladder reach them translated; if you change the words or write your own "
    "step, they read your English, with a note that it isn't translated yet."
)


def test_the_notice_names_who_reads_what(app):
    couple = couple_reading(factories.CounselorFactory(), "es", "de")
    assert translation_notice(couple.partners) == (
        f"José reads Spanish and Zoë reads German. {NOTICE_TAIL}"
    )
    couple.partners[1].language = "es"
    assert translation_notice(couple.partners) == f"José and Zoë read Spanish. {NOTICE_TAIL}"
    couple.partners[0].language = "en"
    assert translation_notice(couple.partners) == f"Zoë reads Spanish. {NOTICE_TAIL}"
    couple.partners[1].language = "en"
    assert translation_notice(couple.partners) is None


def test_the_assign_form_shows_the_notice_when_a_partner_reads_another_language(
    logged_in, counselor
):
    couple = couple_reading(counselor, "es", "de")
    rung = factories.rung(1)
    text = page_text(logged_in.get(f"/couples/{couple.id}/assign?rung={rung.id}"))
    assert f"José reads Spanish and Zoë reads German. {NOTICE_TAIL}" in text


def test_the_assign_form_says_nothing_when_both_read_english(logged_in, counselor):
    couple = couple_reading(counselor, "en", "en")
    rung = factories.rung(1)
    response = logged_in.get(f"/couples/{couple.id}/assign?rung={rung.id}")
    assert "language-notice" not in response.get_data(as_text=True)
    assert "translated" not in page_text(response)


def test_the_step_s_edit_form_shows_the_same_notice(logged_in, counselor):
    couple = couple_reading(counselor, "en", "de")
    assignment = factories.AssignmentFactory(couple=couple, rung=factories.rung(1))
    db.session.commit()
    text = page_text(logged_in.get(f"/assignments/{assignment.id}/edit"))
    assert f"Zoë reads German. {NOTICE_TAIL}" in text


def test_the_partner_card_names_the_language_each_partner_reads(logged_in, counselor):
    couple = couple_reading(counselor, "es", "en")
    text = page_text(logged_in.get(f"/couples/{couple.id}"))
    assert re.search(r"America/\w+ · reads Spanish · reminders at", text)
    assert re.search(r"America/\w+ · reads English · reminders at", text)
