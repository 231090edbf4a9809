"""reports/talking_points.py: each rule of the table fires on its data, stays silent on
data just short of it, and names the figures and the number of data points behind it.
Readiness arrives decided (by counselor.services.progress.readiness); these rules only
word it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

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
        "Sam: 0 of 6 in the week of 27 Oct, 0 of 5 in the week of 3 Nov — "
        "based on 11 check-offs due"
    )
    assert not any("barriers" in t for t in texts(partners=(make_partner("Sam"),)))


def test_barriers_for_both_partners_make_one_point() -> None:
    stuck = make_readiness(DISCUSS_BARRIERS, (0, 6, 0.0), (0, 5, 0.0))
    partners = tuple(
        make_partner(name, done_this_period=0, readiness=stuck, **NOTHING_RATED)
        for name in ("Zoë", "José")
    )
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == (
        "Zoë and José did none of the steps due in the last two full weeks: talk about barriers"
    )
    assert point.evidence.endswith("— based on 22 check-offs due")


# --- 3. stuck at zero -----------------------------------------------------------------


def test_partner_stuck_at_zero_with_three_due_but_not_with_two() -> None:
    partners = (make_partner("Sam", done_this_period=0, done_previous_period=2, **NOTHING_RATED),)
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == "Sam has not checked off any step this period"
    assert point.evidence == "Sam: 0 of 6 this period, 2 of 6 before — based on 6 check-offs due"
    two_due = (make_partner("Sam", done_this_period=0, target_this_period=2),)
    assert not any("not checked off" in t for t in texts(partners=two_due))


def test_both_partners_stuck_at_zero_make_one_point() -> None:
    partners = tuple(
        make_partner(name, done_this_period=0, **NOTHING_RATED) for name in ("Zoë", "José")
    )
    [point] = [p for p in derive_talking_points(make_report_data(partners=partners))]
    assert point.text == "Zoë and José have not checked off any step this period"
    assert point.evidence == (
        "Zoë: 0 of 6 this period, 5 of 6 before; José: 0 of 6 this period, 5 of 6 before"
        " — based on 12 check-offs due"
    )


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


def completion(done: int, target: int = 100) -> dict:
    return {"done_this_period": done, "target_this_period": target}


@pytest.mark.parametrize(
    ("better", "worse", "expected"),
    [
        (80, 40, "Zoë is keeping up (80%) while José lags (40%): 40 points apart"),
        (79, 39, "A big gap between partners: Zoë and José differ by 40 points"),
        (80, 41, None),  # 39 points apart
        (79, 40, None),
    ],
)
def test_the_gap_rules_at_exactly_forty_points_and_eighty_percent(better, worse, expected):
    partners = (
        make_partner("Zoë", **completion(better)),
        make_partner("José", **completion(worse)),
    )
    got = [t for t in texts(partners=partners) if "gap" in t or "keeping up" in t]
    assert got == ([expected] if expected else [])


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
        "Zoë: mean comfort 3.0 from 5 ratings this period, 3.5 from 4 before (scale 1–5)"
        " — based on 9 ratings"
    )
    less = (make_partner("Zoë", mean_comfort=3.1, previous_mean_comfort=3.5),)
    assert not any("comfort" in t for t in texts(partners=less))


@pytest.mark.parametrize(
    ("this_period", "before", "fires"), [(3, 3, True), (2, 3, False), (3, 2, False)]
)
def test_comfort_falling_needs_three_ratings_in_each_period(this_period, before, fires) -> None:
    ratings = {"ratings_this_period": this_period, "ratings_previous_period": before}
    partners = (make_partner("Zoë", mean_comfort=3.0, previous_mean_comfort=3.5, **ratings),)
    assert any("comfort is falling" in t for t in texts(partners=partners)) is fires


def test_comfort_falling_for_both_partners_makes_one_point() -> None:
    falling = {"mean_comfort": 3.0, "previous_mean_comfort": 3.5, "reminders_stopped": False}
    partners = (make_partner("Zoë", **falling), make_partner("José", **falling))
    [point] = [p for p in derive_talking_points(make_report_data(partners=partners))
               if "omfort" in p.text]  # fmt: skip
    assert point.text == "Comfort is falling for Zoë and José"
    assert point.evidence == (
        "Zoë: mean comfort 3.0 from 5 ratings this period, 3.5 from 4 before; "
        "José: mean comfort 3.0 from 5 ratings this period, 3.5 from 4 before (scale 1–5)"
        " — based on 18 ratings"
    )


def test_page_one_colours_down_only_when_the_rule_fires() -> None:
    from reports.talking_points import comfort_falling

    assert comfort_falling(make_partner("Zoë", mean_comfort=3.0, previous_mean_comfort=3.5))
    one_each = {"ratings_this_period": 1, "ratings_previous_period": 1}
    lone = make_partner("Zoë", mean_comfort=1.0, previous_mean_comfort=5.0, **one_each)
    assert not comfort_falling(lone)


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
        "Zoë: mean comfort 4.2 from 5 ratings this period, 3.4 from 4 before (scale 1–5); "
        "completion 50% (3 of 6), 83% (5 of 6) before — based on 9 ratings and 12 check-offs due"
    )


def test_no_easier_yet_fewer_when_completion_holds_or_ratings_are_few() -> None:
    holds = (make_partner("Zoë", **(EASIER_FEWER | {"done_this_period": 4})),)
    assert not any("easier" in t for t in texts(partners=holds))
    few = (make_partner("Zoë", **EASIER_FEWER, ratings_previous_period=2),)
    assert not any("easier" in t for t in texts(partners=few))


@pytest.mark.parametrize(
    ("change", "fires"),
    [((4.0, 3.5), True), ((3.9, 3.5), False)],  # up exactly 0.5, up 0.4
)
def test_easier_yet_fewer_at_exactly_half_a_point(change, fires) -> None:
    now, before = change
    zoe = make_partner(
        "Zoë", **(EASIER_FEWER | {"mean_comfort": now, "previous_mean_comfort": before})
    )
    assert any("easier" in t for t in texts(partners=(zoe,))) is fires


@pytest.mark.parametrize(
    ("done_now", "done_before", "fires"),
    [(30, 50, True), (31, 50, False)],  # completion down exactly 20 points, down 19
)
def test_easier_yet_fewer_at_exactly_twenty_points(done_now, done_before, fires) -> None:
    figures = {"done_this_period": done_now, "target_this_period": 100,
               "done_previous_period": done_before, "target_previous_period": 100}  # fmt: skip
    zoe = make_partner("Zoë", **(EASIER_FEWER | figures))
    assert any("easier" in t for t in texts(partners=(zoe,))) is fires


@pytest.mark.parametrize(("due", "fires"), [(3, True), (2, False)])
def test_easier_yet_fewer_needs_three_due_in_each_period(due, fires) -> None:
    figures = {"done_this_period": due - 1, "target_this_period": due,
               "done_previous_period": due, "target_previous_period": due}  # fmt: skip
    zoe = make_partner("Zoë", **(EASIER_FEWER | figures))
    assert any("easier" in t for t in texts(partners=(zoe,))) is fires


# --- 8. silence after low comfort -----------------------------------------------------


LOW_AND_QUIET = {"last_check_in_on": date(2025, 11, 2), "recent_comforts": (2, 4, 1)}


def test_a_week_of_silence_after_low_ratings() -> None:
    reflection = make_reflection("Hard.", partner_name="Zoë", occurred_on=date(2025, 11, 2))
    point = point_about(
        "has not checked in",
        partners=(make_partner("Zoë", **LOW_AND_QUIET),),
        reflections=(reflection,),
    )
    assert point.text == "Zoë has not checked in for 7 days after rating steps 2 of 5 or lower"
    assert point.evidence == (
        "Zoë: last check-in Sun 2 Nov 2025 on “Share one worry from your day”, with a "
        "reflection; last 3 ratings 2, 4, 1 (newest first), 2 of them 2 or lower — based on "
        "3 ratings and 7 days without a check-in"
    )


@pytest.mark.parametrize(
    ("quiet", "fires"),
    [
        ({}, True),
        ({"recent_comforts": (1, 2)}, True),  # two ratings, both low
        ({"last_check_in_on": date(2025, 11, 3)}, False),  # six days
        ({"recent_comforts": (1, 4, 3)}, False),  # one low rating of three
        ({"recent_comforts": (1,)}, False),  # a single rating, however low
        ({"recent_comforts": (3, 3, 3)}, False),
    ],
)
def test_silence_needs_seven_days_and_two_low_ratings_of_the_last_three(quiet, fires) -> None:
    partners = (make_partner("Zoë", **(LOW_AND_QUIET | quiet)),)
    assert any("checked in" in t for t in texts(partners=partners)) is fires


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


@pytest.mark.parametrize(
    ("cells", "fires"),
    [
        (((2, 2), (1, 2)), True),  # 3 counted
        (((2, 2), (0, 2)), False),  # 2 counted
        (((1, 1), (3, 1)), False),  # 4 done, but only 2 counted: the rest beyond the target
    ],
)
def test_completed_before_due_needs_three_check_offs_counted(cells, fires) -> None:
    done = make_assignment(
        "Share one worry",
        status="completed",
        ended_on=date(2025, 11, 4),
        due_on=date(2025, 11, 9),
        cells=(("Zoë", week_cells(*cells)),),
    )
    assert any("completed" in t for t in texts(assignments=(done,))) is fires


# --- 11. reminders stopped ------------------------------------------------------------


def test_reminders_stopped() -> None:
    point = point_about("reminder", partners=(make_partner("José", reminders_stopped=True),))
    assert point.text == "José has stopped reminder emails"
    assert point.evidence == (
        "Reminders stopped (José's own email setting); José: 4 of 6 this period — "
        "based on 6 check-offs due"
    )
    assert not any("reminder" in t for t in texts(partners=(make_partner("José"),)))


def test_reminders_stopped_by_both_make_one_point() -> None:
    partners = tuple(make_partner(n, reminders_stopped=True) for n in ("Zoë", "José"))
    [point] = [p for p in derive_talking_points(make_report_data(partners=partners))
               if "reminder" in p.text]  # fmt: skip
    assert point.text == "Zoë and José have stopped reminder emails"
    assert point.evidence == (
        "Reminders stopped (each one's own email setting); Zoë: 4 of 6 this period; "
        "José: 4 of 6 this period — based on 12 check-offs due"
    )


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


# Each rule that reads comfort, with data that makes it fire on enough ratings; the same
# data with one rating each (however extreme) must not.
RATING_RULES = {
    "comfort is falling": ({"mean_comfort": 1.0, "previous_mean_comfort": 5.0},
                           {"ratings_this_period": 1, "ratings_previous_period": 1}),
    "easier": ({"mean_comfort": 5.0, "previous_mean_comfort": 1.0, "done_this_period": 0,
                "done_previous_period": 6, "ratings_this_period": 3},
               {"ratings_this_period": 1, "ratings_previous_period": 1}),
    "has not checked in": ({"last_check_in_on": date(2025, 10, 20), "recent_comforts": (1, 1)},
                           {"recent_comforts": (1,)}),
}  # fmt: skip


@pytest.mark.parametrize("words", RATING_RULES)
def test_no_rule_fires_on_a_single_rating(words: str) -> None:
    enough, single = RATING_RULES[words]
    assert any(words in t for t in texts(partners=(make_partner("Zoë", **enough),)))
    lone = make_partner("Zoë", **(enough | single))
    assert not any(words in t for t in texts(partners=(lone,)))


def test_no_rule_fires_on_a_single_check_off() -> None:
    """The rules that count check-offs, check-ins or weeks, each given one."""
    one_due = {"target_this_period": 1, "target_previous_period": 1, **NOTHING_RATED}
    partners = (
        make_partner("Zoë", done_this_period=1, done_previous_period=1, **one_due),
        make_partner("José", done_this_period=0, done_previous_period=1, **one_due),
    )
    steps = (
        together(("Zoë", 1), ("José", 0)),
        make_assignment("Early", early_weeks=(("Zoë", 1),)),
        make_assignment("Done", status="completed", ended_on=date(2025, 11, 4),
                        due_on=date(2025, 11, 9), cells=(("Zoë", week_cells((1, 2), (0, 0))),)),
    )  # fmt: skip
    [point] = derive_talking_points(make_report_data(partners=partners, assignments=steps))
    assert point.text == FALLBACK_TEXT


def test_rules_appear_in_documented_order() -> None:
    assert texts() == [
        "A big gap between partners: Zoë and José differ by 50 points",
        "José's comfort is falling",
        "José has stopped reminder emails",
    ]
