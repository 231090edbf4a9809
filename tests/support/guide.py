"""The Python snippets of docs/integration.md, loaded as a reader would paste them, so
the guide is tested with the code it documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def guide_snippet(defines: str) -> dict[str, Any]:
    """Run the guide's Python block that defines ``defines``; return its names."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    [block] = [b for b in blocks if f"def {defines}(" in b]
    names: dict[str, Any] = {}
    exec(compile(block, f"{GUIDE}:{defines}", "exec"), names)  # noqa: S102 - our own docs
    return names
