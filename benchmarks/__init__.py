"""Benchmarks: `python -m benchmarks run [--quick]` (make bench, make bench-quick),
which writes docs/benchmarks.md; and broker_choice, the embedded-broker measurement."""
