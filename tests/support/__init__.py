"""What the tests build on: factories, fake servers, the processes and databases they run
against (shared with benchmarks/), and small helpers. Fixtures live in tests/conftest.py."""
