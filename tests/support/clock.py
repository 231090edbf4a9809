"""The tests' idea of now: the ``clock`` fixture (tests/conftest.py) installs a ``Clock`` as
``counselor.timeutil.utcnow``, so every service sees the moment the test sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

# Wednesday 13 May 2026, noon in Chicago, where the factories' partners live.
NOW = datetime(2026, 5, 13, 17, 0, tzinfo=UTC)
TODAY = date(2026, 5, 13)


class Clock:
    """A clock that moves only when the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, delta: timedelta | None = None, **parts: float) -> None:
        """Move on: ``advance(timedelta(days=1))`` or ``advance(minutes=2)``."""
        self.now += (delta or timedelta()) + timedelta(**parts)

    def timestamp(self) -> float:
        """Now as a Unix timestamp, the way a webhook receiver reads its clock."""
        return self.now.timestamp()
