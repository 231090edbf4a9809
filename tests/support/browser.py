"""What several browser tests do in a page."""

from __future__ import annotations


def log_in(page, email: str, password: str) -> None:
    """Log a counselor in through the login form and wait for the couples list."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/couples")
