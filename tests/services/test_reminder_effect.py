"""Do reminders help? The nightly figures against an event-by-event oracle on generated
histories, the weekday re-weighting, the caveat below the threshold, and the adaptive
cadence that lowers only partners whose reminders went unheeded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    Assignee,
    AssignmentStatus,
    AuditEvent,
    CheckIn,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
    ReminderCadence,
    ReminderEffect,
)
from counselor.services.delivery import digest, quiet_hours, reminders
from counselor.services.errors import InvalidInput
from counselor.services.progress import adaptive_cadence, reminder_effect, reminder_figures
from counselor.services.progress.reminder_effect import Window
from counselor.services.progress.reminder_figures import ReminderEffectFigures, effect
from tests.support import factories, reminder_history
from tests.support.helpers import count_statements
from tests.support.reminder_history import HELPS, NO_DIFFERENCE, UNHEEDED, expected

NOW = datetime(2026, 5, 13, 2, 15, tzinfo=UTC)  # the nightly run; no DST change in its window


def nightly():
    """The task's step: every statement marked across practices."""
    written = reminder_effect.compile_reminder_effects(NOW)
    lowered = adaptive_cadence.lower_unheeded(NOW)
    db.session.flush()
    return written, lowered


def figures_of(partner: Partner) -> ReminderEffectFigures:
    rows = db.session.scalars(
        tenancy.across_practices(
            sa.select(ReminderEffect).where(ReminderEffect.partner_id == partner.id)
        )
    ).all()
    return effect(rows)


@pytest.fixture
def practice(counselor):
    return counselor.practice


def test_the_window_is_eight_whole_weeks_whose_48_hours_have_run_out():
    window = Window.at(NOW)
    assert window.end == date(2026, 5, 9)  # 4 days back: yesterday's reminders still wait
    assert len(window.days()) == 56
    assert window.weeks_back(window.end) == 0 and window.weeks_back(window.start) == 7


def test_where_reminders_help_the_figures_and_verdict_say_so(actor, counselor):
    couple, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    nightly()
    got = figures_of(history.partner)
    want = expected(history, NOW)
    assert (got.reminders, got.reminders_followed, got.quiet_days, got.quiet_days_followed) == (
        want.reminders,
        want.reminders_followed,
        want.quiet_days,
        want.quiet_days_followed,
    )
    assert got.reminders == 28 and got.reminders_followed == 28
    assert got.rate_with == 1.0
    assert got.rate_without is not None and got.rate_without < 0.5
    assert got.enough
    assert got.verdict == (
        f"followed by a check-in 100% of the time vs {round(got.rate_without * 100)}% "
        "on comparable days (weighted to the reminders' weekdays; "
        f"{got.quiet_days_followed} of {got.quiet_days} unweighted)"
    )
    assert "not proof" in got.caveat
    assert "Snoozes are not recorded" in got.caveat
    # The couple's page reads the same rows through the same function.
    assert reminder_figures.couple_effects(couple)[history.partner.id] == got


def test_where_reminders_make_no_difference_the_rates_match(actor, counselor):
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, NO_DIFFERENCE)
    nightly()
    got = figures_of(history.partner)
    want = expected(history, NOW)
    assert (got.reminders_followed, got.quiet_days, got.quiet_days_followed) == (
        want.reminders_followed,
        want.quiet_days,
        want.quiet_days_followed,
    )
    assert got.enough
    assert got.rate_with is not None and got.rate_without is not None
    assert abs(got.rate_with - 1 / 2) < 0.05 and abs(got.rate_without - 1 / 2) < 0.05
    assert got.verdict.startswith(
        f"followed by a check-in {round(got.rate_with * 100)}% of the time vs "
        f"{round(got.rate_without * 100)}% on comparable days (weighted"
    )


def test_a_check_in_after_the_next_reminder_is_that_reminders_not_the_day_before(actor, counselor):
    """Reminders on odd days, a check-in an hour after each: the even (quiet) day before
    has it within its 48 hours, but after the next reminder, so it is not credited."""
    _, (history,) = reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (i % 2 == 1, [19] if i % 2 == 1 else [])
    )
    _, (daily,) = reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (True, [19] if i % 2 == 0 else [])
    )
    nightly()
    got = figures_of(history.partner)
    assert (got.reminders, got.reminders_followed) == (28, 28)
    assert (got.quiet_days, got.quiet_days_followed) == (28, 0)
    # Reminded every day, checking in every other: each check-in is its own day's.
    assert (
        figures_of(daily.partner).reminders_followed,
        expected(daily, NOW).reminders_followed,
    ) == (
        28,
        28,
    )


def test_a_day_whose_week_was_already_met_before_the_reminder_hour_is_not_comparable(
    actor, counselor
):
    """Twice a week, checked in on Monday and Wednesday mornings, reminded on Fridays:
    only Mondays and Tuesdays were days a reminder could have gone (and the window's
    first day, a Sunday whose week had none)."""
    _, (history,) = reminder_history.couple_with_history(
        counselor,
        NOW,
        lambda i, d: (d.weekday() == 4, [10] if d.weekday() in (0, 2) else []),
        step={"times_per_week": 2},
        backdate_days=0,
    )
    nightly()
    got, want = figures_of(history.partner), expected(history, NOW)
    assert Window.at(NOW).start.weekday() == 6
    assert got.quiet_days == want.quiet_days == 1 + 8 * 2
    assert got.quiet_days_followed == want.quiet_days_followed


def _mornings(index: int, day: date) -> tuple[bool, list[int]]:
    return day.weekday() == 5, [10] if index % 3 == 0 else ([21] if index % 5 == 0 else [])


def _evenings(index: int, day: date) -> tuple[bool, list[int]]:
    return day.weekday() == 1, [20] if index % 4 == 1 else []


STEPS = {
    # Starts on a Thursday and is due on a Tuesday inside the window: pro rata weeks.
    "each-part-weeks": {"times_per_week": 3, "starts_on": 4, "due_on": 45},
    "together": {"times_per_week": 3, "assignee": Assignee.TOGETHER},
    "ended": {"times_per_week": 2, "status": AssignmentStatus.COMPLETED, "ended_on": 30},
}


@pytest.mark.parametrize("name", list(STEPS))
def test_comparable_days_follow_the_week_rules(actor, counselor, name):
    """The SQL's targets and counts against ``week_rules`` itself, through the oracle."""
    start = Window.at(NOW).start
    step = {
        key: start + timedelta(days=value) if key.endswith("_on") else value
        for key, value in STEPS[name].items()
    }
    _, (one, two) = reminder_history.couple_with_history(
        counselor, NOW, _mornings, other=_evenings, step=step, backdate_days=0
    )
    nightly()
    for history, other in ((one, two), (two, one)):
        got, want = figures_of(history.partner), expected(history, NOW, others=[other])
        assert (got.quiet_days, got.quiet_days_followed) == (
            want.quiet_days,
            want.quiet_days_followed,
        )
        assert 0 < got.quiet_days < 48


def test_a_step_only_the_other_partner_does_makes_no_comparable_day(actor, counselor):
    couple, (history,) = reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (False, [])
    )
    history.step.assignee = Assignee.PARTNER
    history.step.assignee_partner_id = couple.partners[1].id
    db.session.commit()
    nightly()
    assert figures_of(history.partner).quiet_days == expected(history, NOW).quiet_days == 0
    assert figures_of(couple.partners[1]).quiet_days == 56


def test_too_few_reminders_says_so_with_the_count(actor, counselor):
    _, (history,) = reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (i % 4 == 0, [20])
    )
    nightly()
    got = figures_of(history.partner)
    assert got.reminders == 14
    assert not got.enough
    assert got.verdict == "n = 14 reminders; too few to judge"
    assert "We judge from 20 reminders" in got.caveat


def test_a_practice_sums_its_partners_rows(actor, counselor):
    reminder_history.couple_with_history(counselor, NOW, HELPS, both=True)
    reminder_history.couple_with_history(counselor, NOW, NO_DIFFERENCE)
    other = factories.CounselorFactory()  # another practice's rows stay out
    with tenancy.practice_scope(other.practice_id):
        reminder_history.couple_with_history(other, NOW, UNHEEDED)
    nightly()
    rows = db.session.scalars(sa.select(ReminderEffect)).all()
    assert {r.practice_id for r in rows} == {counselor.practice_id}
    summed, each = reminder_figures.practice_effect(), effect(rows)
    assert summed.reminders == each.reminders == 3 * 28
    assert (summed.reminders_followed, summed.quiet_days, summed.quiet_days_followed) == (
        each.reminders_followed,
        each.quiet_days,
        each.quiet_days_followed,
    )
    assert summed.rate_without == pytest.approx(each.rate_without)
    assert summed.verdict == each.verdict


def test_comparable_days_exclude_a_stopped_partner_days_before_a_step_and_capped_days(
    actor, counselor
):
    couple, (history,) = reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (False, [])
    )
    window = Window.at(NOW)
    partner = history.partner
    # Stopped emails ten days before the end: those ten days cannot be comparable.
    partner.unsubscribed_at = datetime.combine(window.end - timedelta(days=9), time(), tzinfo=UTC)
    # A new-step email on the first day: the daily cap left no room for a reminder.
    sent = reminder_history.local_moment(partner, window.start, 10)
    db.session.add(
        OutboxEmail(
            practice_id=couple.practice_id,
            partner_id=partner.id,
            kind=EmailKind.NEW_STEP,
            status=OutboxStatus.SENT,
            sent_at=sent,
        )
    )
    db.session.commit()
    nightly()
    assert figures_of(partner).quiet_days == 56 - 10 - 1


def test_the_capping_kinds_are_every_kind_the_daily_cap_counts_but_the_reminder():
    assert set(reminder_effect.CAPPING_KINDS) == set(quiet_hours.PARTNER_KINDS) - {
        EmailKind.REMINDER
    }


class Row:
    """A ``ReminderEffect`` row's figures, for ``effect`` without the database."""

    def __init__(self, weekday, reminders, followed, quiet, quiet_followed, partner_id=1):
        self.partner_id, self.weekday = partner_id, weekday
        self.reminders, self.reminders_followed = reminders, followed
        self.quiet_days, self.quiet_days_followed = quiet, quiet_followed


def test_weekday_mix_reweights_the_comparable_days_and_names_what_it_leaves_out():
    rows = [
        Row(0, 30, 15, 10, 2),  # Mondays: most reminders, comparable days rarely followed
        Row(5, 10, 10, 30, 24),  # Saturdays: few reminders, comparable days often followed
        Row(1, 4, 4, 0, 0),  # Tuesdays: reminders only, nothing to compare with
        Row(6, 0, 0, 5, 5),  # Sundays: no reminder, so no weight
    ]
    figures = effect(rows)
    assert figures.rate_with == pytest.approx(29 / 44)
    # 30/40 × 2/10 + 10/40 × 24/30: the plain rate (31/45) would be far higher.
    assert figures.rate_without == pytest.approx(0.75 * 0.2 + 0.25 * 0.8)
    assert figures.left_out_weekdays == (1,) and figures.left_out_reminders == 4
    assert "Tuesdays left out of the comparison" in figures.caveat
    # The weighted rate says so, beside the plain count it differs from (24 + 5 + 2 of 45).
    assert figures.verdict == (
        "followed by a check-in 66% of the time vs 35% on comparable days "
        "(weighted to the reminders' weekdays; 31 of 45 unweighted)"
    )
    # Sundays' five comparable days are not compared: the caveat tells the two counts apart.
    assert (figures.quiet_days, figures.compared_quiet_days) == (45, 40)
    assert "40 of those days fall on the weekdays the same partner had reminders" in (
        figures.caveat
    )


def test_a_practice_compares_each_partners_reminders_with_their_own_quiet_days():
    """Ann is reminded on Mondays and rarely checks in without one; Ben is never reminded
    and checks in most Mondays. Pooled by weekday, Ben's Mondays would set Ann's reminders
    beside his habits; by partner and weekday, they weigh nothing."""
    ann, ben = 1, 2
    rows = [
        Row(0, 24, 12, 20, 2, partner_id=ann),
        Row(0, 0, 0, 40, 36, partner_id=ben),
        Row(3, 6, 6, 0, 0, partner_id=ann),  # Ann's Thursdays: nothing to compare with
        Row(3, 0, 0, 30, 30, partner_id=ben),  # Ben's Thursdays do not fill that in
    ]
    figures = effect(rows)
    assert figures.rate_without == pytest.approx(2 / 20)  # Ann's own Mondays only
    assert figures.compared_quiet_days == 20 and figures.quiet_days == 90
    assert figures.left_out_reminders == 6 and figures.left_out_weekdays == ()
    assert "6 reminders left out of the comparison: on a partner's weekday" in figures.caveat
    assert figures.enough
    assert figures.verdict.endswith(
        "(weighted to each partner's reminder weekdays; 68 of 90 unweighted)"
    )
    # Each partner's own figures read the same rows through the same function.
    assert effect(r for r in rows if r.partner_id == ann).rate_without == figures.rate_without


def test_enough_to_judge_counts_only_the_comparable_days_compared():
    rows = [Row(0, 25, 20, 5, 1), Row(5, 0, 0, 30, 20)]  # Saturdays: no reminders
    figures = effect(rows)
    assert figures.quiet_days == 35 and figures.compared_quiet_days == 5
    assert not figures.enough
    assert figures.verdict == "n = 5 comparable days without a reminder; too few to judge"
    assert "We judge from 20 reminders and 20 comparable days" in figures.caveat


def test_no_rows_is_not_measured_yet_not_zeros():
    """Before the nightly job has measured anyone there are no figures to show, only that."""
    figures = effect([])
    assert not figures.measured and not figures.enough
    assert figures.verdict == reminder_figures.NOT_MEASURED
    assert figures.verdict == "Not measured yet — figures appear after the nightly run"
    assert figures.caveat == ""
    assert effect([Row(2, 0, 0, 3, 1)]).measured  # a measured partner with no reminders


def test_too_few_comparable_days_is_said_too():
    figures = effect([Row(2, 25, 20, 3, 1)])
    assert figures.verdict == "n = 3 comparable days without a reminder; too few to judge"


def test_the_practice_figure_is_stratified_by_partner_in_the_database_too(actor, counselor):
    """``practice_effect`` reads the rows partner by partner: the same figures as ``effect``
    over every row, and not those of the rows summed by weekday."""
    reminder_history.couple_with_history(counselor, NOW, HELPS)
    reminder_history.couple_with_history(counselor, NOW, lambda i, d: (False, [20]))
    nightly()
    rows = db.session.scalars(sa.select(ReminderEffect)).all()
    practice = reminder_figures.practice_effect()
    assert practice == effect(rows)
    helped = effect(r for r in rows if r.reminders)  # the reminded partner alone
    assert practice.rate_without == pytest.approx(helped.rate_without)
    assert practice.compared_quiet_days == helped.quiet_days < practice.quiet_days


def test_the_nightly_step_costs_the_same_statements_for_few_and_many_couples(
    actor, counselor, practice
):
    practice.adaptive_cadence = True
    reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    with count_statements() as few:
        nightly()
    for pattern in (HELPS, NO_DIFFERENCE, UNHEEDED, UNHEEDED, HELPS):
        reminder_history.couple_with_history(counselor, NOW, pattern, both=True)
    with count_statements() as many:
        nightly()
    assert few.count == many.count, "\n".join(
        s[:60] for s in [*few.statements, "--", *many.statements]
    )


# Adaptive cadence


def lowered_partners():
    return set(
        db.session.scalars(
            sa.select(Partner.id).where(Partner.reminder_cadence == ReminderCadence.GENTLE)
        )
    )


@pytest.mark.parametrize("pattern", [HELPS, NO_DIFFERENCE], ids=["helps", "no-difference"])
def test_reminders_that_are_followed_never_lower_anyone(actor, counselor, practice, pattern):
    practice.adaptive_cadence = True
    reminder_history.couple_with_history(counselor, NOW, pattern, both=True)
    assert nightly()[1] == []
    assert lowered_partners() == set()


def test_four_unheeded_weeks_lower_a_partner_to_gentle_audited_and_only_once(
    actor, counselor, practice
):
    practice.adaptive_cadence = True
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    reminder_history.couple_with_history(counselor, NOW, HELPS)
    partner = history.partner
    assert nightly()[1] == [partner.id]
    db.session.refresh(partner)
    assert partner.reminder_cadence == ReminderCadence.GENTLE
    assert partner.cadence_lowered_at == partner.cadence_changed_at == NOW
    assert reminders.effective_cadence(partner) == ReminderCadence.GENTLE
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == adaptive_cadence.LOWERED)
    ).all()
    assert [(e.object_type, e.object_id, e.actor_type) for e in events] == [
        ("partner", partner.id, "system")
    ]
    assert nightly()[1] == []  # not judged again while lowered


def test_without_adaptive_cadence_or_off_standard_nobody_is_lowered(actor, counselor, practice):
    reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    assert nightly()[1] == []  # the practice has not turned it on
    practice.adaptive_cadence = True
    practice.reminder_cadence = ReminderCadence.GENTLE
    assert nightly()[1] == []  # already gentle


def test_a_week_without_a_reminder_keeps_a_partner_on_standard(actor, counselor, practice):
    practice.adaptive_cadence = True
    reminder_history.couple_with_history(
        counselor, NOW, lambda i, d: (i < 49 and d.weekday() in (0, 2, 4), [])
    )
    assert nightly()[1] == []  # the last week had no reminder


def test_restore_puts_the_partner_back_and_old_weeks_cannot_lower_them_again(
    actor, counselor, practice, clock
):
    practice.adaptive_cadence = True
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    partner = history.partner
    nightly()
    clock.set(NOW + timedelta(hours=9))
    adaptive_cadence.restore_cadence(actor, partner.id)
    assert partner.reminder_cadence is None and partner.cadence_lowered_at is None
    assert partner.cadence_changed_at == NOW + timedelta(hours=9)
    assert reminders.effective_cadence(partner) == ReminderCadence.STANDARD
    restored = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == adaptive_cadence.RESTORED)
    )
    assert restored is not None and restored.object_id == partner.id
    db.session.commit()
    assert nightly()[1] == []
    with pytest.raises(InvalidInput):
        adaptive_cadence.restore_cadence(actor, partner.id)


def test_only_what_happened_since_the_cadence_changed_is_measured(actor, counselor):
    """Reminders and comparable days alike, so one cadence state is compared with itself."""
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    partner = history.partner
    window = Window.at(NOW)
    partner.cadence_changed_at = reminder_history.local_moment(
        partner, window.start + timedelta(days=20), 12
    )
    db.session.commit()
    nightly()
    got, want = figures_of(partner), expected(history, NOW)
    assert (got.reminders, got.reminders_followed, got.quiet_days, got.quiet_days_followed) == (
        want.reminders,
        want.reminders_followed,
        want.quiet_days,
        want.quiet_days_followed,
    )
    assert 0 < got.reminders < 28 and 0 < got.quiet_days < 28


def test_a_restore_is_read_from_the_partner_not_the_audit_trail(actor, counselor, practice):
    """Put back by hand, without the audit event: the old unheeded weeks still cannot
    lower them again, because the rule reads ``cadence_changed_at``."""
    practice.adaptive_cadence = True
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    partner = history.partner
    assert adaptive_cadence.unheeded_partners(NOW) == {partner.id: partner.couple.practice_id}
    partner.cadence_changed_at = NOW - timedelta(hours=1)
    db.session.commit()
    assert adaptive_cadence.unheeded_partners(NOW) == {}
    assert nightly()[1] == []
    assert figures_of(partner).reminders == 0  # nothing sent since


def test_a_lowered_partner_gets_only_gentle_reminders(actor, counselor, practice, clock):
    """Behind pace on a Thursday: standard reminds, gentle (the lowered partner) does not;
    the day before the step is due, both are reminded."""
    monday = date(2026, 5, 11)
    couple = factories.CoupleFactory(counselor=counselor)
    one, two = couple.partners
    one.reminder_cadence, one.cadence_lowered_at = ReminderCadence.GENTLE, NOW
    factories.AssignmentFactory(
        couple=couple, times_per_week=3, starts_on=monday, due_on=monday + timedelta(days=14)
    )
    db.session.commit()
    thursday_evening = datetime(2026, 5, 14, 23, 30, tzinfo=UTC)  # 18:30 in Chicago
    clock.set(thursday_evening)
    due = {r.partner.id: r.reasons for r in reminders.due_reminders(thursday_evening)}
    assert due == {two.id: (reminders.BEHIND_PACE,)}
    day_before_due = datetime(2026, 5, 24, 23, 30, tzinfo=UTC)
    clock.set(day_before_due)
    due = {r.partner.id: r.reasons for r in reminders.due_reminders(day_before_due)}
    assert reminders.DUE_TOMORROW in due[one.id]
    assert reminders.BEHIND_PACE not in due[one.id]
    # Never more than the practice's: off stays off whatever the partner's own.
    practice.reminder_cadence = ReminderCadence.OFF
    two.reminder_cadence = ReminderCadence.STANDARD
    assert reminders.effective_cadence(two) == ReminderCadence.OFF
    db.session.commit()
    assert reminders.due_reminders(day_before_due) == []


def test_check_ins_count_when_recorded_not_the_day_they_are_for(actor, counselor):
    _, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    nightly()
    # The generator backdates every check-in a week; were occurred_on read, nothing
    # would follow its reminder.
    assert figures_of(history.partner).reminders_followed == 28
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) > 0


def test_the_monday_digest_says_a_partner_was_eased_to_gentle_without_naming_them(
    actor, counselor, clock
):
    couple = factories.CoupleFactory(counselor=counselor)
    one = couple.partners[0]
    one.reminder_cadence = ReminderCadence.GENTLE
    one.cadence_lowered_at = clock.now - timedelta(days=2)
    db.session.commit()
    (item,) = digest.couples_needing_attention(counselor)
    assert item.label == couple.label
    assert item.reasons == [
        "a partner's reminders dropped to gentle: 4 weeks of reminders without a check-in "
        "after them"
    ]
    clock.advance(days=6)  # told once, in the next digest; the couple page keeps saying it
    assert digest.couples_needing_attention(counselor) == []


def _digest_sent(counselor, at: datetime, status: OutboxStatus = OutboxStatus.SENT) -> None:
    db.session.add(
        OutboxEmail(
            practice_id=counselor.practice_id,
            counselor_id=counselor.id,
            kind=EmailKind.COUNSELOR_DIGEST,
            status=status,
            dedupe_key=f"digest:{counselor.id}:{at.date().isoformat()}",
            sent_at=at if status == OutboxStatus.SENT else None,
        )
    )
    db.session.commit()


def test_the_digest_tells_of_an_easing_since_the_counselors_previous_digest(
    actor, counselor, clock
):
    """Not "the last 7 days": a digest skipped (turned off, or failed) does not swallow
    the news, and one already sent after the easing does not repeat it."""
    couple = factories.CoupleFactory(counselor=counselor)
    one = couple.partners[0]
    one.reminder_cadence = ReminderCadence.GENTLE
    one.cadence_lowered_at = clock.now - timedelta(days=10)
    _digest_sent(counselor, clock.now - timedelta(days=14))
    _digest_sent(counselor, clock.now - timedelta(days=7), status=OutboxStatus.FAILED)
    assert [item.label for item in digest.couples_needing_attention(counselor)] == [couple.label]
    _digest_sent(counselor, clock.now - timedelta(days=9))  # sent after the easing
    assert digest.couples_needing_attention(counselor) == []
