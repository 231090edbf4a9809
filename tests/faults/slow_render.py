"""``celery -A tests.faults.slow_render worker``: the app's own worker, except that each
report's render first sleeps ``SLOW_RENDER_SECONDS`` (60 unless set), so that a test can
stop a render in the middle — with SIGKILL, or with the task's time limit. The switch lives
here, in a test module the worker is started with; the app's code has none."""

from __future__ import annotations

import os
import time
from typing import Any

import tasks
from counselor.services.reports import pre_session
from reports import PreSessionReportData

SECONDS = float(os.environ.get("SLOW_RENDER_SECONDS", "60"))
_render = pre_session.render_pre_session_report


def _slow_render(data: PreSessionReportData) -> bytes:
    time.sleep(SECONDS)
    return _render(data)


pre_session.render_pre_session_report = _slow_render


def __getattr__(name: str) -> Any:
    """``app`` and ``celery``, as ``tasks`` has them: what ``celery -A`` looks up."""
    return getattr(tasks, name)
