"""A stand-in for Celery's ``send_task`` (the ``send_task`` fixture of tests/conftest.py
installs it): it records what the web process hands to workers, and can look at the
database at that moment or fail as a broker that is down would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask


class SendTaskRecorder:
    def __init__(
        self, check: Callable[[str, list], None] | None = None, error: Exception | None = None
    ) -> None:
        self.calls: list[tuple[str, list]] = []
        self.options: list[dict] = []
        self.check = check
        self.error = error

    def __call__(self, name: str, args=None, kwargs=None, **options):
        self.calls.append((name, list(args or [])))
        self.options.append(options)
        if self.check is not None:
            self.check(name, args)
        if self.error is not None:
            raise self.error

    def forget(self) -> None:
        self.calls.clear()
        self.options.clear()


def install_send_task(
    app: Flask, monkeypatch: pytest.MonkeyPatch, recorder: SendTaskRecorder | None = None
) -> SendTaskRecorder:
    """Put ``recorder`` (a plain one by default) in place of the app's ``send_task`` until
    the test ends."""
    recorder = recorder or SendTaskRecorder()
    monkeypatch.setattr(app.extensions["celery"], "send_task", recorder)
    return recorder
