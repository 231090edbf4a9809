"""Hypothesis's two depths, registered when tests/conftest.py imports this module.

``quick``, loaded for every run: what `make test` walks. Few examples, derandomized, so a
run walks the same examples every time and a test may check that the walk took every
path it means to prove (tests/services/test_link_state_machine.py does).

``thorough``: new random examples every run, many more of them and longer; the tests
marked ``long`` use it (`make test-long`). ``pytest --hypothesis-profile=thorough`` makes
every other Hypothesis test thorough too.
"""

from __future__ import annotations

from hypothesis import settings

QUICK = "quick"
THOROUGH = "thorough"

_EVERYWHERE = {
    "deadline": None,  # the examples talk to real databases, whose timings vary
    "database": None,  # nothing written into the working tree; a failure prints its example
}

settings.register_profile(
    QUICK, max_examples=10, stateful_step_count=20, derandomize=True, **_EVERYWHERE
)
settings.register_profile(THOROUGH, max_examples=25, stateful_step_count=40, **_EVERYWHERE)
settings.load_profile(QUICK)
