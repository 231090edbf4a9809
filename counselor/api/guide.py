"""The integration guide, ``docs/integration.md``, served as a page of the app at
``/api/v1/guide`` (the route is in ``docs.py``), so the dashboard can link to it instead of
to a file in the repository.

The file is read from the checkout the app runs from (``make run`` installs it editable),
at each request: an edited guide shows without a restart, and rendering it takes a few
milliseconds. A copy of the app installed without its ``docs/`` folder answers 404 with a
message that names the missing file. The Markdown is rendered by markdown-it-py
(CommonMark with tables; raw HTML in the file is shown as text, not passed through).
Headings get GitHub-style anchors, so ``#webhooks`` means the same here and on GitHub.
Relative links are rewritten for the page: to another document the app serves (the API
reference for ``api.md``), or, for a file the app does not serve, to its text alone — a
link that would answer 404 is never printed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

GUIDE_FILE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


class GuideMissing(Exception):
    """The guide's file is not beside the code (an install without the docs folder)."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Guide:
    title: str
    body: Markup  # the guide's HTML, its first-level heading included
    contents: tuple[Heading, ...]  # the second-level headings, for a table of contents


def load_guide(served: Callable[[str], str | None], path: Path | None = None) -> Guide:
    """The guide (``GUIDE_FILE`` unless ``path`` is given) rendered; ``served`` maps a
    relative link's file name (``api.md``) to the URL the app serves it at, or None."""
    path = path or GUIDE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise GuideMissing(f"The integration guide is missing: {path} was not found.") from error
    return render_markdown(text, served)


def render_markdown(text: str, served: Callable[[str], str | None]) -> Guide:
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    headings = _anchor_headings(tokens)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _rewrite_links(token.children, served)
    body = parser.renderer.render(tokens, parser.options, {})
    title = next((h.text for h in headings if h.level == 1), "Integration guide")
    contents = tuple(h for h in headings if h.level == 2)
    return Guide(title=title, body=Markup(body), contents=contents)  # noqa: S704 - markdown-it escapes


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchor_headings(tokens: list[Token]) -> list[Heading]:
    headings, seen = [], dict[str, int]()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        text = "".join(c.content for c in inline.children or [] if c.type != "softbreak")
        anchor = slug(text)
        if anchor in seen:
            seen[anchor] += 1
            anchor = f"{anchor}-{seen[anchor]}"
        else:
            seen[anchor] = 0
        opening.attrSet("id", anchor)
        headings.append(Heading(int(opening.tag[1]), text, anchor))
    return headings


def _rewrite_links(children: list[Token], served: Callable[[str], str | None]) -> list[Token]:
    """Relative links pointed at what the app serves, or reduced to their text."""
    kept: list[Token] = []
    unlinked_depth = 0
    for token in children:
        if token.type == "link_open":
            target = _target(str(token.attrGet("href") or ""), served)
            if target is None:
                unlinked_depth = token.level + 1
                continue
            token.attrSet("href", target)
        elif token.type == "link_close" and unlinked_depth and token.level == unlinked_depth - 1:
            unlinked_depth = 0
            continue
        elif token.type == "image" and _target(str(token.attrGet("src") or ""), served) is None:
            token = Token("text", "", 0, content=token.content)
        kept.append(token)
    return kept


def _target(href: str, served: Callable[[str], str | None]) -> str | None:
    """Where a link of the guide should point on the page; None: nowhere the app serves."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("#", "/")):
        return href  # another site, this page, or a path of the app itself
    url = served(Path(parts.path).name) if parts.path else None
    if url is None:
        return None
    return f"{url}#{parts.fragment}" if parts.fragment else url
