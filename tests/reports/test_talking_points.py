"""reports/talking_points.py: each rule of the table fires on its data, stays silent on
data just short of it, and names the figures and the number of data points behind it.
Readiness arrives decided (by counselor.services.progress.readiness); these rules only
word it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from reports import DISCUSS_BARRIERS, READY_TO_MOVE_UP, derive_talking_points
from reports.talking_points import FALLBACK_TEXT
from tests.support.report_data import (
    make_assignment,
    make_empty_data,
    make_partner,
    make_readiness,
    make_reflection,
    make_report_data,
    week_cells,
)

READY = make_readiness(READY_TO_MOVE_UP, (4, 4, 1.0), (5, 6, 0.83))
# A partner who checked nothing off this period rated nothing either.
NOTHING_RATED = {"mean_comfort": None, "ratings_this_period": 0}


def texts(**overrides) -> list[str]:
    return [p.text for p in derive_talking_points(make_report_data(**overrides))]


def point_about(words: str, **overrides):
    [point] = [p for p in derive_talking_points(make_report_data(**overrides)) if words in p.text]
    return point


def test_the_rule_table_documents_at_least_eight_rules() -> None:
    from reports import talking_points

    doc = talking_points.__doc__ or ""
    numbered = [line for line in doc.splitlines() if line[:3].strip().isdigit()]
    assert len(numbered) >= 8, numbered


# --- 1. ready to move up --------------------------------------------------------------


def test_ready_to_move_up_when_the_rule_says_so_for_both_partners() -> None:
    partners = (make_partner("Zoë", readiness=READY), make_partner("José", readiness=READY))
    points = derive_talking_points(make_report_data(partners=partners))
    assert [p.text for p in points] == [
        "Ready to discuss moving up from rung 3 (Share emotional loads)"
    ]
    assert points[0].evidence == (
        "Zoë: weakest rung 3 step 100% in the week of 27 Oct, 83% in the week of 3 Nov; "
        "José: weakest rung 3 step 100% in the week of 27 Oct, 83% in the week of 3 Nov"
        " — based on 20 check-offs due in the last two full weeks"
    )


def test_one_partner_ready_is_named_as_the_dashboard_names_them() -> None:
    partners = (make_partner("Zoë", readiness=READY), make_partner("José"))
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == "Zoë is ready to discuss moving up from rung 3 (Share emotional loads)"
    assert "José" not in point.evidence


def test_period_figures_alone_never_suggest_moving_up() -> None:
    below = make_readiness(None, (6, 6, 1.0), (6, 7, 0.75))
    partners = (
        make_partner("Zoë", done_this_period=6, done_previous_period=6, readiness=below),
        make_partner("José", done_this_period=6, done_previous_period=5, readiness=below),
    )
    assert not any("moving up" in t for t in texts(partners=partners))


def test_top_rung_is_about_keeping_it_going() -> None:
    steady = make_readiness(None, (2, 2, 1.0), (2, 2, 1.0), steady_on_top_rung=True)
    [text] = texts(partners=(make_partner("Zoë", readiness=steady),), current_rung=6)
    assert text == (
        'Consistent on the top rung 6 (Ask "How can we do this together?"): '
        "discuss how to keep it going"
    )


# --- 2. barriers ----------------------------------------------------------------------


def test_barriers_when_the_rule_flags_two_empty_weeks() -> None:
    stuck = make_readiness(DISCUSS_BARRIERS, (0, 6, 0.0), (0, 5, 0.0))
    partners = (make_partner("Sam", done_this_period=0, readiness=stuck, **NOTHING_RATED),)
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == (
        "Sam did none of the steps due in the last two full weeks: talk about barriers"
    )
    assert point.evidence == (
        "Sam: 0 of 6 in the week of 27 Oct; 0 of 5 in the week of 3 Nov — "
        "based on 11 check-offs due"
    )
    assert not any("barriers" in t for t in texts(partners=(make_partner("Sam"),)))


# --- 3. stuck at zero -----------------------------------------------------------------


def test_partner_stuck_at_zero_with_three_due_but_not_with_two() -> None:
    partners = (make_partner("Sam", done_this_period=0, done_previous_period=2, **NOTHING_RATED),)
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == "Sam has not checked off any step this period"
    assert point.evidence == "Sam: 0 of 6 this period; 2 of 6 before — based on 6 check-offs due"
    two_due = (make_partner("Sam", done_this_period=0, target_this_period=2),)
    assert not any("not checked off" in t for t in texts(partners=two_due))


# --- 4 and 5. one ahead while the other lags; a big gap -------------------------------


def test_ahead_while_the_other_lags_at_forty_points_and_eighty_percent() -> None:
    partners = (make_partner("Zoë", done_this_period=6), make_partner("José", done_this_period=3))
    point = point_about("keeping up", partners=partners)
    assert point.text == "Zoë is keeping up (100%) while José lags (50%): 50 points apart"
    assert point.evidence == (
        "Zoë: 6 of 6 (100%); José: 3 of 6 (50%) this period — based on 12 check-offs due"
    )
    below_eighty = (
        make_partner("Zoë", done_this_period=9, target_this_period=12),
        make_partner("José", done_this_period=3, target_this_period=12),
    )
    assert not any("keeping up" in t for t in texts(partners=below_eighty))


def test_big_gap_at_forty_points_but_not_below() -> None:
    wide = (make_partner("Zoë", done_this_period=4), make_partner("José", done_this_period=1))
    narrow = (make_partner("Zoë", done_this_period=4), make_partner("José", done_this_period=2))
    assert "A big gap between partners: Zoë and José differ by 50 points" in texts(partners=wide)
    assert not any("gap" in t or "keeping up" in t for t in texts(partners=narrow))


def test_no_gap_on_too_few_check_offs_due() -> None:
    few = (
        make_partner("Zoë", done_this_period=2, target_this_period=2),
        make_partner("José", done_this_period=0, target_this_period=2),
    )
    assert not any("gap" in t or "keeping up" in t for t in texts(partners=few))


# --- 6. comfort falling ---------------------------------------------------------------


def test_comfort_falling_by_half_a_point_on_three_ratings_in_each_period() -> None:
    falling = {"mean_comfort": 3.0, "previous_mean_comfort": 3.5}
    point = point_about("comfort", partners=(make_partner("Zoë", **falling),))
    assert point.text == "Zoë's comfort is falling"
    assert point.evidence == (
        "Zoë: mean comfort 3.0 this period, 3.5 before (scale 1–5) — based on 5 and 4 ratings"
    )
    less = (make_partner("Zoë", mean_comfort=3.1, previous_mean_comfort=3.5),)
    assert not any("comfort" in t for t in texts(partners=less))


def test_comfort_falling_needs_three_ratings_in_each_period() -> None:
    falling = {"mean_comfort": 1.0, "previous_mean_comfort": 5.0}
    for few in ({"ratings_this_period": 2}, {"ratings_previous_period": 1}):
        partners = (make_partner("Zoë", **falling, **few),)
        assert not any("comfort" in t for t in texts(partners=partners)), few


# --- 7. easier, yet fewer -------------------------------------------------------------


EASIER_FEWER = {
    "mean_comfort": 4.2,
    "previous_mean_comfort": 3.4,
    "done_this_period": 3,
    "done_previous_period": 5,
}


def test_comfort_rising_while_completion_falls() -> None:
    point = point_about("easier", partners=(make_partner("Zoë", **EASIER_FEWER),))
    assert point.text == "Zoë finds the steps easier but does fewer of them"
    assert point.evidence == (
        "Zoë: mean comfort 4.2 this period, 3.4 before (scale 1–5); completion 50% (3 of 6), "
        "83% (5 of 6) before — based on 5 and 4 ratings, 12 check-offs due"
    )


def test_no_easier_yet_fewer_when_completion_holds_or_ratings_are_few() -> None:
    holds = (make_partner("Zoë", **(EASIER_FEWER | {"done_this_period": 4})),)
    assert not any("easier" in t for t in texts(partners=holds))
    few = (make_partner("Zoë", **EASIER_FEWER, ratings_previous_period=2),)
    assert not any("easier" in t for t in texts(partners=few))


# --- 8. silence after low comfort -----------------------------------------------------


def test_a_week_of_silence_after_a_low_rating() -> None:
    quiet_since = {"last_check_in_on": date(2025, 11, 2), "last_check_in_comfort": 2}
    reflection = make_reflection("Hard.", partner_name="Zoë", occurred_on=date(2025, 11, 2))
    point = point_about(
        "has not checked in",
        partners=(make_partner("Zoë", **quiet_since),),
        reflections=(reflection,),
    )
    assert point.text == "Zoë has not checked in for 7 days since rating a step 2 of 5"
    assert point.evidence == (
        "Zoë: last check-in Sun 2 Nov 2025, comfort 2 of 5 on “Share one worry from your "
        "day”, with a reflection — based on 7 days without a check-in"
    )


def test_no_silence_point_for_six_days_or_a_comfortable_last_check_in() -> None:
    six_days = {"last_check_in_on": date(2025, 11, 3), "last_check_in_comfort": 1}
    comfortable = {"last_check_in_on": date(2025, 10, 28), "last_check_in_comfort": 3}
    for quiet in (six_days, comfortable):
        partners = (make_partner("Zoë", **quiet),)
        assert not any("checked in" in t for t in texts(partners=partners)), quiet


# --- 9. a together step done by one partner -------------------------------------------


def together(*check_ins: tuple[str, int]):
    return make_assignment(
        "Talk through a stressful week together",
        assignee_label="Together",
        cells=(("Together", week_cells((2, 1), (2, 1))),),
        check_ins_by_partner=check_ins,
    )


def test_a_together_step_checked_off_by_one_partner_only() -> None:
    point = point_about("together step", assignments=(together(("Zoë", 3), ("José", 0)),))
    assert point.text == (
        "Only Zoë checks off the together step “Talk through a stressful week together”"
    )
    assert point.evidence == "Zoë: 3 check-ins; José: none this period — based on 3 check-ins"


def test_no_together_point_when_both_check_it_off_or_too_few_check_ins() -> None:
    for check_ins in ((("Zoë", 3), ("José", 1)), (("Zoë", 2), ("José", 0))):
        assert not any("together step" in t for t in texts(assignments=(together(*check_ins),)))
    each = replace(together(("Zoë", 5), ("José", 0)), assignee_label="Each partner")
    assert not any("together step" in t for t in texts(assignments=(each,)))


# --- 10. a step done early ------------------------------------------------------------


def test_a_step_met_by_wednesday_in_two_weeks() -> None:
    early = make_assignment("Share one worry", early_weeks=(("Zoë", 2), ("José", 0)))
    point = point_about("Wednesday", assignments=(early,))
    assert point.text == "Zoë: “Share one worry” done by Wednesday most weeks — room for more?"
    assert point.evidence == (
        "Zoë: 2 of 2 weeks met the 2× a week target by Wednesday — based on 2 weeks"
    )


def test_no_early_point_for_one_early_week_or_a_once_a_week_step() -> None:
    once = make_assignment("Share one worry", early_weeks=(("Zoë", 1),))
    weekly = make_assignment("Call", times_per_week=1, early_weeks=(("Zoë", 2),))
    for row in (once, weekly):
        assert not any("Wednesday" in t for t in texts(assignments=(row,))), row.title


def test_a_step_completed_before_its_due_date() -> None:
    done = make_assignment(
        "Share one worry",
        status="completed",
        ended_on=date(2025, 11, 4),
        due_on=date(2025, 11, 9),
        cells=(("Zoë", week_cells((2, 2), (2, 2))),),
    )
    point = point_about("completed", assignments=(done,))
    assert point.text == "“Share one worry” was completed 5 days before its due date"
    assert point.evidence == (
        "Completed Tue 4 Nov 2025, due Sun 9 Nov 2025; 4 check-offs this period — "
        "based on 4 check-offs"
    )
    on_time = replace(done, ended_on=date(2025, 11, 9))
    assert not any("completed" in t for t in texts(assignments=(on_time,)))


# --- 11. reminders stopped ------------------------------------------------------------


def test_reminders_stopped() -> None:
    point = point_about("reminder", partners=(make_partner("José", reminders_stopped=True),))
    assert point.text == "José has stopped reminder emails"
    assert point.evidence == (
        "José: reminders stopped; 4 of 6 this period — based on José's email setting"
    )
    assert not any("reminder" in t for t in texts(partners=(make_partner("José"),)))


# --- the fallback and the order ---------------------------------------------------------


def test_the_fallback_carries_each_partners_figures_and_counts() -> None:
    [point] = derive_talking_points(
        make_report_data(partners=(make_partner("Zoë"), make_partner("José")))
    )
    assert point.text == FALLBACK_TEXT
    assert point.evidence == (
        "Zoë: 4 of 6 (67%) this period, 5 of 6 before; comfort 3.8 from 5 ratings; "
        "José: 4 of 6 (67%) this period, 5 of 6 before; comfort 3.8 from 5 ratings"
        " — based on 12 check-offs due and 10 ratings"
    )


def test_the_fallback_for_a_couple_with_nothing_due() -> None:
    [point] = derive_talking_points(make_empty_data())
    assert point.text == FALLBACK_TEXT
    assert point.evidence == "No steps were due and no comfort was rated this period"


def test_no_rule_fires_on_a_single_rating() -> None:
    """One rating, however extreme, against one before: no comfort rule."""
    lone = make_partner(
        "Zoë",
        mean_comfort=1.0,
        previous_mean_comfort=5.0,
        ratings_this_period=1,
        ratings_previous_period=1,
        done_this_period=2,
        done_previous_period=6,
    )
    got = texts(partners=(lone,))
    assert not any("comfort" in t or "easier" in t for t in got)


def test_rules_appear_in_documented_order() -> None:
    assert texts() == [
        "A big gap between partners: Zoë and José differ by 50 points",
        "José's comfort is falling",
        "José has stopped reminder emails",
    ]
