"""What several browser tests do in a page."""

from __future__ import annotations

import os

# Debian's Chromium, headless, as every browser test and the benchmarks launch it.
CHROMIUM = os.environ.get("COUNSELOR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


def log_in(page, email: str, password: str) -> None:
    """Log a counselor in through the login form and wait for the couples list."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/couples")


def assert_no_sideways_scroll(page) -> None:
    """Nothing makes the page scroll sideways at its current width. Measured once the page
    has loaded: one still laying out can read a few pixels wide for a moment."""
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def assert_fits_a_phone(page) -> None:
    """At 390 px wide nothing makes the page scroll sideways; the width is put back after."""
    original = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        assert_no_sideways_scroll(page)
    finally:
        page.set_viewport_size(original)
