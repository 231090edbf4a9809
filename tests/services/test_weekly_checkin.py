"""The weekly healthy-dependence check-in (services/homework/weekly_checkin.py): one answer
set per partner and week, replaced when answered again, every item required, the item's
version kept with the answer, and the series the couple page, the API and the report show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import AuditEvent, CoupleStatus, WeeklyAnswer
from counselor.services.couples.links import partner_actor
from counselor.services.errors import InvalidInput
from counselor.services.homework import ladder, weekly_checkin
from counselor.services.reports.report_data import build_report_data
from tests.support.clock import TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")

MONDAY = TODAY - timedelta(days=TODAY.weekday())
KEYS = [item.key for item in load_weekly_checkin()]


@pytest.fixture
def on(couple):
    couple.weekly_checkin = True
    db.session.flush()
    return couple


def answer(partner, scores: dict[str, int] | int, **overrides: object) -> date:
    chosen = scores if isinstance(scores, dict) else dict.fromkeys(KEYS, scores)
    return weekly_checkin.record_answers(partner_actor(partner), partner, {**chosen, **overrides})


def rows_of(partner) -> dict[str, tuple[date, int, int]]:
    answers = db.session.scalars(
        sa.select(WeeklyAnswer).where(WeeklyAnswer.partner_id == partner.id)
    )
    return {a.item.key: (a.week_start, a.score, a.item_version) for a in answers}


def test_a_partner_answers_every_item_for_their_week(actor, on):
    alex = on.partners[0]

    week = answer(alex, 4)

    assert week == MONDAY
    assert rows_of(alex) == {key: (MONDAY, 4, 1) for key in KEYS}
    assert weekly_checkin.answers_this_week(alex) == dict.fromkeys(KEYS, 4)
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_type, event.object_id) == (
        "weekly_checkin.answered",
        "partner",
        alex.id,
    )


def test_answering_again_the_same_week_replaces_the_answers(actor, on, clock):
    alex = on.partners[0]
    answer(alex, 4)
    clock.advance(days=2)  # Friday: the same week

    answer(alex, 2, **{KEYS[0]: 5})

    assert count_rows(WeeklyAnswer) == len(KEYS)
    assert rows_of(alex)[KEYS[0]] == (MONDAY, 5, 1)
    assert rows_of(alex)[KEYS[1]] == (MONDAY, 2, 1)


def test_a_new_week_gets_answers_of_its_own(actor, on, clock):
    alex = on.partners[0]
    answer(alex, 4)
    clock.advance(days=5)  # Monday of the next week in Chicago

    assert weekly_checkin.answers_this_week(alex) == {}
    answer(alex, 3)

    assert count_rows(WeeklyAnswer) == 2 * len(KEYS)


@pytest.mark.parametrize(
    "bad", [None, "", "0", "6", "3.5", "x", "-1", 0, 6, True], ids=lambda v: repr(v)
)
def test_every_item_is_required_and_bad_input_writes_nothing(actor, on, bad):
    alex = on.partners[0]
    scores: dict[str, object] = dict.fromkeys(KEYS, "3")
    scores[KEYS[2]] = bad

    with pytest.raises(InvalidInput) as refused:
        weekly_checkin.record_answers(partner_actor(alex), alex, scores)

    assert list(refused.value.errors) == [KEYS[2]]
    assert count_rows(WeeklyAnswer) == 0


def test_a_missing_item_is_named(actor, on):
    alex = on.partners[0]
    with pytest.raises(InvalidInput) as refused:
        weekly_checkin.record_answers(partner_actor(alex), alex, {KEYS[0]: 3})
    assert set(refused.value.errors) == set(KEYS[1:])
    assert count_rows(WeeklyAnswer) == 0


@pytest.mark.parametrize("state", ["off", "paused", "closed"])
def test_no_answers_while_off_or_the_couple_is_paused_or_closed(actor, couple, state):
    couple.weekly_checkin = state != "off"
    if state != "off":
        couple.status = CoupleStatus(state)
    db.session.flush()
    alex = couple.partners[0]

    assert weekly_checkin.form_open(alex) is False
    with pytest.raises(InvalidInput):
        answer(alex, 3)
    assert count_rows(WeeklyAnswer) == 0


def test_an_answer_keeps_the_version_of_the_words_it_was_given(actor, on):
    alex = on.partners[0]
    answer(alex, 4)
    key = KEYS[4]
    reworded = [
        replace(s, text=s.text + " Really.") if s.key == key else s for s in load_weekly_checkin()
    ]

    ladder.sync_ladder(items=reworded)

    assert rows_of(alex)[key] == (MONDAY, 4, 1)
    answer(alex, 5)  # answered again under the new words
    assert rows_of(alex)[key] == (MONDAY, 5, 2)
    assert rows_of(alex)[KEYS[0]] == (MONDAY, 5, 1)


def test_turning_it_on_and_off_is_audited_once(actor, couple):
    assert weekly_checkin.set_enabled(actor, couple.id, True) is False
    assert weekly_checkin.set_enabled(actor, couple.id, True) is True
    weekly_checkin.set_enabled(actor, couple.id, False)

    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == couple.id)
    ).all()
    assert [a for a in actions if a.startswith("weekly_checkin.")] == [
        "weekly_checkin.turned_on",
        "weekly_checkin.turned_off",
    ]
    assert couple.weekly_checkin is False


# --- the series ---------------------------------------------------------------------------


def test_divergence_is_flagged_at_two_points_not_one(actor, on):
    alex, sam = on.partners
    answer(alex, 3, **{KEYS[0]: 5, KEYS[1]: 4})
    answer(sam, 3, **{KEYS[0]: 3, KEYS[1]: 3})  # 2 apart, then 1 apart

    series = weekly_checkin.couple_series(on)

    assert [(d.week_start, d.item_key, d.scores) for d in series.divergences] == [
        (MONDAY, KEYS[0], (5, 3))
    ]
    assert series.is_divergent(MONDAY, KEYS[0])
    assert not series.is_divergent(MONDAY, KEYS[1])
    assert series.divergence_points == weekly_checkin.DIVERGENCE_POINTS == 2


def test_one_partner_alone_never_diverges(actor, on):
    answer(on.partners[0], 5)
    assert weekly_checkin.couple_series(on).divergences == ()


def test_series_per_partner_with_means_and_the_weeks_change(actor, on, clock):
    alex, sam = on.partners
    answer(alex, 2)
    answer(sam, 4)
    clock.advance(days=7)
    answer(alex, 3, **{KEYS[0]: 5})  # mean (5 + 3*5) / 6
    clock.advance(days=7)
    answer(alex, 4)

    series = weekly_checkin.couple_series(on)

    assert series.weeks[-1] == MONDAY + timedelta(weeks=2)
    assert len(series.weeks) == weekly_checkin.WEEKS_SHOWN
    assert [i.key for i in series.items] == KEYS
    a, s = series.partners
    assert (a.name, s.name) == (alex.first_name, sam.first_name)
    assert a.means[-3:] == (2.0, 3.3, 4.0)  # one decimal, as every page shows them
    assert s.means[-3:] == (4.0, None, None)
    assert a.change == 0.7  # the shown means' difference (not 0.67, nor 4.0 − 3.33)
    assert a.item_changes[0] == -1 and a.item_changes[1] == 1
    assert s.change is None  # Sam skipped the latest week: no change, not a drop
    assert a.scores[0][-3:] == (2, 5, 4)
    assert series.latest_week == MONDAY + timedelta(weeks=2)
    # The first week: 2 against 4 on every item.
    assert {d.item_key for d in series.divergences if d.week_start == MONDAY} == set(KEYS)


def test_the_latest_week_is_one_both_partners_have_begun(actor, on, clock):
    alex, sam = on.partners  # Alex in Chicago
    sam.timezone = "Pacific/Auckland"
    answer(alex, 2)
    answer(sam, 3)
    # Sunday 15:00 in Chicago is already Monday 08:00 in Auckland, and Sam answers at once.
    clock.set(datetime(2026, 5, 17, 20, 0, tzinfo=UTC))
    answer(sam, 4)

    series = weekly_checkin.couple_series(on)

    next_monday = MONDAY + timedelta(weeks=1)
    assert series.weeks[-1] == next_monday  # Sam's early answers are in the series
    assert series.partners[1].scores[0][-1] == 4
    assert series.latest_week == MONDAY  # but the comparison stays on the week both had
    assert series.partners[0].scores[0][-2] == 2  # Alex is not "no answer" for it

    clock.set(datetime(2026, 5, 18, 6, 0, tzinfo=UTC))  # Monday 01:00 in Chicago too
    series = weekly_checkin.couple_series(on)
    assert series.latest_week == next_monday
    assert series.partners[1].change == 1.0 and series.partners[0].change is None


def test_early_answers_alone_are_still_the_latest_week(actor, on, clock):
    sam = on.partners[1]
    sam.timezone = "Pacific/Auckland"
    clock.set(datetime(2026, 5, 17, 20, 0, tzinfo=UTC))
    answer(sam, 4)

    assert weekly_checkin.couple_series(on).latest_week == MONDAY + timedelta(weeks=1)


def reword(key: str) -> None:
    """The ladder file's words for ``key`` change: its version grows."""
    ladder.sync_ladder(
        items=[
            replace(s, text=s.text + " Really.") if s.key == key else s
            for s in load_weekly_checkin()
        ]
    )


def test_a_change_is_the_difference_of_the_one_decimal_means_shown(actor, on, clock):
    """17/6 = 2.83 then 22/6 = 3.67: shown 2.8 and 3.7, so the change reads +0.9 beside
    them on the page, the API and the PDF (rounded the other way it read +0.84, or +0.8)."""
    alex = on.partners[0]
    assert len(KEYS) == 6
    answer(alex, 3, **{KEYS[0]: 2})
    clock.advance(days=7)
    answer(alex, 4, **{KEYS[0]: 3, KEYS[1]: 3})

    a = weekly_checkin.couple_series(on).partners[0]

    assert a.means[-2:] == (2.8, 3.7)
    assert a.change == 0.9
    assert weekly_checkin.WeeklyCheckinView.mean_change(a) == "+0.9"
    assert weekly_checkin.WeeklyCheckinView.item_change(a, 0) == "+1"


def test_an_item_reworded_between_the_weeks_has_no_change_nor_has_the_mean(actor, on, clock):
    alex, sam = on.partners
    answer(alex, 2)
    reword(KEYS[4])
    clock.advance(days=7)
    answer(alex, 3)
    answer(sam, 4)

    a, s = weekly_checkin.couple_series(on).partners

    assert a.item_changes == tuple(None if k == KEYS[4] else 1 for k in KEYS)
    assert a.item_reworded == tuple(k == KEYS[4] for k in KEYS)
    assert a.wording_changed and a.change is None
    assert a.means[-2:] == (2.0, 3.0)  # the scores themselves still show
    assert not s.wording_changed and s.item_reworded == (False,) * len(KEYS)


def test_the_same_words_in_both_weeks_still_change(actor, on, clock):
    alex = on.partners[0]
    reword(KEYS[4])  # before either answer: both weeks rate version 2
    answer(alex, 2)
    clock.advance(days=7)
    answer(alex, 4)

    (a, _) = weekly_checkin.couple_series(on).partners

    assert a.item_changes == (2,) * len(KEYS) and a.change == 2.0
    assert not a.wording_changed


def test_partners_who_rated_different_words_are_not_flagged_apart(actor, on):
    alex, sam = on.partners
    answer(alex, 5)
    reword(KEYS[0])  # between their answers, the same week
    answer(sam, 3)

    series = weekly_checkin.couple_series(on)

    assert series.mixed_wording == ((MONDAY, KEYS[0]),)
    assert series.wording_differs(MONDAY, KEYS[0])
    assert [d.item_key for d in series.divergences] == KEYS[1:]  # 5 against 3, same words
    assert not series.is_divergent(MONDAY, KEYS[0])


def test_a_retired_item_with_answers_stays_in_the_series(actor, on):
    answer(on.partners[0], 4)
    ladder.sync_ladder(items=[s for s in load_weekly_checkin() if s.key != KEYS[3]])

    assert KEYS[3] not in [i.key for i in weekly_checkin.current_items()]
    assert KEYS[3] in [i.key for i in weekly_checkin.couple_series(on).items]


def test_the_report_carries_the_series_only_when_on_or_answered(actor, couple):
    assert build_report_data(couple.id, None).weekly_checkin is None

    couple.weekly_checkin = True
    db.session.flush()
    data = build_report_data(couple.id, None).weekly_checkin
    assert data is not None and data.enabled and data.latest_week is None

    answer(couple.partners[0], 4)
    couple.weekly_checkin = False  # turned off later: the answers still show
    db.session.flush()
    data = build_report_data(couple.id, None).weekly_checkin
    assert data is not None and not data.enabled and data.latest_week == MONDAY
