"""Whether a partner hears from us: one answer for the couple page, the API and the
pre-session report's *Reminders* column.

- **stopped**: the partner stopped emails (``Partner.unsubscribed_at``); only the counselor
  can turn them back on, and nothing is sent until then;
- **paused**: the partner paused reminders (``Partner.snoozed_until`` still ahead): no
  reminder until then;
- **on**: otherwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from counselor import timeutil
from counselor.models import Partner


class EmailState(enum.StrEnum):
    ON = "on"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class EmailStatus:
    state: EmailState
    paused_until: datetime | None = None  # UTC; only while reminders are paused

    @property
    def stopped(self) -> bool:
        return self.state == EmailState.STOPPED


def email_status(partner: Partner, now: datetime | None = None) -> EmailStatus:
    """The partner's email status at ``now`` (default: the clock)."""
    if partner.unsubscribed_at is not None:
        return EmailStatus(EmailState.STOPPED)
    now = now or timeutil.utcnow()
    if partner.snoozed_until is not None and partner.snoozed_until > now:
        return EmailStatus(EmailState.PAUSED, partner.snoozed_until)
    return EmailStatus(EmailState.ON)
