"""The integration guide (docs/integration.md) served at /api/v1/guide: public, in the
app's look, every heading anchored and no link on it that goes nowhere."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from counselor.api import guide
from tests.support.guide import GUIDE

GUIDE_URL = "/api/v1/guide"


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """The guide's headings as a reader of the Markdown sees them (not the `#` comments of
    its shell examples)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return [(len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(#+) (.+)$", prose, re.M)]


def served(name: str) -> str | None:
    return {"api.md": "/api/v1/docs", "integration.md": GUIDE_URL}.get(name)


@pytest.fixture
def page(client) -> str:
    response = client.get(GUIDE_URL)  # nobody logged in: the guide is public
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    return response.get_data(as_text=True)


def test_the_guide_renders_every_heading_of_integration_md_with_its_anchor(page):
    headings = markdown_headings(GUIDE.read_text(encoding="utf-8"))
    assert len(headings) > 8
    assert headings[0] == (1, "Integrating a practice system")
    for level, text in headings:
        anchor = guide.slug(text)
        found = re.search(rf'<h{level} id="{re.escape(anchor)}">(.*?)</h{level}>', page)
        assert found, (level, text)
        assert html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) == text
    assert "<title>Integrating a practice system · Ladder homework</title>" in page
    # The table of contents lists the second-level headings.
    contents = re.search(r'<nav class="card guide-contents".*?</nav>', page, re.S).group(0)
    assert contents.count("<li>") == sum(1 for level, _ in headings if level == 2)
    assert '<a href="#webhooks">Webhooks</a>' in contents


def test_the_guide_keeps_its_code_and_tables(page):
    assert '<pre><code class="language-sh">' in page
    assert "<table>" in page
    assert "Authorization: Bearer &lt;api key&gt;" in page
    assert "<script" not in page  # no script, no CDN, as the API reference


def test_no_link_on_the_guide_goes_nowhere(client, page):
    ids = set(re.findall(r' id="([^"]+)"', page))
    body = re.search(r'<main id="main".*</main>', page, re.S).group(0)
    hrefs = set(re.findall(r'href="([^"]+)"', body))
    assert hrefs, "the guide links somewhere"
    for href in hrefs:
        parts = urlsplit(html.unescape(href))
        if parts.scheme:
            assert parts.scheme == "https", href  # out to another site, securely
            continue
        assert not parts.path or parts.path.startswith("/"), f"{href} is relative to the page"
        if parts.path and parts.path != GUIDE_URL:
            assert client.get(parts.path).status_code == 200, href
        if parts.fragment and parts.path in ("", GUIDE_URL):
            assert parts.fragment in ids, href


def test_relative_links_point_at_what_the_app_serves_or_become_text():
    rendered = guide.render_markdown(
        "# Title\n\n"
        "The [reference](api.md#couples), [this guide](integration.md#webhooks), "
        "[the design](design.md), [the README](../README.md#make-run), "
        "[a site](https://example.org/x), [a heading](#title), [the API](/api/v1/docs) and "
        "![a screenshot](screenshots/settings.png).\n",
        served,
    )
    body = str(rendered.body)
    assert '<a href="/api/v1/docs#couples">reference</a>' in body
    assert f'<a href="{GUIDE_URL}#webhooks">this guide</a>' in body
    assert "the design, the README," in body  # files the app does not serve: text only
    assert '<a href="https://example.org/x">a site</a>' in body
    assert '<a href="#title">a heading</a>' in body
    assert '<a href="/api/v1/docs">the API</a>' in body
    assert "<img" not in body and "a screenshot" in body
    assert "design.md" not in body and "README" not in body.replace("the README", "")


def test_headings_get_github_anchors_unique_on_the_page():
    rendered = guide.render_markdown(
        "# Guide\n\n## Verifying a delivery (Python, standard library only)\n\n"
        "## Events\n\n### Events\n",
        served,
    )
    assert [(h.level, h.anchor) for h in rendered.contents] == [
        (2, "verifying-a-delivery-python-standard-library-only"),
        (2, "events"),
    ]
    assert '<h3 id="events-1">Events</h3>' in str(rendered.body)
    assert rendered.title == "Guide"


def test_raw_html_in_the_markdown_is_shown_not_run():
    rendered = guide.render_markdown('Hello <script>alert("x")</script>\n', served)
    assert "<script>" not in str(rendered.body)
    assert "&lt;script&gt;" in str(rendered.body)


def test_a_checkout_without_the_guide_says_so(client, monkeypatch, tmp_path):
    monkeypatch.setattr(guide, "GUIDE_FILE", tmp_path / "docs" / "integration.md")
    response = client.get(GUIDE_URL)
    assert response.status_code == 404
    text = " ".join(response.get_data(as_text=True).split())
    assert "The integration guide is not here" in text
    assert f"{tmp_path / 'docs' / 'integration.md'} was not found" in text


def test_the_webhooks_and_api_key_pages_link_to_the_served_guide(logged_in, actor):
    webhooks_page = logged_in.get("/settings/webhooks").get_data(as_text=True)
    assert f'href="{GUIDE_URL}#webhooks"' in webhooks_page
    assert f'href="{GUIDE_URL}#verifying-a-delivery-python-standard-library-only"' in (
        webhooks_page
    )
    assert "docs/integration.md" not in webhooks_page  # no path into a repository
    keys_page = logged_in.get("/settings/api-keys").get_data(as_text=True)
    assert f'href="{GUIDE_URL}"' in keys_page
