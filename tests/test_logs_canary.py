"""No client text, token or secret in any log line (issue 12, finding 3): canaries planted in
every client field, token and secret, the whole flow run, every log record and every email
scanned (counselor/log_redaction.py). And gunicorn's access log, read from a real server.

What is planted. Client fields, each holding the run's random ``tag``: the counselor's name,
the couple's label and external id (dashboard and API couples), both partners' first names
and email addresses, the step's title and instructions, the session's external id, the
partner's reflection. Secrets, each carrying the tag too: SECRET_KEY, the SMTP password.
Tokens and secrets the service makes itself, collected as they appear: every partner link
and unsubscribe token (read from the emails), the launch secret and launch token, the API
key, the webhook secret.

The flow, in process, every logger at DEBUG (SQLAlchemy's engine too): the dashboard logs in,
creates the couple, assigns a step and adds a session; a link is sent in outbox mode (.eml
files) and one over SMTP (a real aiosmtpd server that requires the SMTP password); the API
creates a couple, lists couples and subscribes a webhook; the outbox tasks the web handed
over run (emails, the webhook to a real receiver, the report); the partner opens the page
and checks in with a reflection; a host launches the dashboard; a report is rendered and
downloaded; and a check-in fails with a database error inside the request (a constraint the
test adds refuses its reflection, so PostgreSQL's error quotes the row).

The rule for logs: no record (its message and its traceback, as a formatter prints them)
holds the tag, nor any token or secret. One exemption, by design: in outbox mode only, the
link line of ``log_redaction.LINK_LOGGER`` shows the partner's link token (make run's way
in); over SMTP that logger writes nothing. Records of the test's own SMTP server (aiosmtpd's
``mail.log``) are not the service's and are left out.

The rule for emails (.eml files and SMTP messages alike): an email to a partner may hold
their own first name, email address and link tokens, the counselor's name and the step's
title (the practice's email settings allow both); nothing else planted — not the other
partner's name, address or tokens, not the reflection, label, external ids, instructions,
and no secret. An email to anyone else holds no planted client field at all.

What comes back from the couple (issue 15), a second test: an acknowledgement's note, a
partner's reply, a counselor's note on a reflection and a weekly check-in item both partners
answered are planted; the couple page, both partner pages and the report read them, the
reminder and digest planners run and an email of every ``EmailKind`` is sent by the outbox
worker. No email holds any of it, nor does any log line.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

import tasks.outbox
import tasks.reminders
import tasks.reports  # noqa: F401
from counselor import log_redaction, task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    Counselor,
    Couple,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
    ReplyKind,
    Report,
    ReportStatus,
    Visibility,
    WebhookEndpoint,
)
from counselor.services.accounts import launch
from counselor.services.couples import links
from counselor.services.delivery import mail, outbox
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.api import make_api_client
from tests.support.helpers import assign_form
from tests.support.launch_tokens import mint
from tests.support.mailserver import LINK_PATTERN, running_smtp_server
from tests.support.send_task import SendTaskRecorder, install_send_task
from tests.support.web_server import SQLITE_ONLY, running_gunicorn
from tests.support.webhook_receiver import running_receiver

TAG = "cnry" + secrets.token_hex(5)
SECRET_KEY = f"secret-key-{TAG}-" + "k" * 32
SMTP_LOGIN = ("homework-sender", f"smtp-password-{TAG}")
TOKEN_IN_LINK = re.compile(r"/[pu]/([A-Za-z0-9_-]{16,})")
TEST_SERVER_LOGGERS = ("mail.log",)  # aiosmtpd, the test's SMTP server
REFUSED = "zq-the-database-refuses-zq"  # in a reflection, makes the test's constraint fail


@pytest.fixture
def app_overrides() -> dict:
    return {
        "SECRET_KEY": SECRET_KEY,
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": True,  # the receiver is on 127.0.0.1, over http
        "WEBHOOK_REQUIRE_HTTPS": False,
        # As in production: an error inside a request is logged and answered, not raised
        # into the test.
        "PROPAGATE_EXCEPTIONS": False,
    }


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, SQLAlchemy's engine included. Requested before ``app``: the
    engine decides whether to log when the test's connection opens."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    yield caplog


class Flow:
    """The pieces of the flow, and what it planted and collected."""

    def __init__(self, app: Flask, tasks: SendTaskRecorder) -> None:
        self.app = app
        self.tasks = tasks
        self.client = app.test_client()
        self.secrets: dict[str, str] = {"SECRET_KEY": SECRET_KEY, "SMTP password": SMTP_LOGIN[1]}
        self.planted: dict[str, str] = {}  # client fields: what → value
        self.partners: dict[str, set[str]] = {}  # email → the planted names of their own data

    def plant(self, what: str, value: str) -> str:
        self.planted[what] = value
        return value

    def run_handed_over_tasks(self) -> None:
        """What a worker would do with the tasks the web handed over, until none are left."""
        celery = self.app.extensions["celery"]
        while self.tasks.calls:
            name, args = self.tasks.calls.pop(0)
            celery.tasks[name].apply(args=args).get(propagate=True)

    def post(self, path: str, data: dict, expected: int = 302):
        response = self.client.post(path, data=data)
        assert response.status_code == expected, (path, response.get_data(as_text=True)[:500])
        return response


def field(label: str) -> str:
    """A planted value: the tag, then a label no other planted value contains."""
    return f"{TAG}{label}"


def test_no_client_field_token_or_secret_reaches_a_log_or_a_wrong_email(
    every_log, app, database_url, monkeypatch, tmp_path
):
    recorder = install_send_task(app, monkeypatch)
    flow = Flow(app, recorder)
    counselor = factories.CounselorFactory(name=flow.plant("counselor name", field("Counselor")))
    tenancy.enter_practice(counselor.practice_id)  # the test's own queries, as the pages'
    flow.post("/login", {"email": counselor.email, "password": factories.PASSWORD})

    # Dashboard: the couple, a step, a session.
    flow.post(
        "/couples/new",
        {
            "label": flow.plant("couple label", field("label")),
            "status": "active",
            "counselor_id": str(counselor.id),
            "external_id": flow.plant("couple external id", field("ext")),
            **partner_fields(flow, 0, "Ann"),
            **partner_fields(flow, 1, "Bob"),
        },
    )
    couple = db.session.scalar(sa.select(Couple).where(Couple.label == field("label")))
    flow.post(
        f"/couples/{couple.id}/assign",
        assign_form(
            title=flow.plant("step title", field("title")),
            instructions=flow.plant("step instructions", field("steptext")),
            send_now="y",
        ),
    )
    tomorrow = timeutil.local_today("America/Chicago") + timedelta(days=1)
    flow.post(
        f"/couples/{couple.id}/sessions/new",
        {
            "day": tomorrow.isoformat(),
            "time": "10:00",
            "external_id": flow.plant("session external id", field("sess")),
        },
    )
    ann, bob = couple.partners

    # A link in outbox mode (.eml files), then one over SMTP.
    assert not app.config.get("MAIL_SERVER")
    flow.post(f"/partners/{ann.id}/send-link", {"send_now": "1"})
    flow.run_handed_over_tasks()
    with running_smtp_server(login=SMTP_LOGIN) as (smtp, port):
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_USERNAME=SMTP_LOGIN[0],
            MAIL_PASSWORD=SMTP_LOGIN[1],
        )
        smtp_mode_starts = len(every_log.records)
        flow.post(f"/partners/{bob.id}/send-link", {"send_now": "1"})
        flow.run_handed_over_tasks()
        smtp_mode_records = every_log.records[smtp_mode_starts:]
    app.config["MAIL_SERVER"] = None
    emails = read_emails(Path(app.config["MAIL_OUTBOX_DIR"]), smtp.messages)
    assert smtp.logins and any(to == bob.email for to, _ in emails), "Bob's link over SMTP"
    tokens = tokens_by_recipient(emails)
    ann_token = homework_token(emails, ann.email)

    # The API: a couple, the list, a webhook subscription.
    api = make_api_client(app, counselor.practice)
    flow.secrets["API key"] = api.key
    created = api.post(
        "/couples",
        json={
            "label": flow.plant("API couple label", field("hostlabel")),
            "external_id": flow.plant("API couple external id", field("hostext")),
            "partners": [
                {
                    "first_name": flow.plant("API partner name", field("Cid")),
                    "email": flow.plant("API partner email", f"cid.{TAG}@example.org"),
                    "timezone": "Europe/Berlin",
                },
                {
                    "first_name": flow.plant("API partner name 2", field("Dee")),
                    "email": flow.plant("API partner email 2", f"dee.{TAG}@example.org"),
                    "timezone": "Europe/Berlin",
                },
            ],
        },
    )
    assert created.status_code == 201, created.get_json()
    assert api.get("/couples").status_code == 200
    with running_receiver() as receiver:
        subscribed = api.post(
            "/webhooks", json={"url": receiver.url, "events": ["checkin.created"]}
        )
        assert subscribed.status_code == 201, subscribed.get_json()
        flow.secrets["webhook secret"] = receiver.secret = subscribed.get_json()["secret"]

        # The partner's page and check-in; the webhook it causes goes out.
        partner_page = flow.client.get(f"/p/{ann_token}")
        assert partner_page.status_code == 200
        assignment_id = couple_assignment_id(couple)
        flow.post(
            f"/p/{ann_token}/steps/{assignment_id}/done",
            {
                "checkin_key": f"link:{assignment_id}:{secrets.token_hex(4)}",
                "when": "0",
                "comfort": "4",
                "reflection": flow.plant("reflection", field("reflection: the dishes again")),
            },
        )
        flow.run_handed_over_tasks()
        assert len(receiver.accepted) == 1

    # A host launches the dashboard; a report is rendered and downloaded.
    with unit_of_work():
        flow.secrets["launch secret"] = launch.rotate_launch_secret(counselor.practice)
    flow.secrets["launch token"] = mint(flow.secrets["launch secret"], counselor.email)
    assert flow.client.get(f"/launch?token={flow.secrets['launch token']}").status_code == 302
    flow.post(f"/couples/{couple.id}/reports", {})
    flow.run_handed_over_tasks()
    report = db.session.scalar(sa.select(Report).where(Report.couple_id == couple.id))
    assert report.status == ReportStatus.READY
    assert flow.client.get(f"/reports/{report.id}/pdf").status_code == 200

    # A database error inside a request, its parameters and PostgreSQL's DETAIL carrying a
    # reflection.
    refuse_marked_reflections(database_url)
    failed = flow.client.post(
        f"/p/{ann_token}/steps/{assignment_id}/done",
        data={
            "checkin_key": f"link:{assignment_id}:{secrets.token_hex(4)}",
            "when": "0",
            "reflection": flow.plant("refused reflection", field(f"refused: {REFUSED}")),
        },
    )
    assert failed.status_code != 302  # not saved; how it answers is the error pages' part
    db.session.rollback()

    # The scan.
    records = [r for r in every_log.records if not r.name.startswith(TEST_SERVER_LOGGERS)]
    assert any("IntegrityError" in line for line in logged_lines(records)), "the error was logged"
    assert not [r for r in smtp_mode_records if r.name == log_redaction.LINK_LOGGER]
    every_token = {t for found in tokens.values() for t in found}
    forbidden_in_logs = {**flow.secrets, **{f"token {t[:6]}…": t for t in every_token}}
    for record, line in zip(records, logged_lines(records), strict=True):
        assert TAG not in line, f"a planted value in a log line: {line[:300]}"
        for name, value in forbidden_in_logs.items():
            if record.name == log_redaction.LINK_LOGGER and value in every_token:
                continue  # outbox mode's link line, by design
            assert value not in line, f"{name} in a log line: {line[:300]}"
    assert_emails_hold_only_their_recipients_data(emails, flow, tokens)


def partner_fields(flow: Flow, index: int, name: str) -> dict[str, str]:
    """The dashboard form's fields for one partner, planted; the partner may find their own
    name and address in their emails, with the counselor's name and the step's title."""
    first_name = flow.plant(f"{name}'s first name", field(name))
    address = flow.plant(f"{name}'s email", f"{name.lower()}.{TAG}@example.org")
    flow.partners[address] = {
        f"{name}'s first name",
        f"{name}'s email",
        "counselor name",
        "step title",
    }
    prefix = f"partners-{index}-"
    values = {
        "first_name": first_name,
        "email": address,
        "timezone": "America/Chicago",
        "reminder_hour": "18",
        "quiet_start_hour": "21",
        "quiet_end_hour": "8",
    }
    return {prefix + key: value for key, value in values.items()}


def couple_assignment_id(couple: Couple) -> int:
    [assignment_id] = db.session.scalars(
        sa.select(Assignment.id).where(Assignment.couple_id == couple.id)
    )
    return assignment_id


def refuse_marked_reflections(database_url: str) -> None:
    """A rule the database enforces and the app does not know: a check-in whose reflection
    holds ``REFUSED`` fails on insert (undone with the test's transaction)."""
    if database_url.startswith("postgresql"):
        statement = (
            "ALTER TABLE checkins ADD CONSTRAINT canary_refused "
            f"CHECK (reflection NOT LIKE '%{REFUSED}%') NOT VALID"
        )
    else:
        statement = (
            "CREATE TRIGGER canary_refused BEFORE INSERT ON checkins "
            f"WHEN NEW.reflection LIKE '%{REFUSED}%' "
            "BEGIN SELECT RAISE(ABORT, 'canary_refused'); END"
        )
    db.session.execute(sa.text(statement))
    db.session.commit()


def logged_lines(records: list[logging.LogRecord]) -> list[str]:
    """Each record as a handler prints it: message and traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


def read_emails(outbox_dir: Path, received: list) -> list[tuple[str, str]]:
    """(recipient, whole message as text) of every .eml written and every SMTP message."""
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox_dir.glob("*.eml"))
    ]
    messages += [mail.message for mail in received]
    return [(str(m["To"].addresses[0].addr_spec), message_text(m)) for m in messages]


def message_text(message: email.message.EmailMessage) -> str:
    parts = [f"{name}: {value}" for name, value in message.items()]
    parts += [part.get_content() for part in message.walk() if not part.is_multipart()]
    return "\n".join(parts)


def tokens_by_recipient(emails: list[tuple[str, str]]) -> dict[str, set[str]]:
    tokens: dict[str, set[str]] = {}
    for to, text in emails:
        tokens.setdefault(to, set()).update(TOKEN_IN_LINK.findall(text))
    return tokens


def homework_token(emails: list[tuple[str, str]], to: str) -> str:
    """The token of the newest homework link emailed to ``to``."""
    for recipient, text in reversed(emails):
        if recipient == to and (link := LINK_PATTERN.search(text)):
            return link.group(0).rsplit("/", 1)[1]
    raise AssertionError(f"no homework link emailed to {to}")


def assert_emails_hold_only_their_recipients_data(
    emails: list[tuple[str, str]], flow: Flow, tokens: dict[str, set[str]]
) -> None:
    assert {to for to, _ in emails} >= set(flow.partners), "each partner got an email"
    for to, text in emails:
        allowed = flow.partners.get(to, set())
        for what, value in flow.planted.items():
            if what not in allowed:
                assert value not in text, f"{what} in an email to {to}"
        for name, value in flow.secrets.items():
            assert value not in text, f"{name} in an email to {to}"
        for other, their_tokens in tokens.items():
            if other != to:
                assert not their_tokens & set(TOKEN_IN_LINK.findall(text)), to


# What comes back from the couple (issue 15): the other partner's acknowledgement note and
# reply, the counselor's note, the weekly check-in. Emails of every kind are composed and
# sent by the outbox worker while the couple has all of them; none carries any.
# The kinds sent to a partner; "your counselor replied" never holds the note.
PARTNER_KINDS = {
    EmailKind.NEW_STEP,
    EmailKind.LINK,
    EmailKind.REMINDER,
    EmailKind.COUNSELOR_REPLIED,
}


def test_acknowledgements_replies_and_weekly_answers_reach_no_email_or_log(
    every_log, app, clock, monkeypatch
):
    """Planted: the shared reflection, Bob's acknowledgement note on Ann's leaning act and
    his reply to her reflection, the counselor's note on it, and a weekly check-in item
    both partners answered (a 1–5 score can't be a canary: the item's words and labels
    stand for its presence). The pages and the report that show them are opened, the
    reminder and digest planners run, and an email of every kind is sent; no email and
    no log line holds any of it."""
    flow = Flow(app, install_send_task(app, monkeypatch))
    counselor = factories.CounselorFactory()
    practice = counselor.practice
    practice.email_detail = EmailDetail.TITLES  # the most an email to a partner may say
    practice.email_names_counselor = True
    practice.email_counselor_replies = True
    tenancy.enter_practice(practice.id)
    couple = factories.CoupleFactory(counselor=counselor, weekly_checkin=True)
    ann, bob = couple.partners
    today = timeutil.local_today(ann.timezone)
    step = factories.AssignmentFactory(
        couple=couple, leans_on_partner=True, starts_on=today - timedelta(days=3)
    )
    session = factories.SessionFactory(couple=couple, starts_at=clock.now + timedelta(days=1))
    leaned = factories.CheckInFactory(
        assignment=step,
        partner=ann,
        occurred_on=today,
        comfort=4,
        reflection=flow.plant("reflection", field("reflection")),
        visibility=Visibility.SHARED,
    )
    factories.make_acknowledgement(
        leaned, felt_valued=5, note=flow.plant("acknowledgement note", field("ack"))
    )
    factories.make_reflection_reply(leaned, body=flow.plant("partner reply", field("reply")))
    factories.make_reflection_reply(
        leaned, ReplyKind.COUNSELOR, body=flow.plant("counselor note", field("cnote"))
    )
    item = factories.make_weekly_item(
        key=flow.plant("weekly item key", field("-item")),
        text=flow.plant("weekly item", field("item: I decided alone")),
        low_label=flow.plant("weekly low label", field("never")),
        high_label=flow.plant("weekly high label", field("always")),
    )
    this_week = timeutil.week_start(today)
    for partner, scores in ((ann, (2, 3)), (bob, (5, 4))):
        for weeks_back, score in enumerate(scores):
            week = this_week - timedelta(weeks=weeks_back)
            factories.make_weekly_answer(partner, item, week, score)

    # Where they are read: the couple page, each partner's page, the report.
    flow.post("/login", {"email": counselor.email, "password": factories.PASSWORD})
    couple_page = flow.client.get(f"/couples/{couple.id}")
    assert couple_page.status_code == 200
    assert field("reflection") in couple_page.get_data(as_text=True), "the page read them"
    with unit_of_work():
        tokens = [links.issue_link(p, LinkPurpose.HOMEWORK) for p in (ann, bob)]
    for token in tokens:
        assert flow.client.get(f"/p/{token}").status_code == 200
    flow.post(f"/couples/{couple.id}/reports", {"session_id": str(session.id)})
    flow.run_handed_over_tasks()
    report = db.session.scalar(sa.select(Report).where(Report.couple_id == couple.id))
    assert report.status == ReportStatus.READY

    # The workers: reminders and digests planned, then an email of every kind sent.
    celery = app.extensions["celery"]
    for task in (task_names.PLAN_REMINDERS, task_names.PLAN_COUNSELOR_DIGESTS):
        celery.tasks[task].apply().get(propagate=True)
    with unit_of_work():
        queue_every_kind(couple, counselor)
    flow.run_handed_over_tasks()

    outcomes = db.session.execute(
        sa.select(OutboxEmail.kind, OutboxEmail.status, OutboxEmail.last_error)
    ).all()
    sent = {kind for kind, status, _ in outcomes if status == OutboxStatus.SENT}
    assert sent == set(EmailKind), f"an email of every kind was sent: {outcomes}"
    emails = read_emails(Path(app.config["MAIL_OUTBOX_DIR"]), [])
    assert len(emails) == len(outcomes)
    for to, text in emails:
        for what, value in flow.planted.items():
            assert value not in text, f"{what} in an email to {to}"
    for line in logged_lines(every_log.records):
        assert TAG not in line, f"a planted value in a log line: {line[:300]}"


def queue_every_kind(couple: Couple, counselor: Counselor) -> None:
    """One email of each kind about ``couple``: the partner's kinds to its first partner,
    the counselor's to ``counselor`` (an invitation to a colleague not yet joined, a
    disabled webhook's notice about an endpoint of the practice)."""
    partner = couple.partners[0]
    endpoint = WebhookEndpoint(
        practice_id=counselor.practice_id,
        url="https://hooks.example.org/in",
        secret="whsec_" + "A" * 43 + "=",
        events="acknowledgement.created",
        active=False,
        disabled_reason="It answered 500 ten times in a row.",
    )
    db.session.add(endpoint)
    db.session.flush()
    invited = factories.CounselorFactory(practice=counselor.practice, joined_at=None)
    for kind in EmailKind:
        if kind in PARTNER_KINDS:
            mail.queue_email(partner, kind)
        elif kind == EmailKind.COUNSELOR_INVITE:
            mail.queue_counselor_email(invited, kind)
        elif kind == EmailKind.WEBHOOK_DISABLED:
            disabled = OutboxEmail(
                practice_id=counselor.practice_id,
                counselor_id=counselor.id,
                kind=kind,
                webhook_endpoint_id=endpoint.id,
            )
            db.session.add(disabled)
            db.session.flush()
            outbox.hand_over(mail.EMAILS, [disabled.id])
        else:
            mail.queue_counselor_email(counselor, kind)


@SQLITE_ONLY
@pytest.mark.committed_db
def test_gunicorn_access_log_shows_no_token(app, counselor, tmp_path):
    """make run's access log (gunicorn, ``--access-logfile -``): request lines and the
    Referer a partner page's assets are fetched with show ``[token]``, never the token."""
    couple = factories.CoupleFactory(counselor=counselor)
    with unit_of_work():
        homework = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
        unsubscribe = links.issue_link(couple.partners[0], LinkPurpose.UNSUBSCRIBE)
        launch_secret = launch.rotate_launch_secret(counselor.practice)
    launch_token = mint(launch_secret, counselor.email)

    with running_gunicorn(app, tmp_path / "gunicorn.log") as server:
        answers = [
            server.get(f"/p/{homework}")[0],
            server.get("/static/app.css", headers={"Referer": f"{server.url}/p/{homework}"})[0],
            server.get(f"/u/{unsubscribe}")[0],
            server.get(f"/launch?token={launch_token}")[0],
        ]
    log = server.output()

    assert answers == [200, 200, 200, 302]
    for token in (homework, unsubscribe, launch_token):
        assert token not in log
    assert '"GET /p/[token] HTTP/1.1" 200' in log
    assert f'"{server.url}/p/[token]"' in log  # the Referer
    assert '"GET /u/[token] HTTP/1.1" 200' in log
    assert '"GET /launch?token=[token] HTTP/1.1" 302' in log
