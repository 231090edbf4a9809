"""counselor/services/homework/leaning.py and acknowledgements.py: which check-ins lean on the
other partner, the invitations to acknowledge them, and the answers — once each."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignee,
    AuditEvent,
    Noticed,
    Visibility,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.couples import links
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import acknowledgements, checkins, leaning
from counselor.services.homework.acknowledgements import AcknowledgementInput
from counselor.services.homework.assignments import AssignmentInput, assign_homework
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")

YES = AcknowledgementInput(noticed="yes", felt_valued=5, note="It felt good to be asked.")


def leaning_step(couple, **fields):
    values = {"leans_on_partner": True, "starts_on": TODAY - timedelta(weeks=3), **fields}
    return factories.AssignmentFactory(couple=couple, **values)


def act(step, partner, days_ago: int = 0):
    return factories.CheckInFactory(
        assignment=step, partner=partner, occurred_on=TODAY - timedelta(days=days_ago)
    )


def answer(partner, check_in, data: AcknowledgementInput = YES):
    return acknowledgements.acknowledge(links.partner_actor(partner), partner, check_in.id, data)


# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template_key", "leans"),
    [
        ("solo-default-log", False),  # rung 1
        ("ask-opinion-work-email", True),  # rung 2
        ("weekly-money-check-in", True),  # rung 3, together: the step leans, its acts don't
    ],
)
def test_a_step_given_leans_by_its_rung(actor, couple, template_key, leans):
    step = assign_homework(actor, couple.id, AssignmentInput(template_key=template_key))
    assert step.leans_on_partner is leans


def test_a_custom_step_on_rungs_2_to_5_leans_and_on_rung_1_not(actor, couple):
    def custom(position: int):
        data = AssignmentInput(
            rung_id=factories.rung(position).id,
            title=f"Custom on {position}",
            instructions="Do it.",
            times_per_week=1,
            notify=False,
        )
        return assign_homework(actor, couple.id, data)

    assert [custom(p).leans_on_partner for p in (1, 2, 5)] == [False, True, True]


def test_a_rung_1_template_leans_when_the_ladder_marks_it(actor, couple):
    template = factories.template("trace-where-it-started")
    template.leans_on_partner = True
    db.session.flush()
    step = assign_homework(actor, couple.id, AssignmentInput(template_key=template.key))
    assert step.leans_on_partner is True


def test_a_together_step_is_never_a_leaning_act(actor, couple):
    together = leaning_step(couple, assignee=Assignee.TOGETHER)
    each = leaning_step(couple, title="Each")
    alex, sam = couple.partners
    assert leaning.is_leaning_act(act(together, alex)) is False
    assert leaning.is_leaning_act(act(each, alex)) is True
    assert [c.assignment_id for c in leaning.leaning_view(sam).invitations] == [each.id]


def test_a_rung_1_step_not_flagged_invites_nobody(actor, couple):
    step = factories.AssignmentFactory(couple=couple, rung=factories.rung(1))
    alex, sam = couple.partners
    act(step, alex)
    assert leaning.leaning_view(sam).invitations == []


def test_the_invitation_is_the_other_partner_s_for_14_days(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    newest, last_day, too_old = act(step, alex), act(step, alex, 13), act(step, alex, 14)

    view = leaning.leaning_view(sam)

    assert [c.id for c in view.invitations] == [newest.id, last_day.id]
    assert leaning.leaning_view(alex).invitations == []  # their own acts invite nobody
    with pytest.raises(InvalidInput) as error:
        answer(sam, too_old)
    assert "more than 14 days ago" in error.value.sentences


def test_the_newest_three_then_how_many_more(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    acts = [act(step, alex, days) for days in range(5)]
    view = leaning.leaning_view(sam)
    assert [c.id for c in view.invitations] == [c.id for c in acts[:3]]
    assert view.more == 2


def test_words_for_the_leaned_on_partner(actor, couple):
    assert leaning.act_words("Ask their view on a work email") == (
        "asked your view on a work email"
    )
    assert leaning.act_words("Tell your partner one work worry") == "told you one work worry"
    assert leaning.act_words("Celebrate wins") == "the step \u201cCelebrate wins\u201d"
    step = leaning_step(couple)
    alex, sam = couple.partners
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert leaning.when_words(act(step, alex), sam) == ("today", "")
    assert leaning.when_words(act(step, alex, TODAY.weekday()), sam) == ("this week", "Monday")
    older = act(step, alex, TODAY.weekday() + 1)
    sunday = monday - timedelta(days=1)
    assert leaning.when_words(older, sam) == ("on", f"Sunday, May {sunday.day}")
    asked = act(leaning_step(couple, title="Ask their view on a work email"), alex, 1)
    assert leaning.invitation_words(asked, sam).startswith(f"{alex.first_name} says they leaned")
    assert leaning.invitation_words(asked, sam).endswith("(asked your view on a work email).")
    celebrated = act(leaning_step(couple, title="Celebrate wins"), alex, TODAY.weekday() + 1)
    assert leaning.invitation_words(celebrated, sam) == (
        f"{alex.first_name} says they leaned on you on Sunday, May {sunday.day}, with the "
        "step \u201cCelebrate wins\u201d."
    )


# --- answering -------------------------------------------------------------------------------


def test_an_answer_is_recorded_audited_and_announced_with_ids_only(actor, couple):
    endpoint = WebhookEndpoint(
        practice_id=couple.practice_id,
        url="https://hooks.example.org/in",
        secret="whsec_" + "A" * 43 + "=",
        events="acknowledgement.created",
    )
    db.session.add(endpoint)
    step = leaning_step(couple)
    alex, sam = couple.partners
    leaned = act(step, alex)

    ack, created = answer(sam, leaned, AcknowledgementInput("yes", 5, " Lovely. ", True))

    assert created is True
    assert (ack.noticed, ack.felt_valued, ack.note) == (Noticed.YES, 5, "Lovely.")
    assert (ack.partner_id, ack.visibility) == (sam.id, Visibility.SHARED)
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.object_id) == ("acknowledgement.create", ack.id)
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.event == "acknowledgement.created"
    assert "Lovely" not in str(delivery.payload)
    assert json.loads(delivery.payload)["data"] == {
        "acknowledgement_id": ack.id,
        "checkin_id": leaned.id,
        "couple_id": couple.id,
        "partner_id": sam.id,
    }
    assert leaning.leaning_view(sam).invitations == []
    assert [a.id for a in leaning.leaning_view(alex).shared_with_me] == [ack.id]


def test_a_second_answer_gives_the_first_back_and_writes_nothing(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    leaned = act(step, alex)
    first, _ = answer(sam, leaned)
    before = (count_rows(Acknowledgement), count_rows(AuditEvent))

    again, created = answer(sam, leaned, AcknowledgementInput("no", 1, "Changed my mind"))

    assert (again.id, created, again.noticed, again.note) == (
        first.id,
        False,
        Noticed.YES,
        "It felt good to be asked.",
    )
    assert (count_rows(Acknowledgement), count_rows(AuditEvent)) == before


def test_nobody_but_the_leaned_on_partner_can_answer(actor, couple, counselor):
    step = leaning_step(couple)
    alex, sam = couple.partners
    leaned = act(step, alex)
    stranger = factories.CoupleFactory(counselor=counselor).partners[0]
    for who in (alex, stranger):  # the act's own partner; another couple's
        with pytest.raises(NotFound):
            answer(who, leaned)
    together = act(leaning_step(couple, assignee=Assignee.TOGETHER, title="T"), alex)
    with pytest.raises(NotFound):
        answer(sam, together)
    assert count_rows(Acknowledgement) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (AcknowledgementInput(noticed=None), "noticed"),
        (AcknowledgementInput(noticed="maybe"), "noticed"),
        (AcknowledgementInput(noticed="yes", felt_valued=6), "felt_valued"),
        (AcknowledgementInput(noticed="yes", felt_valued=0), "felt_valued"),
        (AcknowledgementInput(noticed="yes", note="x" * 2001), "note"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(actor, couple, data, field):
    step = leaning_step(couple)
    alex, sam = couple.partners
    leaned = act(step, alex)
    before = (count_rows(Acknowledgement), count_rows(AuditEvent))
    with pytest.raises(InvalidInput) as error:
        answer(sam, leaned, data)
    assert field in error.value.errors
    assert (count_rows(Acknowledgement), count_rows(AuditEvent)) == before


def test_stop_sharing_is_the_answerer_s_alone(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    ack, _ = answer(sam, act(step, alex), AcknowledgementInput("yes", share_with_partner=True))
    with pytest.raises(NotFound):
        acknowledgements.stop_sharing(links.partner_actor(alex), alex, ack.id)
    acknowledgements.stop_sharing(links.partner_actor(sam), sam, ack.id)
    assert ack.visibility == Visibility.COUNSELOR
    assert leaning.leaning_view(alex).shared_with_me == []
    assert [a.id for a in leaning.leaning_view(sam).my_answers] == [ack.id]


def test_deleting_the_leaning_check_in_deletes_its_answer(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    leaned = act(step, alex)
    ack, _ = answer(sam, leaned)
    ack_id = ack.id

    checkins.delete_checkin(links.partner_actor(alex), alex, leaned.id)

    db.session.expire_all()
    assert count_rows(Acknowledgement) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["acknowledgement.delete", "checkin.delete"]
    assert db.session.get(Acknowledgement, ack_id) is None


def test_period_pairs_pair_each_act_with_its_answer(actor, couple):
    step = leaning_step(couple)
    alex, sam = couple.partners
    answered, waiting = act(step, alex, 2), act(step, sam, 1)
    act(leaning_step(couple, assignee=Assignee.TOGETHER, title="T"), alex)
    ack, _ = answer(sam, answered)

    pairs = leaning.period_pairs(couple.id, TODAY - timedelta(days=7), TODAY)

    assert [(p.checkin_id, p.leaner_id) for p in pairs] == [
        (answered.id, alex.id),
        (waiting.id, sam.id),
    ]
    assert pairs[0].acknowledgement is not None and pairs[0].acknowledgement.id == ack.id
    assert pairs[1].acknowledgement is None
    assert leaning.period_pairs(couple.id, TODAY, TODAY) == []


def test_the_report_data_pairs_the_period_s_acts_and_counts_each_direction(actor, couple):
    from counselor.services.reports.report_data import build_report_data

    step = leaning_step(couple, title="Ask their view on a work email")
    alex, sam = couple.partners
    first, second = act(step, alex, 2), act(step, alex, 1)
    act(step, sam, 1)
    act(step, alex, 30)  # before the period (the last 14 days, without a session)
    answer(sam, first, AcknowledgementInput("yes", 5, "Felt trusted", True))
    answer(sam, second, AcknowledgementInput("not_sure"))

    data = build_report_data(couple.id, None)

    assert [(a.leaner_name, a.acknowledged, a.noticed) for a in data.leaning_acts] == [
        (alex.first_name, True, "yes"),
        (alex.first_name, True, "not_sure"),
        (sam.first_name, False, None),
    ]
    first_act = data.leaning_acts[0]
    assert (first_act.leaned_on_name, first_act.felt_valued, first_act.note) == (
        sam.first_name,
        5,
        "Felt trusted",
    )
    assert first_act.shared is True
    assert [(d.leaner_name, d.acts, d.acknowledged, d.noticed) for d in data.leaning] == [
        (alex.first_name, 2, 2, 1),
        (sam.first_name, 1, 0, 0),
    ]
