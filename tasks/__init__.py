"""Celery tasks: thin wrappers that call ``counselor.services`` inside the app context.

Worker entry: ``celery -A tasks worker`` (add ``--beat`` on exactly one machine).
The Celery app is built through ``create_app`` the first time Celery asks for it,
never at import time.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        from counselor import create_app

        return create_app().extensions["celery"]
    raise AttributeError(name)
