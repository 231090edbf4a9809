"""Host launch: a practice with a launch secret its host signs tokens with."""

from __future__ import annotations

import pytest

from counselor.models import Counselor
from counselor.services.accounts import launch
from counselor.unit_of_work import unit_of_work


@pytest.fixture
def secret(counselor: Counselor) -> str:
    """The launch secret of ``counselor``'s practice (committed, as the CLI commits it)."""
    with unit_of_work():
        return launch.rotate_launch_secret(counselor.practice)
