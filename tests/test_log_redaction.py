"""What log lines may not carry (issue 12, finding 3; counselor/log_redaction.py): tokens in
URLs, on every route that has one and in werkzeug's request log (``make dev``); the values a
database error quotes; and partner links once a mail server is configured. The whole flow
with canaries, and gunicorn's access log: tests/test_logs_canary.py."""

from __future__ import annotations

import contextlib
import logging
import secrets
import urllib.request
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from counselor.extensions import db
from counselor.log_redaction import LINK_LOGGER, redact_tokens
from counselor.models import EmailKind
from counselor.services.delivery import mail, outbox
from tests.support import factories
from tests.support.mailserver import LINK_PATTERN
from tests.support.web_server import SQLITE_ONLY

TOKEN = "tk_5bQ9-xW2_fake_link_token_Lm7Rz"  # fixed: pytest-xdist workers must agree on ids


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_every_route_that_carries_a_token_in_its_path_is_redacted(app: Flask):
    adapter = app.url_map.bind("homework.example.org", url_scheme="https")
    routes = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert len(routes) >= 8  # /p/<token>… and /u/<token>
    for rule in routes:
        values = {name: TOKEN if name == "token" else "7" for name in rule.arguments}
        for url in (
            adapter.build(rule.endpoint, values),  # a request line's path
            adapter.build(rule.endpoint, values, force_external=True),  # a Referer
        ):
            redacted = redact_tokens(f'"GET {url}?notice=snoozed HTTP/1.1" 200')
            assert TOKEN not in redacted, rule.rule
            assert "/[token]" in redacted, rule.rule


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /launch?token={TOKEN} HTTP/1.1", "GET /launch?token=[token] HTTP/1.1"),
        (f"/launch?next=/couples&token={TOKEN}#x", "/launch?next=/couples&token=[token]#x"),
        (f"/p/{TOKEN}/steps/3/done", "/p/[token]/steps/3/done"),
        (f"Exception on /u/{TOKEN} [POST]", "Exception on /u/[token] [POST]"),
        ("GET /couples/12/pause HTTP/1.1", "GET /couples/12/pause HTTP/1.1"),
    ],
)
def test_tokens_in_request_lines_are_redacted(line, expected):
    assert redact_tokens(line) == expected


@SQLITE_ONLY
@pytest.mark.committed_db
def test_werkzeug_dev_server_log_shows_no_token(app, live_server, every_log):
    """``make dev``'s request log (werkzeug's, the same server as ``live_server``)."""
    for path in (f"/p/{TOKEN}", f"/launch?token={TOKEN}"):
        with contextlib.suppress(urllib.error.HTTPError):  # answered 4xx, and logged
            urllib.request.urlopen(live_server + path, timeout=10)  # noqa: S310 - 127.0.0.1

    lines = [r.getMessage() for r in every_log.records if r.name == "werkzeug"]
    assert any("GET /p/[token] HTTP/1.1" in line for line in lines), lines  # colours around
    assert any("GET /launch?token=[token] HTTP/1.1" in line for line in lines), lines
    assert TOKEN not in every_log.text


def test_a_database_error_is_logged_without_the_values_it_quotes(app, every_log):
    """A unique violation: PostgreSQL's DETAIL repeats the key (``Key (…)=(…) already
    exists``), SQLAlchemy's message the parameters unless hidden. The log keeps the error's
    class, SQLSTATE, constraint and statement."""
    address = f"canary.{secrets.token_hex(6)}@example.org"
    factories.CounselorFactory(email=address)
    duplicate = factories.CounselorFactory.build(email=address, practice_id=None)
    try:
        with db.session.begin_nested():
            db.session.add(duplicate)
            db.session.flush()
    except sa.exc.IntegrityError:
        logging.getLogger("counselor").exception("a request failed")
    else:
        raise AssertionError("the duplicate address was accepted")

    [record] = [r for r in every_log.records if r.getMessage() == "a request failed"]
    text = logging.Formatter().format(record)
    assert "IntegrityError" in text
    assert "INSERT INTO counselors" in text
    assert address not in text
    assert address not in every_log.text


def test_with_a_mail_server_the_worker_logs_no_link(app, smtp, every_log):
    partner = factories.CoupleFactory().partners[0]
    email_id = mail.queue_email(partner, EmailKind.LINK).id
    db.session.commit()

    report = outbox.deliver(mail.EMAILS, [email_id])

    assert report.done == [email_id]
    [received] = smtp.messages
    link = LINK_PATTERN.search(received.text).group(0)
    token = link.rsplit("/", 1)[1]
    lines = [r.getMessage() for r in every_log.records if not r.name.startswith("mail.log")]
    assert not [line for line in lines if token in line]  # (aiosmtpd's own lines left out)
    assert not [r for r in every_log.records if r.name == LINK_LOGGER]
