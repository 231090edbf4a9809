"""services/couples/preferences.py: partners snooze or stop emails; counselors resume them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.services.couples import links, preferences
from counselor.services.errors import NotFound
from tests.support import factories
from tests.support.clock import NOW

# ``actor``: the couple's practice's scope, which the partner's link page enters.
pytestmark = pytest.mark.usefixtures("clock", "actor")


def audit_actions(partner) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "partner", AuditEvent.object_id == partner.id)
            .order_by(AuditEvent.id)
        )
    )


def test_snooze_pauses_reminders_for_a_week(partner):
    preferences.snooze_reminders(links.partner_actor(partner), partner)

    db.session.commit()
    db.session.expire_all()
    assert partner.snoozed_until == NOW + timedelta(days=7)
    assert partner.unsubscribed_at is None
    assert audit_actions(partner) == ["partner.snooze"]


def test_stop_emails_twice_keeps_the_first_time(partner, clock):
    actor = links.partner_actor(partner)
    preferences.stop_emails(actor, partner)
    clock.advance(hours=3)

    preferences.stop_emails(actor, partner)

    db.session.commit()
    db.session.expire_all()
    assert partner.unsubscribed_at == NOW
    assert audit_actions(partner) == ["partner.unsubscribe"]


def test_counselor_resumes_emails_clearing_stop_and_snooze(actor, counselor, partner):
    partner_actor = links.partner_actor(partner)
    preferences.snooze_reminders(partner_actor, partner)
    preferences.stop_emails(partner_actor, partner)

    preferences.resume_emails(actor, partner.id)

    db.session.commit()
    db.session.expire_all()
    assert (partner.unsubscribed_at, partner.snoozed_until) == (None, None)
    assert audit_actions(partner)[-1] == "partner.resubscribe"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "partner.resubscribe")
    )
    assert (event.actor_type, event.actor_id) == ("counselor", counselor.id)


def test_resume_emails_of_another_practices_partner_is_not_found(actor, clock):
    foreign = factories.CoupleFactory().partners[0]
    foreign.unsubscribed_at = NOW
    db.session.commit()

    with pytest.raises(NotFound):
        preferences.resume_emails(actor, foreign.id)

    db.session.expire_all()
    assert foreign.unsubscribed_at == NOW
