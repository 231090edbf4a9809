"""One couple, every place that shows readiness and completion — the dashboard (couples list
and couple page, from the nightly snapshots), the API's progress endpoint (live) and the
pre-session report (its data and talking points) — and they all say the same thing."""

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
from reports import TalkingPoint, derive_talking_points
from tests.support import factories
from tests.support.api import make_api_client

ZONE = "America/Chicago"  # the practice's and every partner's
READY, BARRIERS = ReadinessSignal.READY_TO_MOVE_UP, ReadinessSignal.DISCUSS_BARRIERS
CARD_TEXT = {"Suggests moving up": READY, "Suggests talking about barriers": BARRIERS}
BADGE_TEXT = {"Ready to move up?": READY, "Talk about barriers": BARRIERS}
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


def everywhere(
    logged_in: FlaskClient, app: Flask, counselor: Counselor, couple: Couple
) -> tuple[Seen, list[TalkingPoint]]:
    """Each partner's suggestion and this week's completion as each place shows them, and
    the report's talking points."""
    compile_progress()  # what the nightly job does
    names = [p.first_name for p in couple.partners]
    seen: Seen = {}

    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    cards = page.split('class="card partner-card"')[1:]
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
    seen["API"] = {
        p["first_name"]: (
            ReadinessSignal(p["readiness"]) if p["readiness"] else None,
            round(p["weeks"][-1]["completion"] * 100),
        )
        for p in body["partners"]
    }

    data = pre_session.build_report_data(couple.id, None)
    seen["report"] = {
        p.name: (
            ReadinessSignal(p.readiness.signal) if p.readiness.signal else None,
            round((p.weekly_completion[-1] or 0.0) * 100),
        )
        for p in data.partners
    }
    return seen, derive_talking_points(data)


def test_ready_on_the_rung_at_25_percent_this_week_is_ready_everywhere(
    logged_in, app, counselor, couple, this_week
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

    seen, points = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (READY, 25), "Sam": (None, 25)}
    assert seen == dict.fromkeys(seen, expected), seen
    texts = [p.text for p in points]
    title = factories.rung(3).title
    assert f"Alex is ready to discuss moving up from rung 3 ({title})" in texts
    assert not any("Sam" in text and "moving up" in text for text in texts)


def test_barriers_and_the_top_rung_agree_everywhere(logged_in, app, counselor, couple, this_week):
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

    seen, points = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (None, 50), "Sam": (BARRIERS, 0)}
    assert seen == dict.fromkeys(seen, expected), seen
    texts = [p.text for p in points]
    assert texts[:2] == [
        f"Alex is consistent on the top rung {top.position} ({top.title}): "
        "discuss how to keep it going",
        "Sam did none of the steps due in the last two full weeks: talk about barriers",
    ]


def test_a_step_ended_this_week_counts_its_days_on_the_dashboard_as_elsewhere(
    logged_in, app, counselor, couple, this_week
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

    seen, _ = everywhere(logged_in, app, counselor, couple)

    expected = {"Alex": (None, 25), "Sam": (None, 25)}  # 1 of 3 + 1 (the ended step's Monday)
    assert seen == dict.fromkeys(seen, expected), seen
