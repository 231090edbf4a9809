"""A partner's *Mark done* near its floor (issue 16): the rules are checked on the rows the
link loaded, the check-in is one ``INSERT … ON CONFLICT DO NOTHING``, and the practice's
webhook endpoints are kept per process under ``practices.webhook_endpoints_version``.

The budget, on SQLite and PostgreSQL alike, a warm process (the first request of a process
reads the practice's endpoints once), besides the COMMIT:

- no webhook endpoint: 4 — the link with its partner, couple, partners and practice; the
  step with the check-in its key may already have; the check-in's INSERT; the audit
  event's INSERT;
- one endpoint subscribed to ``checkin.created``: 5 — the same, and the delivery's INSERT
  (which reads whether the endpoint is held back inside it);
- the same form posted again: 2 SELECTs, no INSERT, nothing written.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import CheckIn, LinkPurpose, WebhookDelivery
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.delivery import webhook_health, webhooks
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows, count_statements, row_counts

BUDGET = 5  # statements besides the COMMIT, with or without one subscribed endpoint
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
ENDPOINTS = re.compile(r"(FROM|JOIN) webhook_endpoints\b")

pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple, times_per_week=3, starts_on=TODAY - timedelta(weeks=2)
    )


@pytest.fixture
def token(partner) -> str:
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    return token


def post(client, token: str, step, key: str):
    response = client.post(
        f"/p/{token}/steps/{step.id}/done",
        data={"checkin_key": f"link:{step.id}:{key}", "when": "0", "comfort": "4"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.location.startswith(f"/p/{token}?done={step.id}")
    return response


def listed(statements: list[str]) -> str:
    return "\n".join(f"{n}. {' '.join(s.split())[:160]}" for n, s in enumerate(statements, 1))


def subscribe(practice_id: int, events: list[str]) -> int:
    """An endpoint through the service (which bumps the practice's version), committed."""
    with tenancy.practice_scope(practice_id):
        endpoint, _secret = webhooks.create_endpoint(
            Actor.system(practice_id), "http://127.0.0.1:9/hook", events
        )
    db.session.commit()
    return endpoint.id


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_mark_done_without_webhooks_sends_four_statements(client, token, step):
    post(client, token, step, "warm")  # a process reads the practice's endpoints once

    with count_statements() as counter:
        post(client, token, step, "counted")

    shown = listed(counter.statements)
    assert counter.count <= BUDGET, f"over the budget of {BUDGET}:\n{shown}"
    writes = [s for s in counter.statements if WRITES.match(s)]
    assert len(writes) == 2, f"the check-in and its audit event only:\n{shown}"
    assert not [s for s in counter.statements if ENDPOINTS.search(s)], shown
    assert counter.count == 4, shown
    assert count_rows(CheckIn) == 2


def test_mark_done_with_a_subscribed_endpoint_adds_only_the_delivery(client, couple, token, step):
    endpoint_id = subscribe(couple.practice_id, ["checkin.created"])
    post(client, token, step, "warm")

    with count_statements() as counter:
        post(client, token, step, "counted")

    shown = listed(counter.statements)
    assert counter.count <= BUDGET, f"over the budget of {BUDGET}:\n{shown}"
    assert [s.split()[2] for s in counter.statements if WRITES.match(s)] == [
        "checkins",
        "audit_events",
        "webhook_deliveries",
    ], shown
    assert [d.endpoint_id for d in deliveries()] == [endpoint_id, endpoint_id]


def test_the_same_form_again_inserts_nothing_and_creates_nothing(client, token, step):
    post(client, token, step, "once")
    [first] = db.session.scalars(sa.select(CheckIn)).all()
    before = row_counts()

    with count_statements() as counter:
        post(client, token, step, "once")

    shown = listed(counter.statements)
    assert not [s for s in counter.statements if WRITES.match(s)], shown
    assert counter.count == 2, shown
    assert row_counts() == before
    assert [c.id for c in db.session.scalars(sa.select(CheckIn))] == [first.id]


def test_a_new_endpoint_gets_the_very_next_event_and_a_disabled_one_none(
    app, client, couple, token, step
):
    """The process keeps the endpoints, but every change in another session — a new
    endpoint, a worker disabling it, an owner enabling it, removing it — reaches the next
    *Mark done* of this one."""
    practice_id = couple.practice_id
    post(client, token, step, "before")  # keeps "no endpoints" for the practice
    assert deliveries() == []

    with app.app_context():  # another session, as another process's request would be
        endpoint_id = subscribe(practice_id, ["checkin.created"])
    post(client, token, step, "subscribed")
    assert [d.endpoint_id for d in deliveries()] == [endpoint_id]

    with app.app_context(), tenancy.practice_scope(practice_id):  # a worker gives up on it
        endpoint = webhooks.get_endpoint(Actor.system(practice_id), endpoint_id)
        assert webhook_health.disable(endpoint, "keeps failing", tell_owners=False)
        db.session.commit()
    post(client, token, step, "disabled")
    assert len(deliveries()) == 1

    with app.app_context(), tenancy.practice_scope(practice_id):
        webhooks.enable_endpoint(Actor.system(practice_id), endpoint_id)
        db.session.commit()
    post(client, token, step, "enabled")
    assert len(deliveries()) == 2

    with app.app_context(), tenancy.practice_scope(practice_id):
        webhooks.delete_endpoint(Actor.system(practice_id), endpoint_id)
        db.session.commit()
    post(client, token, step, "removed")
    assert len(deliveries()) == 2
    assert count_rows(CheckIn) == 5


def test_an_endpoint_for_other_events_costs_the_event_nothing(client, couple, token, step):
    subscribe(couple.practice_id, ["report.ready"])
    post(client, token, step, "warm")

    with count_statements() as counter:
        post(client, token, step, "counted")

    assert counter.count == 4, listed(counter.statements)
    assert deliveries() == []


def test_what_a_transaction_read_after_its_own_change_is_not_kept(app, client, couple, token, step):
    """A change rolled back gives its version number back: what was read under it must not
    answer for the next change that takes the same number."""
    practice_id = couple.practice_id
    with tenancy.practice_scope(practice_id):
        webhooks.create_endpoint(
            Actor.system(practice_id), "http://127.0.0.1:9/gone", ["checkin.created"]
        )
        assert len(webhooks.emit(practice_id, "checkin.created", {"checkin_id": 1})) == 1
    db.session.rollback()

    with app.app_context():  # the next change takes the same version
        subscribe(practice_id, ["report.ready"])
    post(client, token, step, "after")
    assert deliveries() == []
