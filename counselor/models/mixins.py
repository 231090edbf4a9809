"""Behaviour shared by several models."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counselor.models.types import UTCDateTime, enum_column, now_utc


class PracticeOwned:
    """A row that belongs to one practice through its own ``practice_id`` column.

    Every ORM query on such a model is scoped to the acting practice by
    ``counselor/tenancy.py``; a model joins that rule by naming this class as a base and
    declaring its ``practice_id`` (with its own index and nullability)."""

    # Every model declares its own mapped ``practice_id``, which wins. At run time this column
    # is only what the tenancy criteria's lambda sees when SQLAlchemy first calls it with this
    # class itself; to the type checker it is the widest of the models' declarations (an audit
    # event may belong to no practice).
    if TYPE_CHECKING:
        practice_id: Mapped[int | None]
    else:
        practice_id = sa.Column(sa.Integer)


class OutboxStatus(enum.StrEnum):
    """Where an outbox row is in its life, for every kind of outbox (emails, webhooks).

    The success state keeps the word each kind has always stored — an email is *sent* when
    the mail server accepted it, a webhook *delivered* when its receiver answered 2xx — so
    no stored row had to change when the two enums became one."""

    PENDING = "pending"  # waiting for a worker, or for the time of its next attempt
    SENDING = "sending"  # claimed by a worker; claimable again once its lease has run out
    SENT = "sent"  # an email the mail server accepted
    DELIVERED = "delivered"  # a webhook its receiver acknowledged
    FAILED = "failed"  # permanently refused, or out of attempts: shown, never retried
    CANCELLED = "cancelled"  # no longer wanted when its turn came (e.g. "stop emails")


class OutboxMixin(PracticeOwned):
    """The columns every outbox row needs to be claimed, sent once, retried and given up
    on by the outbox engine (``counselor/services/delivery/outbox.py``). A model adds what
    its kind sends (recipient, payload) and keeps its own ``practice_id`` and indexes."""

    if TYPE_CHECKING:  # declared by each model, as the engine needs them
        id: Mapped[int]
        practice_id: Mapped[int]

    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which claim holds the row: the worker reads back exactly the rows its UPDATE took.
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
