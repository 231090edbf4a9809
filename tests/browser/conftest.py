"""A live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.environment import require_service

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The two widths every captured page is shown at (``<name>.png`` and ``<name>-phone.png``).
CAPTURE_WIDTHS = (("", {"width": 1280, "height": 900}), ("-phone", {"width": 390, "height": 844}))
# Resolves once web fonts are in and two frames have been laid out at the new size.
SETTLED = (
    "document.fonts.ready.then(() => new Promise("
    "done => requestAnimationFrame(() => requestAnimationFrame(done))))"
)


@pytest.fixture(autouse=True)
def _one_backend(database_url):
    # The browser exercises pages, not the database: SQLite is enough.
    if not database_url.startswith("sqlite"):
        pytest.skip("browser flow runs once, on SQLite")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        require_service(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """docs/screenshots when COUNSELOR_SCREENSHOTS=1 (``make screenshots``), else a temp dir."""
    if os.environ.get("COUNSELOR_SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        return SCREENSHOT_DIR
    return tmp_path


@pytest.fixture
def capture(screenshot_dir: Path) -> Callable[..., None]:
    """``capture(page, name)`` writes ``<name>.png`` at 1280 px and ``<name>-phone.png`` at
    390 px into ``screenshot_dir``, so every page in the docs is shown at both widths and
    each file has one writer. ``element=`` shoots one element of the page instead of the page;
    ``full_page=False`` only the first screenful. The page's own viewport is put back after,
    so the test carries on where it was. One image pixel per CSS pixel: a phone context's
    device scale does not change the files' widths."""

    def capture(page, name: str, *, full_page: bool = True, element=None) -> None:
        original = page.viewport_size
        try:
            for suffix, viewport in CAPTURE_WIDTHS:
                page.set_viewport_size(viewport)
                page.wait_for_load_state()
                page.evaluate(SETTLED)
                path = screenshot_dir / f"{name}{suffix}.png"
                if element is None:
                    page.screenshot(path=path, full_page=full_page, scale="css")
                else:
                    element.screenshot(path=path, scale="css")
        finally:
            if original is not None:
                page.set_viewport_size(original)

    return capture
