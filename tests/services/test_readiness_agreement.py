"""One couple, every place that shows readiness and completion — the dashboard (couples list
and couple page), the API's progress endpoint and the pre-session report (its data, and the
text of the rendered PDF) — and they all say the same thing, whether or not the nightly
compile has run: every one of them asks ``week_rules.couple_readiness`` on live figures."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    Counselor,
    Couple,
    LadderRung,
    Partner,
    ReadinessSignal,
)
from counselor.services.progress.compile import compile_progress
from counselor.services.reports import pre_session
from reports import TalkingPoint, derive_talking_points, render_pre_session_report
from tests.support import factories
from tests.support.api import make_api_client
from tests.support.pdf_text import all_text

ZONE = "America/Chicago"  # the practice's and every partner's
READY, BARRIERS = ReadinessSignal.READY_TO_MOVE_UP, ReadinessSignal.DISCUSS_BARRIERS
CARD_TEXT = {"Suggests moving up": READY, "Suggests talking about barriers": BARRIERS}
BADGE_TEXT = {"Ready to move up?": READY, "Talk about barriers": BARRIERS}
# The couple's own suggestion, worded the same on the couple page and in the PDF.
COUPLE_TEXT = {
    "The couple: suggests moving up": READY,
    "The couple: suggests talking about barriers": BARRIERS,
}
# {place: {first name: (suggestion, this week's completion in whole percent)}}
Seen = dict[str, dict[str, tuple[ReadinessSignal | None, int]]]


@pytest.fixture
def this_week() -> date:
    return timeutil.week_start(timeutil.local_today(ZONE))


@pytest.fixture
def couple(counselor: Counselor) -> Couple:
    return factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )


def step(couple: Couple, rung: LadderRung, times: int, this_week: date) -> Assignment:
    return factories.AssignmentFactory(
        couple=couple, rung=rung, times_per_week=times, starts_on=this_week - timedelta(weeks=4)
    )


def log(assignment: Assignment, partner: Partner, monday: date, days: int) -> None:
    """Check-ins on the first ``days`` days of the week of ``monday``."""
    for day in range(days):
        factories.CheckInFactory(
            assignment=assignment, partner=partner, occurred_on=monday + timedelta(days=day)
        )


def log_today(assignment: Assignment, partner: Partner, times: int) -> None:
    for _ in range(times):
        factories.CheckInFactory(
            assignment=assignment, partner=partner, occurred_on=timeutil.local_today(ZONE)
        )


def found(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match


def couple_text(text: str) -> ReadinessSignal | None:
    return next((signal for words, signal in COUPLE_TEXT.items() if words in text), None)


def pdf_signal(text: str, name: str) -> ReadinessSignal | None:
    """A partner's suggestion as the PDF's talking points put it."""
    if re.search(rf"{name}( and \w+)? (is|are) ready to discuss moving up", text) or (
        "Ready to discuss moving up" in text
    ):
        return READY
    if f"{name} did none of the steps due" in text:
        return BARRIERS
    return None


def everywhere(
    logged_in: FlaskClient, app: Flask, counselor: Counselor, couple: Couple
) -> tuple[Seen, dict[str, ReadinessSignal | None], list[TalkingPoint]]:
    """Each partner's suggestion and this week's completion as each place shows them, the
    couple's suggestion as each place shows it, and the report's talking points."""
    names = [p.first_name for p in couple.partners]
    seen: Seen = {}
    couple_seen: dict[str, ReadinessSignal | None] = {}

    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    head, *cards = page.split('class="period-partner"')  # each partner since the last session
    couple_seen["couple page"] = couple_text(head)
    seen["couple page"] = {
        name: (
            next((signal for text, signal in CARD_TEXT.items() if text in card), None),
            int(found(r"this week \((\d+)%\)", card).group(1)),
        )
        for name, card in zip(names, cards, strict=True)
    }

    listing = logged_in.get("/couples").get_data(as_text=True)
    badges = {
        name: BADGE_TEXT[badge]
        for badge, named in re.findall(
            r'(Ready to move up\?|Talk about barriers)<span class="visually-hidden"> \((.*?)\)',
            listing,
        )
        for name in named.split(" and ")
    }
    seen["couples list"] = {}
    for name in names:
        done, target = found(rf'aria-label="{name}: (\d+) of (\d+)"', listing).groups()
        seen["couples list"][name] = (badges.get(name), round(int(done) / int(target) * 100))

    api = make_api_client(app, counselor.practice)
    body = api.get(f"/couples/{couple.id}/progress", query_string={"weeks": 1}).get_json()
    couple_seen["API"] = ReadinessSignal(body["readiness"]) if body["readiness"] else None
    seen["API"] = {
        p["first_name"]: (
            ReadinessSignal(p["readiness"]) if p["readiness"] else None,
            round(p["weeks"][-1]["completion"] * 100),
        )
        for p in body["partners"]
    }

    data = pre_session.build_report_data(couple.id, None)
    couple_seen["report"] = (
        ReadinessSignal(data.readiness_signal) if data.readiness_signal else None
    )
    seen["report"] = {
        p.name: (
            ReadinessSignal(p.readiness.signal) if p.readiness.signal else None,
            round((p.weekly_completion[-1] or 0.0) * 100),
        )
        for p in data.partners
    }

    text = " ".join(all_text(render_pre_session_report(data)).split())
    couple_seen["PDF"] = couple_text(text)
    seen["PDF"] = {  # page 1's table: each partner's row starts with this week so far
        name: (pdf_signal(text, name), int(found(rf"{name} \d+ of \d+ \((\d+)%\)", text)[1]))
        for name in names
    }
    return seen, couple_seen, derive_talking_points(data)


@pytest.fixture(params=["before the nightly compile", "after it"])
def compiled(request: pytest.FixtureRequest) -> bool:
    """Every place says the same whether or not the nightly compile has run."""
    return request.param == "after it"


def test_ready_on_the_rung_at_25_percent_this_week_is_ready_everywhere(
    logged_in, app, counselor, couple, this_week, compiled
):
    """Alex did every rung-3 check-in in the last two full weeks and none of the rung-2
    step: 50% of all steps, so the old report rule (80% of everything, per period) stayed
    silent while the dashboard suggested moving up. Sam did 8 and 7 of 8 — over 80% of
    everything, as the old rule wanted — but only 3 of 4 of the rung-3 step last week.
    Both are at 2 of 8 (25%) so far this week."""
    alex, sam = couple.partners
    rung_three = step(couple, factories.rung(3), 4, this_week)
    rung_two = step(couple, factories.rung(2), 4, this_week)
    last_week, two_ago = this_week - timedelta(weeks=1), this_week - timedelta(weeks=2)
    for monday in (two_ago, last_week):
        log(rung_three, alex, monday, 4)
        log(rung_two, sam, monday, 4)
    log(rung_three, sam, two_ago, 4)
    log(rung_three, sam, last_week, 3)
    log_today(rung_three, alex, 2)
    log_today(rung_two, sam, 2)

    if compiled:
        compile_progress()
    seen, couple_seen, points = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (READY, 25), "Sam": (None, 25)}
    assert seen == dict.fromkeys(seen, expected), seen
    # Sam has a rung-3 step too and is not ready: the couple as a whole gets no suggestion.
    assert couple_seen == dict.fromkeys(couple_seen, None), couple_seen
    texts = [p.text for p in points]
    title = factories.rung(3).title
    assert f"Alex is ready to discuss moving up from rung 3 ({title})" in texts
    assert not any("Sam" in text and "moving up" in text for text in texts)


def test_barriers_and_the_top_rung_agree_everywhere(
    logged_in, app, counselor, couple, this_week, compiled
):
    """On the ladder's top rung (its highest position, whatever that is) Alex keeps every
    step up: nobody suggests moving up, the report suggests keeping it going. Sam did
    nothing for two full weeks: talk about barriers, everywhere."""
    alex, _ = couple.partners
    top = db.session.scalar(sa.select(LadderRung).order_by(LadderRung.position.desc()).limit(1))
    assert top is not None
    top_step = step(couple, top, 2, this_week)
    for weeks_ago in (1, 2):
        log(top_step, alex, this_week - timedelta(weeks=weeks_ago), 2)
    log_today(top_step, alex, 1)

    if compiled:
        compile_progress()
    seen, couple_seen, points = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (None, 50), "Sam": (BARRIERS, 0)}
    assert seen == dict.fromkeys(seen, expected), seen
    assert couple_seen == dict.fromkeys(couple_seen, BARRIERS), couple_seen
    texts = [p.text for p in points]
    assert texts[:2] == [
        f"Alex is consistent on the top rung {top.position} ({top.title}): "
        "discuss how to keep it going",
        "Sam did none of the steps due in the last two full weeks: talk about barriers",
    ]


def test_a_step_ended_this_week_counts_its_days_on_the_dashboard_as_elsewhere(
    logged_in, app, counselor, couple, this_week, compiled
):
    """The dashboard's this-week figures used to leave out a step ended during the week,
    which the API, the report and the compiled history count up to the day it ended."""
    alex, sam = couple.partners
    kept, ended = (  # both given this Monday; one ended the same day: 1 of its 7 a week due
        factories.AssignmentFactory(
            couple=couple, rung=factories.rung(2), starts_on=this_week, **fields
        )
        for fields in (
            {"times_per_week": 3},
            {"times_per_week": 7, "status": AssignmentStatus.COMPLETED, "ended_on": this_week},
        )
    )
    log(ended, alex, this_week, 1)
    log_today(kept, sam, 1)

    if compiled:
        compile_progress()
    seen, _, _ = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (None, 25), "Sam": (None, 25)}  # 1 of 3 + 1 (the ended step's Monday)
    assert seen == dict.fromkeys(seen, expected), seen


def test_both_partners_ready_makes_the_couple_ready_everywhere(
    logged_in, app, counselor, couple, this_week, compiled
):
    alex, sam = couple.partners
    rung_three = step(couple, factories.rung(3), 2, this_week)
    for weeks_ago in (1, 2):
        log(rung_three, alex, this_week - timedelta(weeks=weeks_ago), 2)
        log(rung_three, sam, this_week - timedelta(weeks=weeks_ago), 2)
    log_today(rung_three, alex, 1)
    log_today(rung_three, sam, 1)
    if compiled:
        compile_progress()

    seen, couple_seen, points = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (READY, 50), "Sam": (READY, 50)}
    assert seen == dict.fromkeys(seen, expected), seen
    assert couple_seen == dict.fromkeys(couple_seen, READY), couple_seen
    assert points[0].text.startswith("Ready to discuss moving up from rung 3")


def test_a_partner_without_a_step_on_the_rung_does_not_hold_the_couple_back(
    logged_in, app, counselor, couple, this_week
):
    """Only Alex has a step on rung 3 (Sam's is on rung 2, done half the time): Alex's
    readiness is the couple's."""
    alex, sam = couple.partners
    alex_only = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(3),
        times_per_week=2,
        assignee=Assignee.PARTNER,
        assignee_partner_id=alex.id,
        starts_on=this_week - timedelta(weeks=4),
    )
    sams = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(2),
        times_per_week=2,
        assignee=Assignee.PARTNER,
        assignee_partner_id=sam.id,
        starts_on=this_week - timedelta(weeks=4),
    )
    for weeks_ago in (1, 2):
        log(alex_only, alex, this_week - timedelta(weeks=weeks_ago), 2)
        log(sams, sam, this_week - timedelta(weeks=weeks_ago), 1)
    log_today(alex_only, alex, 1)
    log_today(sams, sam, 1)

    seen, couple_seen, _ = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (READY, 50), "Sam": (None, 50)}
    assert seen == dict.fromkeys(seen, expected), seen
    assert couple_seen == dict.fromkeys(couple_seen, READY), couple_seen


def test_a_snapshot_older_than_the_check_ins_changes_nothing_anywhere(
    logged_in, app, counselor, couple, this_week
):
    """The nightly compile ran before two weeks of check-ins were back-dated: it stored no
    suggestion. The dashboard used to show that stored verdict while the API and the report
    judged the check-ins; now every place judges the check-ins."""
    alex, sam = couple.partners
    rung_three = step(couple, factories.rung(3), 2, this_week)
    log_today(rung_three, alex, 1)
    log_today(rung_three, sam, 1)
    compile_progress()
    for weeks_ago in (1, 2):
        log(rung_three, alex, this_week - timedelta(weeks=weeks_ago), 2)

    seen, couple_seen, _ = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (READY, 50), "Sam": (BARRIERS, 50)}
    assert seen == dict.fromkeys(seen, expected), seen
    assert couple_seen == dict.fromkeys(couple_seen, BARRIERS), couple_seen


def test_the_dashboard_and_the_pdf_give_the_same_figures_for_the_same_week(
    logged_in, app, counselor, couple, this_week
):
    """This week's done, target and percent per partner, and each step's cell for last week
    and this week, read off the couple page, the couples list and the PDF."""
    alex, sam = couple.partners
    three = step(couple, factories.rung(2), 3, this_week)
    joint = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(1),
        title="Cook a meal together",
        times_per_week=2,
        assignee=Assignee.TOGETHER,
        starts_on=this_week - timedelta(weeks=4),
    )
    last_week = this_week - timedelta(weeks=1)
    log(three, alex, last_week, 2)
    log(three, sam, last_week, 3)
    log(joint, sam, last_week, 1)
    log_today(three, alex, 1)
    log_today(joint, alex, 1)

    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    listing = logged_in.get("/couples").get_data(as_text=True)
    data = pre_session.build_report_data(couple.id, None)
    text = " ".join(all_text(render_pre_session_report(data)).split())

    cards = page.split('class="period-partner"')[1:]
    on_page = [
        found(r"<strong>(\d+) of (\d+)</strong> this week \((\d+)%\)", card).groups()
        for card in cards
    ]
    in_pdf = [
        found(rf"■ {name} (\d+) of (\d+) \((\d+)%\)", text).groups() for name in ("Alex", "Sam")
    ]
    in_list = [
        found(rf'aria-label="{name}: (\d+) of (\d+)"', listing).groups() for name in ("Alex", "Sam")
    ]
    # Sam did nothing this week but the joint step, which Alex logged for them both.
    assert on_page == in_pdf == [("2", "5", "40"), ("1", "5", "20")]
    assert in_list == [(done, target) for done, target, _ in on_page]

    # Each step's rows: the grid's last two columns and the report's last two weeks.
    grid_cells = {
        (title, label): re.findall(r'class="cell[^"]*"[^>]*>([^<]*)<', row)[-2:]
        for title, table in re.findall(r'class="step-title">(.*?)</h\d>(.*?)</table>', page, re.S)
        for label, row in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S)
    }
    report_cells = {
        (a.title, label): [f"{c.counted}/{c.target}" for c in cells[-2:]]
        for a in data.assignments
        for label, cells in a.cells
    }
    assert grid_cells == report_cells
    assert report_cells[(joint.title, "Together")] == ["1/2", "1/2"]
