"""The demo couple's page right after seeding — before any nightly compile — at 1280 px and
390 px: the chart already shows every week, this week included, and says what the grid
says; and the couple's pre-session report as page images. Captured for the docs under
``make screenshots``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Couple
from counselor.services import demo
from counselor.services.accounts import counselors
from counselor.services.reports import pre_session
from tests.browser.test_dashboard_flow import log_in
from tests.support import factories
from tests.support.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]
PDFTOPPM = shutil.which("pdftoppm")


@pytest.fixture
def demo_login(app):
    login = demo.seed_demo()  # what `make run` does on a fresh instance; no compile yet
    counselors.set_password(counselors.counselor_by_email(login.email), factories.PASSWORD)
    db.session.commit()
    return login


def chart_summary(page) -> str:
    # The completion chart's (the weekly check-in, on for the demo couple, has its own).
    return page.locator("svg.line-chart desc#chart-desc").text_content() or ""


def test_the_couple_page_charts_every_week_from_the_first_run(
    page, browser, live_server, demo_login, capture
):
    log_in(page, demo_login.email, factories.PASSWORD)
    page.get_by_role("link", name="Alex & Sam R.").click()
    page.get_by_role("heading", name="The ladder").wait_for()

    assert page.locator("p.chart-empty").count() == 0
    summary = chart_summary(page)
    # Eight weeks per partner; the demo's history fills most of them, this week included.
    for name in ("Alex", "Sam"):
        figures = re.search(rf"{name}: ([^;.]*)", summary)
        assert figures is not None, summary
        weeks = figures.group(1).split(", ")
        assert len(weeks) == 8 and sum(w.endswith("%") for w in weeks) >= 6, summary
        assert weeks[-1].endswith("%"), summary
    capture(page, "couple-page", full_page=False)

    phone = browser.new_context(
        base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    try:
        small = phone.new_page()
        log_in(small, demo_login.email, factories.PASSWORD)
        small.goto(page.url)
        small.get_by_role("heading", name="The ladder").wait_for()
        overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the couple page scrolls sideways by {overflow}px at 390 px"
        assert chart_summary(small) == summary
    finally:
        phone.close()


def test_the_demo_report_as_page_images(app, demo_login, screenshot_dir: Path):
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed")
    practice_id = counselors.counselor_by_email(demo_login.email).practice_id
    with tenancy.practice_scope(practice_id):
        couple = db.session.scalar(sa.select(Couple).where(Couple.label == "Alex & Sam R."))
        assert couple is not None
        pdf = pre_session.render_for_couple(couple.id)
    work = screenshot_dir / "report-pages"
    work.mkdir(exist_ok=True)
    (work / "report.pdf").write_bytes(pdf)
    subprocess.run(
        [
            PDFTOPPM,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "2",
            str(work / "report.pdf"),
            str(work / "page"),
        ],
        check=True,
        capture_output=True,
    )
    for number in (1, 2):
        (page_png,) = work.glob(f"page-{number}.png")
        page_png.replace(screenshot_dir / f"report-page-{number}.png")
    shutil.rmtree(work)
    assert (screenshot_dir / "report-page-1.png").stat().st_size > 10_000
