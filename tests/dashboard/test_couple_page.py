"""The couple page in the order a counselor reads it before a session: since the last
session (the report's own figures, the reflections of the period, what needs attention),
the next session, the active steps, the ladder folded to the current rung, the history."""

from __future__ import annotations

import html as html_module
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, OutboxStatus, Report
from counselor.services.couples import sessions
from counselor.services.delivery.digest import QUIET_DAYS
from counselor.services.pages.couple_page import EARLIER_SHOWN, ComfortTrend
from counselor.services.reports.report_data import build_report_data
from reports.formatting import comfort_change
from tests.support import factories
from tests.support.clock import NOW, TODAY, Clock
from tests.support.couple_page_data import AGENDA, NOTES, couple_before_a_session
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("actor", "clock")


def page_of(client, couple) -> str:
    response = client.get(f"/couples/{couple.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text(markup: str) -> str:
    """Markup as words: tags out, entities read, whitespace collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def section(page: str, element_id: str) -> str:
    """The markup of the <section id=...> up to the next top-level section's start."""
    start = page.index(f'id="{element_id}"')
    ends = [page.find(f'id="{other}"', start + 1) for other in [*ORDER, "couple-data-h"]]
    return page[start : min(end for end in ends if end > start)]


ORDER = ["since-last-session", "next-session", "active-steps", "ladder-h", "history"]


def test_the_sections_come_in_the_order_a_counselor_needs_them(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    page = page_of(logged_in, seeded.couple)

    positions = [page.index(f'id="{element_id}"') for element_id in ORDER]
    assert positions == sorted(positions)
    assert page.index('id="couple-data-h"') > positions[-1]
    # The partners' compact cards sit with the next session, before the steps.
    assert positions[1] < page.index('class="card partner-card"') < positions[2]


def test_the_period_figures_are_the_reports_own(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    data = build_report_data(seeded.couple.id, seeded.next_session, NOW)
    since = section(page_of(logged_in, seeded.couple), "since-last-session")

    assert data.period_description[1:] in text(since)  # "Since the previous session on …"
    blocks = since.split('class="period-partner"')[1:]
    assert len(blocks) == len(data.partners) == 2
    for block, summary in zip(blocks, data.partners, strict=True):
        words = text(block.split(">", 1)[1])
        assert words.startswith(summary.name)
        percent = round(summary.completion_this_period * 100)
        assert (
            f"{summary.done_this_period} of {summary.target_this_period} done ({percent}%)" in words
        )
        before = round(summary.completion_previous_period * 100)
        assert (
            f"Before: {summary.done_previous_period} of {summary.target_previous_period}"
            f" ({before}%)" in words
        )
        # Comfort in the report's own words (reports.formatting.comfort_change), with how
        # many ratings the mean rests on, as the PDF's partner table gives it.
        change = comfort_change(summary.mean_comfort, summary.previous_mean_comfort)
        ratings = summary.ratings_this_period
        assert (
            f"Comfort {summary.mean_comfort:.1f},"
            f" {ARROWS[change.split()[0]]} {change} ({summary.previous_mean_comfort:.1f} before)"
            f" · {ratings} rating{'' if ratings == 1 else 's'}"
        ) in words.replace(" ,", ",")  # text() leaves a space where </strong> was
    # Sam's comfort fell against the period before: an arrow, and the same in words.
    sam = data.partners[1]
    assert comfort_change(sam.mean_comfort, sam.previous_mean_comfort).startswith("down")
    assert 'class="trend trend-down" aria-hidden="true">↓</span>' in blocks[1]


ARROWS = {"up": "↑", "down": "↓", "steady": "→"}


@pytest.mark.parametrize(
    ("mean", "previous", "direction", "change"),
    [
        (3.2, 3.0, "steady", "steady"),  # a fifth of a point: steady, as in the PDF
        (3.3, 3.0, "up", "up 0.3"),
        (2.6, 3.4, "down", "down 0.8"),
        (3.0, None, None, "–"),
    ],
)
def test_the_comfort_direction_is_the_reports_comfort_change(mean, previous, direction, change):
    trend = ComfortTrend(mean, previous, ratings=4)

    assert trend.change == comfort_change(mean, previous) == change
    assert trend.direction == direction
    assert trend.arrow == ARROWS.get(direction or "", "")


def test_the_readiness_signal_is_the_reports_for_the_couple_and_each_partner(
    logged_in, counselor, clock: Clock
):
    """Alex did every step of the current rung for two full weeks; Sam did none."""
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )
    alex = couple.partners[0]
    monday = TODAY - timedelta(days=TODAY.weekday())
    step = factories.AssignmentFactory(
        couple=couple, times_per_week=1, starts_on=monday - timedelta(weeks=3)
    )
    for weeks in (1, 2):
        factories.CheckInFactory(
            assignment=step, partner=alex, occurred_on=monday - timedelta(weeks=weeks)
        )
    data = build_report_data(couple.id, None, NOW)
    assert data.readiness_signal == "discuss_barriers"
    assert [p.readiness.signal for p in data.partners] == ["ready_to_move_up", "discuss_barriers"]

    since = section(page_of(logged_in, couple), "since-last-session")
    head, alex_block, sam_block = since.split('class="period-partner"')
    assert "The couple: suggests talking about barriers." in head
    assert "Suggests moving up — the counselor decides." in alex_block
    assert "Suggests talking about barriers." in sam_block


def test_the_reflections_of_the_period_come_newest_first_with_step_and_visibility(
    logged_in, counselor
):
    seeded = couple_before_a_session(counselor, NOW)
    page = page_of(logged_in, seeded.couple)
    since = section(page, "since-last-session")
    listed = re.findall(r'<p class="meta">(.*?)</p>', since, re.S)

    assert [text(meta) for meta in listed] == [
        f"Alex · {TODAY:%a %d %b} · Share a small worry · comfort 4/5 Shared with partner",
        f"Sam · {TODAY - timedelta(days=1):%a %d %b} · Cook a meal together · comfort 2/5"
        f" Withdrawn by Sam on {TODAY:%a %d %b}",
        f"Alex · {TODAY - timedelta(days=2):%a %d %b} · Ask for a lift · comfort 4/5"
        " Counselor only",
    ]
    assert "Reflections since then (3)" in text(since)
    # The one written before the last session waits under History.
    earlier = section(page, "history")
    assert "Hard to ask. I felt in the way." not in since
    assert "Hard to ask. I felt in the way." in earlier


def test_needs_attention_names_stopped_emails_a_failed_email_and_a_silent_partner(
    logged_in, counselor
):
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )
    alex, sam = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=3))
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY)
    factories.CheckInFactory(assignment=step, partner=sam, occurred_on=TODAY - timedelta(days=8))
    alex.unsubscribed_at = NOW - timedelta(days=1)
    db.session.add(
        OutboxEmail(
            practice_id=couple.practice_id,
            partner_id=sam.id,
            kind=EmailKind.REMINDER,
            status=OutboxStatus.FAILED,
            last_error="mailbox unavailable",
        )
    )
    db.session.commit()

    attention = section(page_of(logged_in, couple), "since-last-session")
    items = [text(li) for li in re.findall(r'<li class="attention-\w+">(.*?)</li>', attention)]
    assert items == [
        "Alex stopped emails.",
        "The last email to Sam failed.",
        f"No check-in from Sam for 7 days (last on {TODAY - timedelta(days=8):%a %d %b}).",
    ]


def test_a_partner_with_a_step_of_only_days_is_not_called_silent(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(days=3))

    attention = section(page_of(logged_in, couple), "since-last-session")
    assert "No check-in" not in attention
    assert "Nothing needs attention." in text(attention)


def test_the_next_session_shows_its_agenda_and_report(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    upcoming = seeded.next_session
    next_session = section(page_of(logged_in, seeded.couple), "next-session")

    local = upcoming.starts_at.astimezone(ZoneInfo(counselor.timezone))  # the viewer's zone
    assert f"{local:%a %d %b %Y, %H:%M}" in next_session
    agenda = re.search(r'<div class="agenda" dir="auto">(.*?)</div>', next_session, re.S)
    assert agenda is not None and agenda.group(1) == AGENDA  # its line breaks kept
    assert f'href="/sessions/{upcoming.id}/edit">Edit agenda</a>' in next_session
    assert "Prepare report now" in next_session
    assert "prepared automatically" in next_session


def test_without_a_session_the_page_says_none_is_booked(logged_in, couple):
    next_session = section(page_of(logged_in, couple), "next-session")
    assert "No session booked." in text(next_session)
    assert f'href="/couples/{couple.id}/sessions/new">Add a session</a>' in next_session


def test_the_ladder_opens_the_current_rung_only_and_an_empty_rung_is_one_line(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    ladder = section(page_of(logged_in, seeded.couple), "ladder-h")
    rungs = re.findall(
        r'<li class="rung([^"]*)">(.*?)</li>\s*(?=<li class="rung|</ol>)', ladder, re.S
    )

    current = [body for classes, body in rungs if "current" in classes]
    assert len(current) == 1 and "<details open>" in current[0]
    assert "Ask for a lift" in current[0] and "Cook a meal together" in current[0]
    first = next(body for classes, body in rungs if "current" not in classes and "<details" in body)
    assert "<details>" in first and "Share a small worry" in first
    empty = [body for classes, body in rungs if "empty-rung" in classes]
    assert empty, "the ladder has rungs this couple has no step on"
    for body in empty:
        assert "<details" not in body and "\n" not in body.strip()
        assert "Assign on this rung" in body


def test_the_active_steps_have_their_grids_and_the_history_the_rest(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    page = page_of(logged_in, seeded.couple)
    active = section(page, "active-steps")
    history = section(page, "history")

    titles = re.findall(r'class="step-title">(.*?)</h3>', active)
    assert titles == ["Share a small worry", "Cook a meal together", "Ask for a lift"]  # by rung
    assert active.count('<table class="grid">') == 3
    assert f'href="/couples/{seeded.couple.id}/handout' in active
    # History: the past session with its notes and a link to edit them; the cancelled step
    # with its grid and Reopen.
    assert NOTES in history
    assert f'href="/sessions/{seeded.past_session.id}/notes">Edit notes<' in history
    assert "Name one thing you liked" in history and "Reopen" in history
    assert 'id="reports"' in history


def test_the_partner_cards_lead_to_preview_copy_and_send(logged_in, couple):
    page = page_of(logged_in, couple)
    for partner in couple.partners:
        assert f'href="/partners/{partner.id}/preview"' in page
        assert f"Preview {partner.first_name}'s page" in page
        assert f"Copy {partner.first_name}'s link" in page
        assert f"Send {partner.first_name} a link" in page


def add_report(couple, session) -> None:
    db.session.add(
        Report(
            practice_id=couple.practice_id,
            couple_id=couple.id,
            session_id=session.id if session else None,
            requested_by="test",
        )
    )
    db.session.commit()


def test_the_page_costs_the_same_statements_however_much_the_couple_did(logged_in, counselor):
    small = couple_before_a_session(counselor, NOW)
    # One report (its sessions come in one more statement however many reports there are).
    add_report(small.couple, small.next_session)
    logged_in.get(f"/couples/{small.couple.id}")  # warm up: session user, caches
    with count_statements() as few:
        page_of(logged_in, small.couple)

    big = couple_before_a_session(counselor, NOW)
    for step in big.steps:
        for days in range(1, 20):
            factories.CheckInFactory(
                assignment=step,
                partner=big.couple.partners[days % 2],
                occurred_on=TODAY - timedelta(days=days),
                reflection=f"Note {days}",
            )
    for days in range(1, 6):
        factories.SessionFactory(couple=big.couple, starts_at=NOW - timedelta(weeks=days))
        removed = factories.SessionFactory(
            couple=big.couple,
            starts_at=NOW + timedelta(days=days),
            removed_at=NOW - timedelta(hours=days),
        )
    alex, sam = big.couple.partners
    alex.unsubscribed_at = NOW - timedelta(days=2)
    sam.snoozed_until = NOW + timedelta(days=3)
    for partner, status in [(alex, OutboxStatus.FAILED), (sam, OutboxStatus.PENDING)] * 3:
        db.session.add(
            OutboxEmail(
                practice_id=big.couple.practice_id,
                partner_id=partner.id,
                kind=EmailKind.REMINDER,
                status=status,
            )
        )
    for session in [big.next_session, big.past_session, removed, None] * 2:
        add_report(big.couple, session)
    with count_statements() as many:
        page_of(logged_in, big.couple)
    assert few.count == many.count, (few.statements, many.statements)


def attention_items(client, couple) -> list[str]:
    since = section(page_of(client, couple), "since-last-session")
    return [text(li) for li in re.findall(r'<li class="attention-\w+">(.*?)</li>', since, re.S)]


@pytest.mark.parametrize(("days", "silent"), [(7, False), (8, True)])
def test_a_partner_is_silent_after_more_than_seven_days_as_in_the_digest(
    logged_in, counselor, days, silent
):
    """The digest's rule (``delivery.digest``, QUIET_DAYS): a last check-in exactly seven
    days ago is not yet silence; eight days ago is."""
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )
    alex, sam = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=3))
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY)
    last = TODAY - timedelta(days=days)
    factories.CheckInFactory(assignment=step, partner=sam, occurred_on=last)
    db.session.commit()

    silence = f"No check-in from Sam for {QUIET_DAYS} days (last on {last:%a %d %b})."
    assert (silence in attention_items(logged_in, couple)) is silent


def test_paused_reminders_need_attention_on_the_same_clock_as_the_partners_card(
    logged_in, counselor
):
    """Until when: one moment (the card's ``email_status``), on the viewer's clock with its
    label, in Needs attention and on the partner's card alike — even where the practice's
    day and the viewer's differ."""
    counselor.timezone = "Asia/Tokyo"
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )
    alex = couple.partners[0]
    alex.snoozed_until = datetime(2026, 5, 16, 20, 0, tzinfo=UTC)  # Sun 17 May in Tokyo
    db.session.commit()

    until = "Sun 17 May, 05:00 JST"
    assert attention_items(logged_in, couple) == [f"Alex paused reminders until {until}."]
    card = page_of(logged_in, couple).split('class="card partner-card"')[1]
    assert f"Reminders paused until {until}" in text(card)


def test_every_reflection_of_the_period_is_listed_and_earlier_ones_say_latest(logged_in, counselor):
    """The period's reflections are all there, however many ("since then (N)" is true);
    those before it are the latest EARLIER_SHOWN, and the page says so."""
    seeded = couple_before_a_session(counselor, NOW)
    alex = seeded.couple.partners[0]
    step = seeded.steps[0]
    for n in range(EARLIER_SHOWN + 5):  # today and the days before, within the period
        factories.CheckInFactory(
            assignment=step, partner=alex, occurred_on=TODAY, reflection=f"Since {n}"
        )
    period_start = build_report_data(seeded.couple.id, seeded.next_session, NOW).period_start
    for n in range(EARLIER_SHOWN + 2):
        factories.CheckInFactory(
            assignment=step,
            partner=alex,
            occurred_on=period_start - timedelta(days=1 + n % 5),
            reflection=f"Before {n}",
        )
    db.session.commit()

    page = page_of(logged_in, seeded.couple)
    since = section(page, "since-last-session")
    total = EARLIER_SHOWN + 5 + 3
    assert f"Reflections since then ({total})" in text(since)
    assert since.count("<blockquote") == total
    history = section(page, "history")
    assert f"Show the latest {EARLIER_SHOWN}</summary>" in history
    assert history.count("<blockquote") == EARLIER_SHOWN


def test_a_session_stays_next_while_under_way_then_goes_to_history_with_its_agenda(
    logged_in, counselor
):
    seeded = couple_before_a_session(counselor, NOW)
    upcoming = seeded.next_session

    upcoming.starts_at = NOW - timedelta(minutes=sessions.SESSION_MINUTES - 1)
    db.session.commit()
    page = page_of(logged_in, seeded.couple)
    next_session = section(page, "next-session")
    assert "Under way" in next_session and AGENDA in next_session
    assert f'href="/sessions/{upcoming.id}/notes">Write notes</a>' in next_session
    assert AGENDA not in section(page, "history")

    upcoming.starts_at = NOW - timedelta(minutes=sessions.SESSION_MINUTES)
    db.session.commit()
    page = page_of(logged_in, seeded.couple)
    assert "No session booked." in text(section(page, "next-session"))
    history = section(page, "history")
    assert f'<div class="agenda" dir="auto">{AGENDA}</div>' in history
    assert history.index(AGENDA) < history.index(NOTES)  # newest first


def test_the_partner_card_heading_is_the_name_and_later_sessions_say_which(logged_in, counselor):
    seeded = couple_before_a_session(counselor, NOW)
    later = factories.SessionFactory(couple=seeded.couple, starts_at=NOW + timedelta(days=9))
    page = page_of(logged_in, seeded.couple)

    headings = re.findall(r'<h3 id="partner-\d+-h">(.*?)</h3>', page)
    assert headings == ["Alex", "Sam"]
    when = later.starts_at.astimezone(ZoneInfo(counselor.timezone))
    label = f"the session of {when:%a %d %b, %H:%M} {when.tzname()}"
    assert f'/sessions/{later.id}/edit">Edit<span class="visually-hidden"> {label}</span>' in page
    assert (
        f'/sessions/{later.id}/delete" class="danger">Remove<span class="visually-hidden"> {label}'
        in page
    )
