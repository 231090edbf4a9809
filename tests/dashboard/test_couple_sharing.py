"""The couple page's *reveal together* override: its hint says what it does (and that turning
it on mid-week hides again what is not yet answered), and its confirmation reads as one
sentence whatever the couple's label ends with."""

from __future__ import annotations

import pytest

from counselor.extensions import db

pytestmark = pytest.mark.usefixtures("clock")


def choose(client, couple, choice: str) -> str:
    response = client.post(
        f"/couples/{couple.id}/reveal-together",
        data={"reveal_together": choice},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_the_override_has_a_hint(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True).replace("&#39;", "'")
    assert 'aria-describedby="reveal-together-hint"' in html
    assert "turned on mid-week, it hides again those not yet answered" in html


def test_the_confirmation_is_one_sentence_whatever_the_label(logged_in, couple):
    couple.label = "Alex & Sam R."
    db.session.commit()
    html = choose(logged_in, couple, "on")
    assert "Reveal together is on for this couple." in html and ".." not in html
    html = choose(logged_in, couple, "practice")
    assert "Reveal together is off for this couple (the practice's choice)." in html
