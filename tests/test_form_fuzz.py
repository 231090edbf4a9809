"""Hostile values in every field of every dashboard and partner form (issue 12, "a form
fuzzer"): never a 500, and nothing written when the answer refuses.

How the forms are found, so that a new one is fuzzed without being listed here: the test
builds a practice with one of everything a page offers a form for (steps active and ended,
sessions upcoming and removed, a check-in, an API key, a webhook, a paused couple, revoked
links, a partner who stopped emails), then crawls every page a counselor and a partner reach
by links — GETs, which change nothing — and parses each POST form as a browser would send
it. Each form's action is matched to its route in ``app.url_map``; every POST route of the
two blueprints must have been found (``test_every_post_route_has_a_form_on_some_page``).

Each case posts a form as its page has it with one field — then every field at once —
replaced by a hostile value, with the CSRF check on. It runs inside a SAVEPOINT rolled back
afterwards, so every case starts from the same rows, and a success (a value that is
legitimately valid) spoils no later case. The answer must be below 500; a refusal (4xx,
or a redirect flashing an error) must leave every table's row count as it was.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote_plus, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, RequestRedirect

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    AssignmentStatus,
    CounselorRole,
    CoupleStatus,
    LinkPurpose,
    PasskeyCredential,
    ReminderCadence,
    ReplyKind,
    Visibility,
    WebhookEndpoint,
)
from counselor.models.practice_ladder import PracticeTemplate
from counselor.services.accounts import api_keys, sessions
from counselor.services.audit import Actor
from counselor.services.couples import calendar_feed, links
from counselor.services.homework import practice_ladder_edits
from counselor.services.homework.practice_ladder_input import StepInput
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock")

# Each of these alone in every field, the rest of the form as its page filled it in …
EACH_FIELD = {"nul": "a\x00b", "100k characters": "x" * 100_000, "2**63": str(2**63)}
# … these too in a field whose value is a date …
DATE_FIELD = {"0001-01-01": "0001-01-01", "9999-12-31": "9999-12-31"}
# … and each of these in every field at once (the CSRF token kept).
EVERY_FIELD = {
    "lone surrogate": "\ud800",
    "2**31": str(2**31),
    "-1": "-1",
    "0001-01-01": "0001-01-01",
    "9999-12-31": "9999-12-31",
    "empty": "",
    "rtl and sql": "\u202e' OR 1=1; DROP TABLE couples; --\u202c",
}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
BLUEPRINTS = ("dashboard", "partner")
# POST routes no page links to a form of, and why; every other one must be found.
NOT_ON_ANY_PAGE = {
    "dashboard.login": "the fuzzer is logged in; tests/dashboard/test_auth.py posts it",
    "partner.unsubscribe": "mail programs post it (List-Unsubscribe); no CSRF, no fields",
    "dashboard.second_factor_challenge": "the fuzzer's session owes no second factor; "
    "tests/dashboard/test_two_factor.py posts it",
    "dashboard.two_factor_app_remove": "offered once an app is set up (the world's is still "
    "being set up); tests/dashboard/test_two_factor.py posts it",
    **{
        endpoint: "JSON that static/passkeys.js posts; tests/dashboard/test_two_factor.py"
        for endpoint in (
            "dashboard.passkey_registration_options",
            "dashboard.passkey_register",
            "dashboard.second_factor_passkey_options",
            "dashboard.second_factor_passkey",
            "dashboard.passkey_sign_in_options",
            "dashboard.passkey_sign_in",
        )
    },
    "dashboard.forgot_password": "the fuzzer is logged in; tests/dashboard/test_passwords.py",
    "dashboard.reset_password": "opened from an emailed token; tests/dashboard/test_passwords.py",
    "dashboard.accept_invite": "opened from an emailed token; tests/dashboard/test_passwords.py",
}
PAGES_PER_ROUTE = 2  # pages crawled per GET route: enough to find each form it shows


@dataclass
class PageForm:
    """A POST form as a browser would send it: its action, every field it declares and
    the values the page filled in."""

    action: str
    names: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # an input's type, by name
    endpoint: str = ""

    def signature(self) -> tuple[str, tuple[str, ...]]:
        return self.endpoint, tuple(sorted(set(self.names)))


class FormsAndLinks(HTMLParser):
    """The POST forms and the local links of one page."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.links: list[str] = []
        self._form: PageForm | None = None
        self._select: tuple[str, list[str]] | None = None  # name, [selected or first value]
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            is_post = a.get("method", "get").lower() == "post"
            self._form = (
                PageForm(urljoin(self.page_url, a.get("action") or "")) if is_post else None
            )
        elif tag == "option" and self._select is not None:
            chosen = self._select[1]
            if "selected" in a or not chosen:
                chosen[:] = [a.get("value", "")]
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = (a["name"], [])
            self._form.names.append(a["name"])
        elif tag == "textarea":
            self._textarea = (a["name"], [])
            self._form.names.append(a["name"])

    def _input(self, a: dict[str, str]) -> None:
        assert self._form is not None
        kind = a.get("type", "text").lower()
        if kind in ("submit", "button", "reset", "image"):
            return
        self._form.names.append(a["name"])
        self._form.kinds[a["name"]] = kind
        if kind in ("checkbox", "radio"):
            if "checked" in a:
                self._form.values.append((a["name"], a.get("value") or "on"))
        else:
            self._form.values.append((a["name"], a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.values.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, chosen = self._select
            if chosen:
                self._form.values.append((name, chosen[-1]))
            self._select = None


def endpoint_of(adapter: MapAdapter, url: str, method: str) -> str | None:
    parts = urlsplit(url)
    try:
        endpoint, _args = adapter.match(parts.path, method=method, query_args=parts.query)
    except (HTTPException, RequestRedirect):
        return None
    return endpoint


def crawl(app: Flask, client: FlaskClient, starts: list[str]) -> list[PageForm]:
    """Every distinct POST form (by route and field names) on the pages reachable from
    ``starts`` by local links, at most ``PAGES_PER_ROUTE`` pages per GET route."""
    adapter = app.url_map.bind("localhost")
    queue, seen, per_route = deque(starts), set(), Counter()
    per_route.subtract(endpoint_of(adapter, url, "GET") for url in starts)  # always visited
    forms: dict[tuple[str, tuple[str, ...]], PageForm] = {}
    while queue:
        url = queue.popleft()
        endpoint = endpoint_of(adapter, url, "GET")
        if url in seen or endpoint is None or endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        seen.add(url)
        if per_route[endpoint] >= PAGES_PER_ROUTE:
            continue
        per_route[endpoint] += 1
        response = client.get(url)  # a 404 page may offer a form too (a fresh link)
        if response.status_code >= 500 or response.mimetype != "text/html":
            continue
        parser = FormsAndLinks(url)
        parser.feed(response.get_data(as_text=True))
        queue.extend(parser.links)
        for form in parser.forms:
            form.endpoint = endpoint_of(adapter, form.action, "POST") or ""
            if form.endpoint.split(".")[0] in BLUEPRINTS:
                forms.setdefault(form.signature(), form)
    return list(forms.values())


# --- the practice the pages are drawn from ---------------------------------------------


@dataclass
class World:
    starts: list[str]


@pytest.fixture
def world(app, counselor, actor) -> World:
    """One of everything a page offers a form for, in ``counselor``'s practice."""
    couple = factories.CoupleFactory(counselor=counselor)
    couple.weekly_checkin = True  # the partner's page links to the weekly check-in's form
    first, second = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=2))
    factories.AssignmentFactory(
        couple=couple,
        title="Ended",
        status=AssignmentStatus.CANCELLED,
        ended_at=timeutil.utcnow(),
        ended_on=TODAY,
    )
    factories.CheckInFactory(
        assignment=step,
        partner=first,
        occurred_on=TODAY - timedelta(days=1),
        reflection="I asked for a lift.",
        visibility=Visibility.SHARED,
    )
    # Replies (issue 15): the other partner's shared reflections, one to reply to and one
    # replied to (Take back my reply); the counselor's notes, one live (Remove note) and one
    # removed (Restore).
    theirs, replied = (
        factories.CheckInFactory(
            assignment=step,
            partner=second,
            occurred_on=TODAY - timedelta(days=days),
            reflection="I noticed.",
            visibility=Visibility.SHARED,
        )
        for days in (1, 2)
    )
    factories.make_reflection_reply(replied)
    factories.make_reflection_reply(theirs, ReplyKind.COUNSELOR, body="Thank you.")
    factories.make_reflection_reply(
        replied, ReplyKind.COUNSELOR, body="Noted.", removed_at=timeutil.utcnow()
    )
    # The leaned-on partner (issue 15): the other partner leaned on ``first`` twice; one act
    # awaits an answer (the invitation's form), the other has one ``first`` shared (Stop
    # sharing).
    leaning = factories.AssignmentFactory(couple=couple, leans_on_partner=True)
    _awaiting_answer, answered = (
        factories.CheckInFactory(
            assignment=leaning, partner=second, occurred_on=TODAY - timedelta(days=days)
        )
        for days in (1, 2)
    )
    factories.make_acknowledgement(answered, partner=first, visibility=Visibility.SHARED)
    factories.SessionFactory(couple=couple, starts_at=timeutil.utcnow() + timedelta(days=3))
    factories.SessionFactory(couple=couple, removed_at=timeutil.utcnow())
    second.unsubscribed_at = timeutil.utcnow()  # the couple page offers to resume emails
    # Eased to gentle by the adaptive cadence: the couple page offers the practice's back.
    first.reminder_cadence, first.cadence_lowered_at = ReminderCadence.GENTLE, timeutil.utcnow()
    revoked = factories.CoupleFactory(counselor=counselor)
    links.issue_link(revoked.partners[0], LinkPurpose.HOMEWORK)
    links.revoke_couple_links(actor, revoked.id)  # its page offers to restore them
    paused = factories.CoupleFactory(counselor=counselor, status=CoupleStatus.PAUSED)
    api_keys.create_api_key(Actor.for_counselor(counselor), "Practice manager")
    for active in (True, False):  # a disabled one: the page offers to enable it again
        db.session.add(
            WebhookEndpoint(
                practice_id=counselor.practice_id,
                url="https://hooks.example.org/homework",
                secret="whsec_" + "A" * 32,
                events="checkin.created",
                active=active,
                disabled_reason=None if active else "It kept timing out.",
            )
        )
    _changed_ladder(counselor)
    token = links.issue_link(first, LinkPurpose.HOMEWORK)
    # A partner whose reminders are paused: their page offers Resume now instead of Pause.
    snoozing = factories.CoupleFactory(counselor=counselor).partners[0]
    snoozing.snoozed_until = timeutil.utcnow() + timedelta(days=3)
    snoozing_token = links.issue_link(snoozing, LinkPurpose.HOMEWORK)
    unsubscribe = links.issue_link(first, LinkPurpose.UNSUBSCRIBE)
    # Settings › Counselors: a colleague to deactivate, one invited, one deactivated.
    for joined, active in ((True, True), (False, True), (True, False)):
        factories.CounselorFactory(
            practice=counselor.practice,
            role=CounselorRole.COUNSELOR,
            joined_at=timeutil.utcnow() if joined else None,
            active=active,
        )
    # Signed in on another browser too: Settings › Security offers to end that session.
    sessions.start(counselor, ip="192.0.2.7", user_agent="Firefox/125.0", second_factor_done=True)
    # A calendar feed: Settings › Your account offers a new address and Stop the feed.
    calendar_feed.create_feed(counselor)
    # Two-step sign-in: an app being set up, and a passkey to rename or remove.
    counselor.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    db.session.add(
        PasskeyCredential(
            practice_id=counselor.practice_id,
            counselor_id=counselor.id,
            credential_id="fuzzed-passkey",
            public_key=b"\x00",
            name="Laptop",
        )
    )
    db.session.commit()
    return World(
        starts=[
            "/couples",
            *(f"/couples/{c.id}" for c in (couple, revoked, paused)),
            "/ladder",
            "/settings",
            "/settings/practice",
            "/settings/api-keys",
            "/settings/webhooks",
            "/settings/security/two-factor",
            "/settings/security/two-factor/app",
            "/settings/security",
            f"/p/{token}",
            f"/p/{snoozing_token}",
            "/p/no-such-link",  # the page offering a fresh link
            f"/u/{unsubscribe}",
        ]
    )


def _changed_ladder(counselor) -> None:
    """The practice's ladder (issue 17) with a form for every change on its page: its text
    for a step the base changed since (Keep ours, Restore the base text), a step whose base
    text was restored (Undo), a retired step (Bring back), its note for a rung (Go back to
    the base note)."""
    words = StepInput("Our words", "Our instructions.", 2, "each")
    practice_ladder_edits.save_step(counselor, "hand-over-a-chore", words)
    changed = db.session.scalar(
        sa.select(PracticeTemplate).where(PracticeTemplate.key == "hand-over-a-chore")
    )
    changed.base_version = 0  # written against a base older than the ladder's
    practice_ladder_edits.save_step(counselor, "share-a-minor-worry", words)
    practice_ladder_edits.restore_base(counselor, "share-a-minor-worry")
    practice_ladder_edits.retire_step(counselor, "ask-opinion-work-email")
    practice_ladder_edits.save_rung_note(counselor, factories.rung(2).id, "Our note.")


@pytest.fixture
def forms(app, logged_in, world) -> list[PageForm]:
    """The forms of ``world``'s pages, with their CSRF tokens. From here on the app answers
    as in production: the CSRF check on (the suite logs in with it off), and a crash a 500
    page, which the case reports, rather than an exception in the test."""
    app.config.update(WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False)
    return crawl(app, logged_in, world.starts)


# --- the cases ---------------------------------------------------------------------------


def row_counts() -> tuple[int, ...]:
    """Rows of every table, in one statement on the test's connection."""
    counts = [
        sa.select(sa.func.count()).select_from(table).scalar_subquery()
        for table in db.metadata.sorted_tables
    ]
    return tuple(db.engines[None].execute(sa.select(*counts)).one())


def encoded(values: list[tuple[str, str]]) -> bytes:
    """The form body as a browser would send it, a lone surrogate as its UTF-8-like bytes."""
    return "&".join(
        f"{quote_plus(name)}={quote_plus(value.encode('utf-8', 'surrogatepass'))}"
        for name, value in values
    ).encode("ascii")


def cases(form: PageForm) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The form with one field replaced by each hostile value, then every field but the
    CSRF token at once. A repeated subform (the couple form's second partner) is fuzzed
    through its first entry: the same fields, the same checks."""
    names = [n for n in dict.fromkeys(form.names) if not re.match(r"\w+-[1-9]\d*-", n)]
    page_values = dict(form.values)
    tokens = [n for n in names if n.endswith("csrf_token")]  # a prefixed form's: "key-csrf_token"
    for name in names:
        hostile = dict(EACH_FIELD)
        if name in tokens:
            hostile = {"nul": EACH_FIELD["nul"]}  # any other token is refused the same way
        elif form.kinds.get(name) in ("date", "time") or ISO_DAY.match(page_values.get(name, "")):
            hostile |= DATE_FIELD
        for label, value in hostile.items():
            yield f"{name}={label}", [(n, v) for n, v in form.values if n != name] + [(name, value)]
    kept = [(n, v) for n, v in form.values if n in tokens]
    if set(names) == set(tokens):
        return  # no field but the token: "every field" is the page's own post
    for label, value in EVERY_FIELD.items():
        yield f"every field={label}", kept + [(n, value) for n in names if n not in tokens]


def run(
    client: FlaskClient, form: PageForm, values: list[tuple[str, str]], rows: tuple[int, ...]
) -> str | None:
    """Post one case inside a SAVEPOINT that is rolled back; what went wrong, or None.
    ``rows``: every table's row count before it, the same for every case."""
    db.session.commit()  # the session's own SAVEPOINT, so that ours nests inside nothing
    savepoint = db.engines[None].begin_nested()
    cookie_name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name)  # the login, which a case may end (logout)
    try:
        try:
            response = client.post(
                form.action, data=encoded(values), content_type="application/x-www-form-urlencoded"
            )
        except Exception as error:  # the error page itself failed, and Flask re-raised
            return f"raised {type(error).__name__} while answering"
        with client.session_transaction() as session:
            flashed = session.get("_flashes", [])
        refused = response.status_code >= 400 or any(kind == "error" for kind, _ in flashed)
        wrote = refused and row_counts() != rows
    finally:
        db.session.rollback()
        savepoint.rollback()
        db.session.expire_all()
        if cookie is not None:
            client.set_cookie(cookie_name, cookie.value)
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    if wrote:
        return f"refused ({response.status_code}) but wrote rows"
    return None


def fuzz(client: FlaskClient, forms: list[PageForm], blueprint: str) -> list[str]:
    problems = []
    db.session.commit()
    rows = row_counts()  # every case is rolled back: each starts from these
    for form in forms:
        if not form.endpoint.startswith(blueprint + "."):
            continue
        for label, values in cases(form):
            problem = run(client, form, values, rows)
            if problem:
                problems.append(f"{form.endpoint} ({form.action}) {label}: {problem}")
    return problems


def test_every_post_route_has_a_form_on_some_page(app, forms):
    found = {form.endpoint for form in forms}
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint.split(".")[0] in BLUEPRINTS
    }

    assert sorted(routes - found - set(NOT_ON_ANY_PAGE)) == []
    assert set(NOT_ON_ANY_PAGE) <= routes  # nothing listed that no longer exists


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_hostile_value_makes_a_500_or_writes_when_refused(logged_in, forms, blueprint):
    assert [f for f in forms if f.endpoint.startswith(blueprint + ".")]
    assert fuzz(logged_in, forms, blueprint) == []
