"""The weekly check-in on the couple page: the on/off button (POST, CSRF, audited) and, once
answered, each partner's chart, the latest week with its change, and the divergent items."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import AuditEvent
from counselor.services.couples.links import partner_actor
from counselor.services.homework import ladder, weekly_checkin
from tests.support import factories
from tests.support.helpers import login

pytestmark = pytest.mark.usefixtures("clock")

ITEMS = load_weekly_checkin()
KEYS = [item.key for item in ITEMS]
NOTE = "A practice tool to talk about in your sessions, not a clinical test"


def page(client, couple) -> str:
    response = client.get(f"/couples/{couple.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_button_turns_it_on_and_off(logged_in, couple):
    html = page(logged_in, couple)
    assert "Turn on the weekly check-in" in html and NOTE in html

    response = logged_in.post(f"/couples/{couple.id}/weekly-checkin", data={"enabled": "on"})
    assert response.status_code == 302
    assert response.location.endswith(f"/couples/{couple.id}#weekly-checkin")
    assert couple.weekly_checkin is True
    html = page(logged_in, couple)
    assert "Turn off the weekly check-in" in html
    assert "Neither partner has answered yet" in html

    logged_in.post(f"/couples/{couple.id}/weekly-checkin", data={"enabled": "off"})
    assert couple.weekly_checkin is False
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("weekly_checkin.%"))
    ).all()
    assert actions == ["weekly_checkin.turned_on", "weekly_checkin.turned_off"]


@pytest.mark.parametrize("value", ["", "yes", "ON"])
def test_anything_but_on_or_off_is_refused(logged_in, couple, value):
    response = logged_in.post(f"/couples/{couple.id}/weekly-checkin", data={"enabled": value})
    assert response.status_code == 400
    assert couple.weekly_checkin is False


def test_without_a_csrf_token_nothing_changes(app, logged_in, couple):
    app.config["WTF_CSRF_ENABLED"] = True  # once signed in
    response = logged_in.post(f"/couples/{couple.id}/weekly-checkin", data={"enabled": "on"})
    assert response.status_code == 400
    assert couple.weekly_checkin is False


def test_the_page_charts_both_partners_and_flags_a_divergence(
    client, counselor, actor, couple, clock
):
    couple.weekly_checkin = True
    alex, sam = couple.partners
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 2))
    weekly_checkin.record_answers(partner_actor(sam), sam, dict.fromkeys(KEYS, 3))
    clock.advance(days=7)
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 3) | {KEYS[4]: 5})
    weekly_checkin.record_answers(partner_actor(sam), sam, dict.fromkeys(KEYS, 3))
    db.session.commit()

    login(client, counselor.email, factories.PASSWORD)  # now: the clock has moved
    html = page(client, couple)

    section = html[html.index('id="weekly-checkin"') :]
    section = section[: section.index("</section>")]
    assert NOTE in section
    chart = re.search(r'<svg class="line-chart".*?</svg>', section, re.S).group(0)
    assert chart.count('<g class="chart-series">') == 2
    assert f"{alex.first_name}, week of" in chart and f"{sam.first_name}, week of" in chart
    # Each point's title gives the mean score on the 1–5 scale, as the tables do.
    titles = re.findall(rf"<title>{alex.first_name}, week of [^:]+: ([\d.]+)</title>", chart)
    assert titles == ["2.0", "3.3"]
    assert "Turn off the weekly check-in" in section
    # The latest week: Alex's mean 3.3 from 2.0, Sam steady at 3.
    assert re.search(rf"<strong>{alex.first_name}</strong> \+1\.3\b", section)
    assert re.search(rf"<strong>{sam.first_name}</strong> ±0", section)
    flagged = re.findall(r'<tr class="divergent">\s*<th scope="row">(.*?) <span', section, re.S)
    assert flagged == [ITEMS[4].text.replace("'", "&#39;")]
    assert "2+ points apart" in section
    assert section.count("<li><strong>Week of") == 1


def test_a_reworded_statement_shows_wording_changed_not_a_change(
    client, counselor, actor, couple, clock
):
    couple.weekly_checkin = True
    alex, sam = couple.partners
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 2))
    weekly_checkin.record_answers(partner_actor(sam), sam, dict.fromkeys(KEYS, 3))
    ladder.sync_ladder(
        items=[replace(i, text=i.text + " Really.") if i.key == KEYS[4] else i for i in ITEMS]
    )
    clock.advance(days=7)
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 3))
    weekly_checkin.record_answers(partner_actor(sam), sam, dict.fromkeys(KEYS, 5))
    db.session.commit()

    login(client, counselor.email, factories.PASSWORD)
    html = page(client, couple)

    section = html[html.index('id="weekly-checkin"') :]
    section = section[: section.index("</section>")]
    assert re.search(rf"<strong>{alex.first_name}</strong> – \(wording changed\)", section)
    assert section.count('3 <span class="muted small">(+1)</span>') == len(KEYS) - 1
    assert section.count("(wording changed)</span>") == 2  # Alex's and Sam's cell of item 5
    # Sam's 5 against Alex's 3 in the same words is flagged; week one's 2 against 3 is not.
    assert "2+ points apart" in section
