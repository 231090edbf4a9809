"""The counselor's Monday digest: who needs attention and why, with no client text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignee, EmailKind, OutboxEmail
from counselor.services.delivery import digest, reminders
from tests.support import factories

MONDAY_9AM_CHICAGO = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def at_monday(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: MONDAY_9AM_CHICAGO)


def test_quiet_stopped_and_ready_couples_are_listed_with_reasons(app, at_monday):
    counselor = factories.CounselorFactory(timezone="America/Chicago")
    quiet = factories.CoupleFactory(counselor=counselor, label="Quiet couple")
    factories.AssignmentFactory(couple=quiet)
    factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=quiet),
        partner=quiet.partners[0],
        occurred_on=date(2026, 11, 10),
        reflection="Private words",
    )
    stopped = factories.CoupleFactory(
        counselor=counselor,
        label="Stopped couple",
        partners=[{"unsubscribed_at": MONDAY_9AM_CHICAGO}, {}],
    )
    ready = factories.CoupleFactory(counselor=counselor, label="Ready couple")
    on_rung_three = factories.AssignmentFactory(  # only the first partner does it
        couple=ready,
        rung=factories.rung(3),
        times_per_week=2,
        starts_on=date(2026, 11, 2),
        assignee=Assignee.PARTNER,
        assignee_partner_id=ready.partners[0].id,
    )
    for day in (9, 10, 16, 17):  # both of the last two full weeks on target
        factories.CheckInFactory(
            assignment=on_rung_three, partner=ready.partners[0], occurred_on=date(2026, 11, day)
        )
    factories.CoupleFactory(counselor=counselor, label="Fine couple")
    db.session.commit()

    with tenancy.practice_scope(counselor.practice_id):  # as when the digest is composed
        items = {i.label: i.reasons for i in digest.couples_needing_attention(counselor)}
    assert items == {
        # The second partner of the quiet couple had steps due and did none for two weeks.
        "Quiet couple": [
            "no check-ins for 7 days",
            "a partner did none of the steps due in the last two weeks",
        ],
        "Ready couple": ["may be ready to move up a rung"],
        "Stopped couple": ["a partner stopped emails"],
    }
    assert stopped.id  # listed by label only


def test_one_digest_per_counselor_on_monday_morning_and_it_carries_no_client_text(
    app, smtp, monkeypatch
):
    import tasks.outbox

    counselor = factories.CounselorFactory(timezone="America/Chicago")
    factories.CounselorFactory(timezone="America/Chicago", weekly_digest=False)
    couple = factories.CoupleFactory(counselor=counselor, label="Quiet couple")
    factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=couple),
        partner=couple.partners[0],
        occurred_on=date(2026, 11, 2),
        reflection="Something very private",
    )
    sunday = MONDAY_9AM_CHICAGO - timedelta(days=1)
    monkeypatch.setattr(timeutil, "utcnow", lambda: sunday)
    assert reminders.plan_counselor_digests(sunday) == []
    monkeypatch.setattr(timeutil, "utcnow", lambda: MONDAY_9AM_CHICAGO)
    first = reminders.plan_counselor_digests(MONDAY_9AM_CHICAGO)
    again = reminders.plan_counselor_digests(MONDAY_9AM_CHICAGO + timedelta(hours=2))
    assert len(first) == 1 and again == []

    tasks.outbox.deliver_emails(first)
    (mail,) = smtp.messages
    assert mail.recipients == [counselor.email]
    assert "Quiet couple: no check-ins for 7 days" in mail.text
    assert f"/couples/{couple.id}" in mail.text
    assert "Something very private" not in mail.text + mail.html
    kinds = db.session.scalars(tenancy.across_practices(sa.select(OutboxEmail.kind))).all()
    assert kinds == [EmailKind.COUNSELOR_DIGEST]
