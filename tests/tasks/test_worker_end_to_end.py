"""The whole path with a real worker, a real broker and a real SMTP server: a counselor
assigns a step, each partner gets one email, follows its link and marks the step done."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CheckIn, OutboxEmail, OutboxStatus
from counselor.services.homework.practice_ladder import effective_template
from tests.support import factories
from tests.support.helpers import assign_form

# actor: the test reads the counselor's practice, as the dashboard would.
pytestmark = [pytest.mark.committed_db, pytest.mark.usefixtures("actor")]


@pytest.fixture
def app_overrides(broker_settings: dict) -> dict:
    """An app of the test's own, on the broker its worker consumes."""
    return broker_settings


def test_assigned_step_reaches_each_partner_who_checks_it_off(
    app, clock, logged_in, counselor, smtp, worker, waiter
):
    """At noon in the partners' zone (the test clock, which the worker's thread reads too):
    the new-step emails go at once."""
    couple = factories.CoupleFactory(counselor=counselor)
    template = effective_template(counselor.practice_id, "share-a-minor-worry")
    response = logged_in.post(
        f"/couples/{couple.id}/assign", data=assign_form(template.key, times_per_week="3")
    )
    assert response.status_code == 302

    waiter(lambda: len(smtp.messages) == 2)
    by_recipient = {mail.recipients[0]: mail for mail in smtp.messages}
    assert sorted(by_recipient) == sorted(p.email for p in couple.partners)
    for mail in smtp.messages:
        assert len(mail.recipients) == 1
        assert mail.message["To"] == mail.recipients[0]
        assert template.title not in mail.text and template.instructions[:40] not in mail.text
        assert "1 step open this week" in mail.text
    waiter(lambda: _statuses() == [OutboxStatus.SENT, OutboxStatus.SENT])

    alex = couple.partners[0]
    path = urlsplit(by_recipient[alex.email].homework_link).path
    page = html.unescape(logged_in.get(path).get_data(as_text=True))
    assert template.title in page
    key = re.search(r'name="checkin_key" type="hidden" value="([^"]+)"', page).group(1)
    assignment_id = re.search(r"/steps/(\d+)/done", page).group(1)
    done = logged_in.post(
        f"{path}/steps/{assignment_id}/done",
        data={"checkin_key": key, "when": "0", "comfort": "4", "reflection": "Said it aloud."},
    )
    assert done.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1

    counselor_view = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Said it aloud." in counselor_view
    assert "1 of 3" in counselor_view


def _statuses() -> list[OutboxStatus]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail.status).order_by(OutboxEmail.id)))
