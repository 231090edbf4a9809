"""ReportLab runs with its C accelerator (the rl-accel package), not its Python fallbacks."""

from __future__ import annotations

from reportlab.lib import rl_accel


def test_reportlab_uses_the_c_accelerator() -> None:
    """Without rl-accel installed ReportLab silently falls back to pure Python
    (``_py_fp_str``, ``_py_asciiBase85Encode``, ...), about a fifth of a report's time."""
    assert not rl_accel._py_funcs, sorted(rl_accel._py_funcs)
    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
