"""What the machine offers the tests: a missing service skips its tests on a developer's
machine and fails them under CI (``CI=true``), where everything must be there."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(reason: str) -> None:
    """Skip on a developer machine without the service; fail under CI, where it must exist."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)
