"""python -m tests.benchmarks run [--quick]: see tests/benchmarks/runner.py."""

import sys

from tests.benchmarks.runner import main

sys.exit(main())
