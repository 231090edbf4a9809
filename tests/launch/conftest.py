"""Host launch: a practice with a launch secret its host signs tokens with."""

from __future__ import annotations

import pytest

from counselor.models import Counselor
from counselor.services.accounts import launch


@pytest.fixture
def secret(counselor: Counselor) -> str:
    """The launch secret of ``counselor``'s practice."""
    return launch.rotate_launch_secret(counselor.practice)
