"""reports/talking_points.py: each rule fires on its data and names the numbers behind it.
Readiness arrives decided (by counselor.services.progress.readiness); these rules only
word it."""

from __future__ import annotations

from reports import DISCUSS_BARRIERS, READY_TO_MOVE_UP, derive_talking_points
from reports.talking_points import STEADY_TEXT
from tests.support.report_data import (
    make_empty_data,
    make_partner,
    make_readiness,
    make_report_data,
)

READY = make_readiness(READY_TO_MOVE_UP, (4, 4, 1.0), (5, 6, 0.83))


def texts(**overrides) -> list[str]:
    return [p.text for p in derive_talking_points(make_report_data(**overrides))]


def test_ready_to_move_up_when_the_rule_says_so_for_both_partners() -> None:
    partners = (make_partner("Zoë", readiness=READY), make_partner("José", readiness=READY))
    points = derive_talking_points(make_report_data(partners=partners))
    assert [p.text for p in points] == [
        "Ready to discuss moving up from rung 3 (Share emotional loads)"
    ]
    assert points[0].evidence == (
        "Zoë: weakest rung 3 step 100% in the week of 27 Oct, 83% in the week of 3 Nov; "
        "José: weakest rung 3 step 100% in the week of 27 Oct, 83% in the week of 3 Nov"
    )


def test_one_partner_ready_is_named_as_the_dashboard_names_them() -> None:
    partners = (make_partner("Zoë", readiness=READY), make_partner("José"))
    [point] = [p for p in derive_talking_points(make_report_data(partners=partners))]
    assert point.text == "Zoë is ready to discuss moving up from rung 3 (Share emotional loads)"
    assert "José" not in point.evidence


def test_period_figures_alone_never_suggest_moving_up() -> None:
    """Changed on purpose: the old report rule (80% of every step together, this period and
    the last) would have said "ready" here; the one rule judges each step of the current
    rung over the last two full weeks, and found one below 80%."""
    below = make_readiness(None, (6, 6, 1.0), (6, 7, 0.75))
    partners = (
        make_partner("Zoë", done_this_period=6, done_previous_period=6, readiness=below),
        make_partner("José", done_this_period=6, done_previous_period=5, readiness=below),
    )
    assert not any("moving up" in t for t in texts(partners=partners))


def test_top_rung_is_about_keeping_it_going() -> None:
    steady = make_readiness(None, (2, 2, 1.0), (2, 2, 1.0), steady_on_top_rung=True)
    partners = (make_partner("Zoë", readiness=steady),)
    [text] = texts(partners=partners, current_rung=6)
    assert text == (
        'Consistent on the top rung 6 (Ask "How can we do this together?"): '
        "discuss how to keep it going"
    )


def test_barriers_when_the_rule_flags_two_empty_weeks() -> None:
    stuck = make_readiness(DISCUSS_BARRIERS, (0, 6, 0.0), (0, 5, 0.0))
    partners = (make_partner("Sam", done_this_period=0, readiness=stuck),)
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == (
        "Sam did none of the steps due in the last two full weeks: talk about barriers"
    )
    assert point.evidence == "Sam: 0 of 6 in the week of 27 Oct; 0 of 5 in the week of 3 Nov"


def test_partner_stuck_at_zero() -> None:
    partners = (make_partner("Sam", done_this_period=0, done_previous_period=2),)
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == "Sam has not checked off any step this period"
    assert point.evidence == "Sam: 0 of 6 this period; 2 of 6 before"


def test_big_gap_at_forty_points_but_not_below() -> None:
    wide = (make_partner("Zoë", done_this_period=6), make_partner("José", done_this_period=3))
    narrow = (make_partner("Zoë", done_this_period=5), make_partner("José", done_this_period=3))
    [gap] = [t for t in texts(partners=wide) if "gap" in t]
    assert gap == "A big gap between partners: Zoë and José differ by 50 points"
    assert not any("gap" in t for t in texts(partners=narrow))


def test_comfort_falling_by_half_a_point() -> None:
    partners = (make_partner("Zoë", mean_comfort=3.0, previous_mean_comfort=3.5),)
    points = derive_talking_points(make_report_data(partners=partners))
    [falling] = [p for p in points if "comfort" in p.text]
    assert falling.text == "Zoë's comfort is falling"
    assert falling.evidence == "Zoë: mean comfort 3.0 this period; 3.5 before (scale 1–5)"
    steady = (make_partner("Zoë", mean_comfort=3.1, previous_mean_comfort=3.5),)
    assert not any("comfort" in t for t in texts(partners=steady))


def test_reminders_stopped() -> None:
    partners = (make_partner("José", reminders_stopped=True),)
    assert "José has stopped reminder emails" in texts(partners=partners)


def test_steady_when_nothing_fires() -> None:
    partners = (make_partner("Zoë"), make_partner("José"))
    [point] = derive_talking_points(make_report_data(partners=partners))
    assert point.text == STEADY_TEXT
    assert "Zoë: 4 of 6 this period" in point.evidence


def test_steady_for_a_couple_with_nothing_due() -> None:
    [point] = derive_talking_points(make_empty_data())
    assert point.text == STEADY_TEXT
    assert point.evidence == "No steps were due this period"


def test_rules_appear_in_documented_order() -> None:
    got = texts()
    assert got == [
        "A big gap between partners: Zoë and José differ by 50 points",
        "José's comfort is falling",
        "José has stopped reminder emails",
    ]
