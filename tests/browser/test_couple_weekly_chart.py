"""The couple page's weekly check-in chart, on the demo couple (on, answered): on a desk it
sits at the card's left and every week's label fits inside its box, the last one included;
on a phone it scrolls sideways from the right, so the latest week shows first."""

from __future__ import annotations

import pytest

from tests.browser.test_couple_figures import demo_login  # noqa: F401 - a fixture
from tests.browser.test_dashboard_flow import log_in
from tests.support import factories
from tests.support.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

GEOMETRY = """
() => {
  const box = document.querySelector('#weekly-checkin .chart-scroll');
  const svg = box.querySelector('svg.line-chart');
  const heading = document.querySelector('#weekly-chart-h');
  const labels = [...svg.querySelectorAll('text.chart-axis[text-anchor=middle]')]
    .map(t => t.getBoundingClientRect());
  const b = box.getBoundingClientRect(), s = svg.getBoundingClientRect();
  return {boxLeft: b.left, boxRight: b.right, svgLeft: s.left, svgRight: s.right,
          headingLeft: heading.getBoundingClientRect().left,
          lastLabelRight: labels[labels.length - 1].right, labels: labels.length,
          scrollLeft: box.scrollLeft, scrolls: box.scrollWidth > box.clientWidth};
}
"""


def test_the_weekly_chart_sits_left_and_fits(page, demo_login):  # noqa: F811
    log_in(page, demo_login.email, factories.PASSWORD)
    page.get_by_role("link", name="Alex & Sam R.").click()
    page.locator("#weekly-checkin svg.line-chart").wait_for()

    desk = page.evaluate(GEOMETRY)
    assert desk["labels"] == 8 and not desk["scrolls"]
    assert abs(desk["svgLeft"] - desk["headingLeft"]) <= 1, desk  # at the card's left
    assert desk["svgRight"] < desk["boxRight"] - 100, desk  # not pushed to the right
    assert desk["lastLabelRight"] <= desk["svgRight"], desk  # "30 Nov" is not cut

    page.set_viewport_size(PHONE)
    page.reload()
    phone = page.evaluate(GEOMETRY)
    assert phone["scrolls"] and phone["scrollLeft"] == 0, phone  # rtl: 0 is the right end
    assert phone["lastLabelRight"] <= phone["boxRight"], phone
