"""The counselor sets each partner's language on the couple form."""

from __future__ import annotations

import re

from counselor.extensions import db
from counselor.models import Couple
from tests.dashboard.test_couples import couple_form
from tests.support import factories
from tests.support.helpers import row_counts


def test_the_form_offers_each_language_in_its_own_name_english_first(logged_in):
    html = logged_in.get("/couples/new").get_data(as_text=True)
    assert "Language of their page and emails" in html
    select = re.search(r'<select[^>]*name="partners-0-language".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option([^>]*)value="(\w+)">([^<]+)</option>', select.group(0))
    assert [(value, name) for _, value, name in options] == [
        ("en", "English"),
        ("es", "Español"),
        ("de", "Deutsch"),
    ]
    assert "selected" in options[0][0]


def test_the_counselor_sets_and_changes_a_partner_s_language(logged_in, counselor):
    form = couple_form(counselor_id=str(counselor.id), **{"partners-1-language": "es"})
    response = logged_in.post("/couples/new", data=form)
    assert response.status_code == 302
    couple = db.session.scalars(db.select(Couple).where(Couple.label == "Robin & Kai T.")).one()
    assert [p.language for p in couple.partners] == ["en", "es"]

    form = couple_form(
        counselor_id=str(counselor.id), **{"partners-0-language": "de", "partners-1-language": "es"}
    )
    assert logged_in.post(f"/couples/{couple.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert [p.language for p in couple.partners] == ["de", "es"]
    edit = logged_in.get(f"/couples/{couple.id}/edit").get_data(as_text=True)
    assert '<option selected value="de">Deutsch</option>' in edit


def test_a_language_not_offered_is_refused_at_its_field(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    before = row_counts()
    form = couple_form(counselor_id=str(counselor.id), **{"partners-0-language": "fr"})

    response = logged_in.post(f"/couples/{couple.id}/edit", data=form)

    assert response.status_code == 422
    error = re.search(
        r'<p class="error" id="partners-0-language-error">([^<]*)</p>',
        response.get_data(as_text=True),
    )
    assert error is not None
    assert "is not a language this service speaks yet; choose one of en, es, de." in error.group(1)
    assert row_counts() == before
