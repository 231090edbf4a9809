"""Why a path is slow: pyinstrument over a few calls of it, summarised as the functions
that hold the most time (own time, and time including callees), project code marked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

PROJECT_PARTS = ("/counselor/", "/reports/", "/tasks/")


def profile(fn: Callable[[], Any], calls: int = 1, top: int = 10) -> str:
    """Run ``fn`` ``calls`` times under pyinstrument and summarise where the time went."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: pip install -e '.[bench]')"
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(calls):
        fn()
    session = profiler.stop()
    root = session.root_frame()
    if root is None:
        return "(no samples)"
    total = root.time or 1e-9
    own: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    _walk(root, own, inclusive, set())
    lines = [f"pyinstrument, {calls} call(s), {total:.2f} s sampled"]
    lines.append("  most own time:")
    for name, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * seconds / total:5.1f}%  {name}")
    lines.append("  most time in project code, callees included:")
    project = [(n, s) for n, s in inclusive.items() if n.startswith("*")]
    for name, seconds in sorted(project, key=lambda kv: -kv[1])[:top]:
        lines.append(f"    {100 * seconds / total:5.1f}%  {name}")
    return "\n".join(lines)


def _name(frame: Any) -> str:
    path = frame.file_path or ""
    ours = any(part in path for part in PROJECT_PARTS) and "/site-packages/" not in path
    mark = "*" if ours else ""
    where = frame.file_path_short or path
    return f"{mark}{frame.function} ({where}:{frame.line_no})"


def _walk(frame: Any, own: dict, inclusive: dict, stack: set) -> None:
    name = _name(frame)
    # pyinstrument files a function's own time under a synthetic "[self]" child.
    own[name] += sum(child.time for child in frame.children if child.is_synthetic)
    if name not in stack:  # recursion: count a function's time once
        inclusive[name] += frame.time
    stack = stack | {name}
    for child in frame.children:
        if not child.is_synthetic:
            _walk(child, own, inclusive, stack)
