"""A host system shows a couple's page inside a frame of its own page, in Chromium: allowed
when the practice lists the host's origin (Settings › Access), refused by the browser when
it lists another one or none. The host is a second local server on another port: a
different origin, but the same site, so the counselor's Lax session cookie goes along."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Error as PlaywrightError

from counselor.extensions import db
from counselor.models import Counselor
from tests.support import factories
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

LABEL = "Harper & Quinn T."


class HostSystem:
    """A practice-management system's page that frames one address of ours."""

    def __init__(self) -> None:
        self.framed = ""
        host = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name for it
                body = (
                    "<!doctype html><title>Practice manager</title><h1>Practice manager</h1>"
                    f'<iframe title="Homework" src="{host.framed}" width="1000" height="700">'
                    "</iframe>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def host() -> Iterator[HostSystem]:
    system = HostSystem()
    thread = threading.Thread(target=system.server.serve_forever, daemon=True)
    thread.start()
    yield system
    system.server.shutdown()
    system.server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def owner(app) -> Counselor:
    return factories.CounselorFactory()


def allow(counselor: Counselor, origins: str | None) -> None:
    db.session.get(Counselor, counselor.id).practice.frame_ancestors = origins
    db.session.commit()


def open_host(page, host: HostSystem) -> list[str]:
    """Open the host's page; the console messages of the visit (where a refusal shows)."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(host.origin + "/")
    page.get_by_role("heading", name="Practice manager").wait_for()
    page.wait_for_load_state("load")
    return messages


def framed_text(page) -> str:
    frame = next(f for f in page.frames if f is not page.main_frame)
    try:
        return frame.locator("body").inner_text(timeout=2_000)
    except PlaywrightError:  # a refused frame may hold no document to read at all
        return ""


def test_the_couple_page_shows_in_the_frame_of_an_allowed_host_only(page, live_server, owner, host):
    couple = factories.CoupleFactory(counselor=owner, label=LABEL)
    host.framed = f"{live_server}/couples/{couple.id}"
    log_in(page, owner.email, factories.PASSWORD)

    allow(owner, f"{host.origin} https://pm.example.org")
    open_host(page, host)
    framed = page.frame_locator("iframe")
    framed.get_by_role("heading", name=LABEL).wait_for()
    assert framed.get_by_text("Since the last session").count() >= 1

    allow(owner, "https://pm.example.org")
    messages = open_host(page, host)
    page.wait_for_timeout(500)  # a refused frame gets nothing more to load
    assert LABEL not in framed_text(page)
    assert any("frame-ancestors" in text for text in messages), messages

    allow(owner, None)  # the default: no host at all
    messages = open_host(page, host)
    page.wait_for_timeout(500)
    assert LABEL not in framed_text(page)
    assert any("frame-ancestors 'none'" in text for text in messages), messages

    # Opened on its own, the page is as it always was.
    page.goto(f"/couples/{couple.id}")
    page.get_by_role("heading", name=LABEL).wait_for()
