"""The weekly check-in, done when (issue 15): both partners answer it on a phone (390 px,
JavaScript off) for three weeks, the clock moving a week at a time; then the couple page's
chart shows both series and flags a divergence of 2 or more, and so does the report's PDF
text. Every control of the check-in's screen is a 44 px tap target, nothing scrolls sideways
and axe finds nothing serious."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor import tenancy
from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import LinkPurpose
from counselor.services.couples import links
from counselor.services.reports.report_data import build_report_data
from reports import render_pre_session_report
from reports.data import PRACTICE_TOOL_NOTE
from reports.weekly_checkin import HEADING
from tests.support import axe, factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in
from tests.support.pdf_text import all_text, squashed

pytestmark = [pytest.mark.browser, pytest.mark.committed_db, pytest.mark.usefixtures("clock")]

ITEMS = load_weekly_checkin()
TAP_TARGET = 44
CONTROL_HEIGHTS = """
[...document.querySelectorAll('main label.scale-option, main button, main a.button')]
  .filter(el => el.offsetParent !== null).map(el => el.getBoundingClientRect().height)
"""
# Per question: its five options' tops and widths, and where its two end labels sit.
SCALE_ROWS = """
[...document.querySelectorAll('fieldset.weekly-item')].map(set => {
  const boxes = [...set.querySelectorAll('label.scale-option')].map(l => l.getBoundingClientRect());
  const ends = [...set.querySelectorAll('.scale-ends span')].map(s => s.getBoundingClientRect());
  return {tops: boxes.map(b => Math.round(b.top)), widths: boxes.map(b => Math.round(b.width)),
          left: Math.round(boxes[0].left), right: Math.round(boxes[4].right),
          bottom: Math.round(boxes[0].bottom),
          ends: ends.map(e => ({
            top: Math.round(e.top), left: Math.round(e.left), right: Math.round(e.right),
          }))};
})
"""
# Per week, each partner's score on every item; in the last week they differ on the fifth
# item ("felt valued") by 3 points, and nowhere else by more than 1.
WEEKS = (
    {"Alex": [2] * 6, "Sam": [3] * 6},
    {"Alex": [3] * 6, "Sam": [3] * 6},
    {"Alex": [4, 4, 4, 4, 5, 4], "Sam": [4, 3, 4, 4, 2, 4]},
)


def answer_on_a_phone(browser, live_server, token: str, scores: list[int]) -> None:
    context = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    axe.install(context)
    page = context.new_page()
    try:
        page.goto(f"/p/{token}")
        page.locator("#weekly-checkin a.button").click()
        page.wait_for_url(f"**/p/{token}/weekly")
        heights = page.evaluate(CONTROL_HEIGHTS)
        assert heights and min(heights) >= TAP_TARGET, heights
        assert page.get_by_role("link", name="Back to your steps").bounding_box()["height"] >= 44
        rows = page.evaluate(SCALE_ROWS)
        assert len(rows) == len(ITEMS)
        for row in rows:  # 1 to 5 in one row of equal targets, the ends' words under them
            assert len(set(row["tops"])) == 1 and max(row["widths"]) - min(row["widths"]) <= 1
            low, high = row["ends"]
            assert low["top"] >= row["bottom"] and high["top"] >= row["bottom"]
            assert low["left"] == row["left"] and high["right"] == row["right"]
        assert_no_sideways_scroll(page)
        assert PRACTICE_TOOL_NOTE in page.inner_text("main")
        for item, score in zip(ITEMS, scores, strict=True):
            group = page.get_by_role("group", name=re.compile(re.escape(item.text)))
            group.get_by_role("radio", name=re.compile(rf"^{score}\b")).check()
        page.get_by_role("button", name="Save my answers").click()
        page.wait_for_url(f"**/p/{token}?notice=weekly*")
        assert "Thank you — your answers for this week are saved." in page.inner_text("main")
        assert "Answered this week." in page.inner_text("#weekly-checkin")
    finally:
        context.close()


def test_three_weeks_of_answers_reach_the_chart_and_the_report(
    browser, live_server, page, app, counselor, clock, capture
):
    tenancy.enter_practice(counselor.practice_id)
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Alex & Sam R.",
        partners=[{"first_name": "Alex"}, {"first_name": "Sam"}],
        weekly_checkin=True,
    )
    db.session.commit()

    for number, week in enumerate(WEEKS):
        if number:
            clock.advance(timedelta(weeks=1))
        # Each week's email brings a fresh link (a link lasts LINK_TTL_DAYS).
        tokens = {p.first_name: links.issue_link(p, LinkPurpose.HOMEWORK) for p in couple.partners}
        db.session.commit()
        for name, scores in week.items():
            answer_on_a_phone(browser, live_server, tokens[name], scores)

    # The first partner's screen once more: axe on the answered page.
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    axe.install(context)
    phone = context.new_page()
    phone.goto(f"/p/{tokens['Alex']}/weekly")
    findings = axe.blocking_findings(phone)
    capture(phone, "partner-weekly-checkin")
    context.close()
    assert not findings, axe.summary(findings)

    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    section = page.locator("#weekly-checkin")
    chart = section.locator("svg.line-chart")
    assert chart.locator("g.chart-series").count() == 2
    for name in ("Alex", "Sam"):
        assert chart.locator("circle, rect").filter(has=page.locator("title")).count() == 6
        assert f"{name}, week of" in chart.inner_html()
    flagged = section.locator("tr.divergent th").all_inner_texts()
    assert len(flagged) == 1 and flagged[0].startswith(ITEMS[4].text)
    assert "2+ points apart" in flagged[0]
    apart = section.locator("ul.divergences li").all_inner_texts()
    assert [line for line in apart if ITEMS[4].text in line] == apart
    assert "Alex 5, Sam 2" in apart[0]
    assert PRACTICE_TOOL_NOTE in section.inner_text()
    capture(page, "couple-weekly-checkin", element=section)

    db.session.expire_all()
    text = squashed(all_text(render_pre_session_report(build_report_data(couple.id, None))))
    assert squashed(HEADING) in text and squashed(PRACTICE_TOOL_NOTE) in text
    assert squashed(f"{ITEMS[4].text} — Alex 5, Sam 2") in text
    assert squashed("Alex (change)") in text and squashed("Sam (change)") in text
