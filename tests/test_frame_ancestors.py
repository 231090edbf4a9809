"""Framing the dashboard in a host system (Settings › Access, services/accounts/framing.py,
counselor/http_headers.py): what counts as a host origin, how the owner's list is stored
and audited, and which responses name those origins in ``frame-ancestors`` — only the
dashboard's, for a signed-in counselor of that practice; never partner pages or the API."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import session

from counselor import create_app
from counselor.config import ConfigError
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, LinkPurpose
from counselor.services.accounts import framing
from counselor.services.couples import links
from counselor.services.errors import FieldErrors
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.api import make_api_client
from tests.support.helpers import login, row_counts

ALLOWED = "https://pm.example.org http://127.0.0.1:5001"


def frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]+)", policy).group(1)


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://pm.example.org", "https://pm.example.org"),
        ("HTTPS://PM.Example.ORG/", "https://pm.example.org"),
        ("https://pm.example.org:443", "https://pm.example.org"),
        ("https://pm.example.org:8443", "https://pm.example.org:8443"),
        ("http://localhost:5001", "http://localhost:5001"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://[0:0:0:0:0:0:0:1]", "https://[::1]"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("https://10.0.0.7", "https://10.0.0.7"),
    ],
)
def test_an_origin_is_normalized(typed, origin):
    assert framing.normalized_origin(typed) == origin


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("http://pm.example.org", "use https"),
        ("pm.example.org", "write it as https://host"),
        ("https://pm.example.org/embed", "nothing after the domain"),
        ("https://pm.example.org/?a=1", "nothing after the domain"),
        ("https://pm.example.org#top", "nothing after the domain"),
        ("https://*.example.org", "wildcard"),
        ("https://user:pw@pm.example.org", "user name or password"),
        ("https://pm.example.org:99999", "port or host"),
        ("https://pm.example.org:0", "port or host"),
        ("https://-pm.example.org", "not valid"),
        ("javascript:alert(1)", "write it as https://host"),
        ("'self'", "not an address"),
        ("https://pm.example.org;script-src", "one origin a line"),
        ("https://[2001:db8::1]", "IPv6 address"),
        ("https://[2001:db8::1]:8443", "IPv6 address"),
        ("https://[fe80::1%25eth0]", "IPv6 address"),
        ("https://[fe80::1%*]", "IPv6 address"),
        ("https://[::ffff:127.0.0.1]", "IPv6 address"),
        ("https://[::1%25lo]", "IPv6 address"),
    ],
)
def test_what_is_no_origin_is_refused_with_words(typed, words):
    with pytest.raises(framing.NotAnOrigin, match=re.escape(words)):
        framing.normalized_origin(typed)


def test_a_list_is_stored_normalized_once_each_and_empty_is_none():
    problems = FieldErrors()
    typed = "https://PM.example.org\r\n\r\n  http://127.0.0.1:5001 \nhttps://pm.example.org/\n"
    assert framing.checked_frame_ancestors(problems, typed) == ALLOWED
    assert framing.checked_frame_ancestors(problems, " \n ") is None
    assert not problems.errors
    framing.checked_frame_ancestors(problems, "https://ok.example.org\nftp://no\nhttp://no.org")
    assert len(problems.errors[framing.FIELD]) == 2
    too_many = "\n".join(f"https://host-{n}.example.org" for n in range(60))
    framing.checked_frame_ancestors(long := FieldErrors(), too_many)
    assert "characters at most" in " ".join(long.errors[framing.FIELD])


def test_a_stored_value_is_never_trusted_into_the_header():
    assert framing.allowed_origins(None) == []
    assert framing.allowed_origins("https://a.example.org 'unsafe-inline' *; x") == [
        "https://a.example.org"
    ]


def allow(counselor, value: str | None) -> None:
    counselor.practice.frame_ancestors = value
    db.session.commit()


def test_the_dashboard_of_a_practice_that_allows_hosts_names_them(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    default = logged_in.get(f"/couples/{couple.id}")
    assert frame_ancestors(default) == "'none'"
    assert default.headers["X-Frame-Options"] == "DENY"

    allow(counselor, ALLOWED)
    for url in (f"/couples/{couple.id}", "/couples", "/settings/access"):
        response = logged_in.get(url)
        assert response.status_code == 200
        assert frame_ancestors(response) == ALLOWED, url
        assert "X-Frame-Options" not in response.headers, url
        # The rest of the policy stays as it was.
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_everything_else_stays_unframable(app, client, counselor):
    allow(counselor, ALLOWED)
    couple = factories.CoupleFactory(counselor=counselor)
    with unit_of_work():
        token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    api = make_api_client(app, counselor.practice)
    answers = [
        client.get("/login"),  # nobody signed in: no practice to ask
        client.get(f"/p/{token}"),  # a partner page, whatever the practice allows
        api.get("/couples"),
        client.get("/api/v1/docs"),
    ]
    login(client, counselor.email, factories.PASSWORD)
    answers.append(client.get(f"/p/{token}"))  # a counselor's browser on a partner page
    for response in answers:
        assert frame_ancestors(response) == "'none'", response.request.path
        assert response.headers["X-Frame-Options"] == "DENY"


def test_another_practices_counselor_gets_their_own_practices_policy(client, counselor):
    allow(counselor, ALLOWED)
    other = factories.CounselorFactory()
    login(client, other.email, factories.PASSWORD)
    assert frame_ancestors(client.get("/couples")) == "'none'"


def access_form(frame: str) -> dict[str, str]:
    return {
        "access-session_idle_minutes": "30",
        "access-session_max_hours": "12",
        "access-couples_seen": "theirs",
        "access-frame_ancestors": frame,
    }


def test_an_owner_lists_hosts_one_a_line_and_it_is_audited(logged_in, counselor):
    typed = "https://PM.example.org/\r\nhttp://127.0.0.1:5001"
    assert logged_in.post("/settings/access", data=access_form(typed)).status_code == 303
    db.session.expire_all()
    assert counselor.practice.frame_ancestors == ALLOWED
    page = logged_in.get("/settings/access").get_data(as_text=True)
    assert "https://pm.example.org\nhttp://127.0.0.1:5001</textarea>" in page
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "practice.frame_ancestors")
    )
    assert (event.actor_id, event.object_id) == (counselor.id, counselor.practice_id)

    # Saved again unchanged: no second event. Emptied: back to none, audited.
    logged_in.post("/settings/access", data=access_form(typed))
    logged_in.post("/settings/access", data=access_form(""))
    db.session.expire_all()
    assert counselor.practice.frame_ancestors is None
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "practice.frame_ancestors")
    ).all()
    assert len(events) == 2


def test_a_bad_origin_writes_nothing_and_says_why(logged_in, counselor):
    before = row_counts()
    response = logged_in.post(
        "/settings/access", data=access_form("https://ok.example.org\nhttp://pm.example.org")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "use https (plain http only for localhost)" in page
    assert 'id="access-frame_ancestors-error"' in page
    db.session.expire_all()
    assert counselor.practice.frame_ancestors is None
    assert row_counts() == before


def test_only_an_owner_sets_them_and_everyone_reads_them(client, counselor):
    allow(counselor, ALLOWED)
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    login(client, colleague.email, factories.PASSWORD)
    page = client.get("/settings/access").get_data(as_text=True)
    assert "<code>https://pm.example.org</code>" in page
    refused = client.post("/settings/access", data=access_form(""))
    assert refused.status_code == 422
    db.session.expire_all()
    assert counselor.practice.frame_ancestors == ALLOWED


def test_a_cross_site_session_cookie_is_allowed_only_over_https(tmp_path):
    base = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db"}
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SAMESITE=None needs https"):
        create_app({**base, "SESSION_COOKIE_SAMESITE": "None"})
    app = create_app(
        {
            **base,
            "SESSION_COOKIE_SAMESITE": "None",
            "PUBLIC_BASE_URL": "https://homework.example.org",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.test_request_context():
        session["probe"] = 1
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_the_setting_says_in_plain_words_what_it_is_for(logged_in):
    page = html.unescape(logged_in.get("/settings/access").get_data(as_text=True))
    assert "Other websites allowed to show this dashboard inside their own pages" in page
    assert "Only if your practice-management software shows the dashboard inside its screens." in (
        page
    )
    assert "Client pages are never shown inside other sites." in page
