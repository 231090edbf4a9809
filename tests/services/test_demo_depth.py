"""The demo shows every couple-shaped feature right after seeding (``demo_depth``): the
leaned-on partner's open invitations and answers, a reply and a counselor's note, three
weeks of the weekly check-in with one divergence, and reminder figures that are enough to
judge for one couple and too few for the others — whatever weekday the demo is made on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Acknowledgement, Couple, OutboxEmail, OutboxStatus, Visibility
from counselor.services import demo
from counselor.services.accounts import counselors
from counselor.services.homework import leaning, reflections, replies, weekly_checkin
from counselor.services.pages.partner_page import HISTORY_WEEKS
from counselor.services.progress import reminder_figures
from counselor.services.reports.report_data import build_report_data
from tests.support.clock import NOW


def seeded() -> dict[str, Couple]:
    demo.seed_demo()
    tenancy.enter_practice(counselors.practice_by_slug(demo.DEMO_SLUG).id)
    return {couple.label: couple for couple in db.session.scalars(sa.select(Couple))}


@pytest.mark.parametrize("days_on", range(7))
def test_reminder_figures_judge_one_couple_and_call_the_others_too_few(app, clock, days_on):
    clock.set(NOW + timedelta(days=days_on))
    couples = seeded()

    alex_and_sam = reminder_figures.couple_effects(couples["Alex & Sam R."])
    for figures in alex_and_sam.values():
        assert figures.enough, figures.verdict
        assert figures.difference is not None, figures.verdict
    for label in ("Jordan & Priya K.", "Zoë & José M."):
        for figures in reminder_figures.couple_effects(couples[label]).values():
            assert 0 < figures.reminders < reminder_figures.MIN_REMINDERS, figures.verdict
            assert figures.verdict.endswith("too few to judge")
    assert reminder_figures.practice_effect().enough
    assert reminder_figures.last_computed() is not None
    # Sent, never to send: the outbox worker has nothing of the demo's to deliver.
    pending = sa.select(sa.func.count()).where(OutboxEmail.status != OutboxStatus.SENT)
    assert db.session.scalar(pending) == 0


def test_the_leaned_on_partner_has_invitations_and_answers(app):
    couple = seeded()["Alex & Sam R."]
    alex, sam = couple.partners

    for partner in (alex, sam):
        view = leaning.leaning_view(partner)
        assert len(view.invitations) == 2  # the newest acts are still to answer
        assert view.my_answers
    shared = db.session.scalars(
        sa.select(Acknowledgement).where(Acknowledgement.visibility == Visibility.SHARED)
    ).all()
    assert [a.partner_id for a in shared] == [sam.id] and shared[0].note
    assert [a.partner_id for a in leaning.leaning_view(alex).shared_with_me] == [sam.id]

    # The couple page and the report pair the period's acts with answers, and some with none.
    data = build_report_data(couple.id, None)
    answers = [act.noticed for act in data.leaning_acts]
    assert any(answers) and None in answers


def test_a_reply_a_note_and_reveal_together(app):
    couples = seeded()
    alex, sam = couples["Alex & Sam R."].partners
    (reflection,) = reflections.reflections_shared_by(alex, limit=1)
    assert replies.replies_received(alex, [reflection.id])[reflection.id].partner_id == sam.id
    since = reflection.created_at - timedelta(weeks=HISTORY_WEEKS)
    (note,) = replies.notes_for(alex, since)
    assert note.check_in.id == reflection.id and note.note.body.startswith("Thank you")
    assert reflections.reveal_together(couples["Jordan & Priya K."])
    assert not reflections.reveal_together(couples["Alex & Sam R."])


def test_three_weeks_of_the_weekly_check_in_with_one_divergence(app):
    couples = seeded()
    series = weekly_checkin.couple_series(couples["Alex & Sam R."])
    assert series.enabled
    for partner in series.partners:
        assert sum(mean is not None for mean in partner.means) == 3
        assert partner.means[-1] is None  # this week's is still to answer
        assert partner.change is not None
    (divergence,) = series.divergences
    assert divergence.item_key == "decided-together" and divergence.scores == (4, 2)
    assert not couples["Zoë & José M."].weekly_checkin
