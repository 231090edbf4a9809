"""Celery tasks: thin wrappers that call ``counselor.services`` inside the app context.

Worker entry: ``celery -A tasks worker`` (add ``--beat`` on exactly one machine). Celery
finds its app as ``tasks.app``; that Flask app and its Celery app are built by
``create_app`` the first time they are asked for and kept for the life of the process.
Never at import time: the web process and the tests import task modules without wanting
a second app.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Celery


@cache
def _celery_app() -> Celery:
    from counselor import create_app

    return create_app().extensions["celery"]


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        return _celery_app()
    raise AttributeError(name)
