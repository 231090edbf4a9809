"""The two outboxes as the fault tests drive them: how rows of a kind are written and handed
to workers, where they arrive (a real SMTP server, a real webhook receiver), and how a
worker's log names a row it reclaimed. A fault test takes one through the ``outbox``
fixture (tests/faults/conftest.py) and runs once per kind."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from counselor import task_names, tenancy
from counselor.extensions import db
from counselor.models import EmailKind, OutboxStatus, WebhookDelivery
from counselor.services.audit import Actor
from counselor.services.delivery import mail, webhooks
from counselor.services.delivery.outbox import OutboxKind
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from tests.support.mailserver import RecordingHandler
from tests.support.webhook_receiver import WebhookReceiver

MESSAGE_ID = re.compile(r"<outbox-(\d+)\.")


def rows_not_done(kind: OutboxKind, ids: list[int]) -> int:
    """How many of these rows the other side has not accepted yet, as an operator sees it."""
    db.session.expire_all()
    model = kind.model
    statement = (
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.id.in_(ids), model.status != kind.done_status)
    )
    return db.session.scalar(tenancy.across_practices(statement))


def statuses(kind: OutboxKind) -> list[OutboxStatus]:
    db.session.expire_all()
    return list(db.session.scalars(tenancy.across_practices(sa.select(kind.model.status))))


@dataclass
class EmailOutbox:
    smtp: RecordingHandler
    kind: OutboxKind = mail.EMAILS
    sweep_task: str = task_names.DELIVER_DUE_EMAILS
    worker_settings: dict[str, str] = field(default_factory=dict)  # worker_env has MAIL_*

    def subscribe(self, actor: Actor) -> None:
        """Emails need no subscription: every partner has an address."""

    def write(self, practice_id: int, partner_ids: list[int], round_number: int) -> list[int]:
        """One reminder per partner, as the planner writes them; committed and handed over."""
        ids = mail.insert_planned_emails(
            [
                {
                    "practice_id": practice_id,
                    "partner_id": partner_id,
                    "kind": EmailKind.REMINDER,
                    "dedupe_key": f"reminder:{partner_id}:round-{round_number}",
                }
                for partner_id in partner_ids
            ]
        )
        db.session.commit()
        return ids

    def arrivals(self) -> Counter[int]:
        """Accepted messages per outbox row, read from the stable Message-ID."""
        return Counter(
            int(match.group(1))
            for received in self.smtp.messages
            if (match := MESSAGE_ID.match(received.message["Message-ID"] or ""))
        )

    def forget_arrivals(self) -> None:
        self.smtp.messages.clear()

    def reclaimed(self, worker_log: str) -> set[int]:
        return {int(n) for n in re.findall(r"email (\d+) [^\n]*?reclaimed after", worker_log)}


@dataclass
class WebhookOutbox:
    receiver: WebhookReceiver
    kind: OutboxKind = WEBHOOKS
    sweep_task: str = task_names.DELIVER_DUE_WEBHOOKS
    # A dead worker's deliveries come back after 3 s; the lease must exceed two timeouts.
    worker_settings: dict[str, str] = field(
        default_factory=lambda: {
            "WEBHOOK_CLAIM_LEASE_SECONDS": "3",
            "WEBHOOK_TIMEOUT_SECONDS": "1",
            # The receiver is on 127.0.0.1 over plain http, as in the suite's settings.
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOK_REQUIRE_HTTPS": "false",
        }
    )

    def subscribe(self, actor: Actor) -> None:
        """The practice subscribes the receiver to every event."""
        with tenancy.practice_scope(actor.practice_id):
            _endpoint, self.receiver.secret = webhooks.create_endpoint(
                actor, self.receiver.url, webhooks.EVENTS
            )
        db.session.commit()

    def write(self, practice_id: int, partner_ids: list[int], round_number: int) -> list[int]:
        """One event per partner for the subscribed endpoint; committed and handed over."""
        with tenancy.practice_scope(practice_id):
            ids = [
                delivery_id
                for partner_id in partner_ids
                for delivery_id in webhooks.emit(
                    practice_id, "partner.unsubscribed", {"partner_id": partner_id}
                )
            ]
        db.session.commit()
        return ids

    def arrivals(self) -> Counter[int]:
        """Accepted posts per delivery row, read from the stable webhook-id."""
        by_message = self._row_ids()
        return Counter(by_message[request.message_id] for request in self.receiver.accepted)

    def forget_arrivals(self) -> None:
        self.receiver.requests.clear()

    def reclaimed(self, worker_log: str) -> set[int]:
        by_message = self._row_ids()
        return {by_message[m] for m in re.findall(r"webhook (msg_\w+) reclaimed", worker_log)}

    @staticmethod
    def _row_ids() -> dict[str, int]:
        statement = sa.select(WebhookDelivery.message_id, WebhookDelivery.id)
        return dict(db.session.execute(tenancy.across_practices(statement)).all())


FaultOutbox = EmailOutbox | WebhookOutbox
