"""What the web scenario checks in-process, besides its load: the statements one request
sends (as the test suite counts them, tests/support/helpers.py ``count_statements``, and
the COMMITs apart), and whether a repeat view of an unchanged page answers 304."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import sqlalchemy as sa

from counselor.extensions import db
from tests.support.helpers import count_statements

NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next"')


@dataclass(frozen=True)
class StatementCount:
    statements: int  # what count_statements counts (SAVEPOINTs aside; COMMIT is not a statement)
    commits: int
    status: int

    def text(self) -> str:
        commits = f"{self.commits} COMMIT" + ("s" if self.commits != 1 else "")
        return f"{self.statements} + {commits}"


def statements_per_post(client, path: str, key: str) -> StatementCount:
    """One *Mark done* POST (after one to warm the caches), its statements and COMMITs."""
    client.post(path, data={"checkin_key": f"{key}-warm", "when": "0"})
    commits = [0]

    def on_commit(_connection) -> None:
        commits[0] += 1

    sa.event.listen(db.engine, "commit", on_commit)
    try:
        with count_statements() as counter:
            response = client.post(path, data={"checkin_key": key, "when": "0"})
    finally:
        sa.event.remove(db.engine, "commit", on_commit)
    if response.status_code >= 400:
        raise RuntimeError(f"mark done answered {response.status_code}")
    return StatementCount(counter.count, commits[0], response.status_code)


def conditional_repeat(client, path: str) -> tuple[bool, str]:
    """GET ``path``, then again with If-None-Match: its ETag. Whether the page sends an
    ETag and the repeat answers 304, and what happened, in words."""
    first = client.get(path)
    etag = first.headers.get("ETag")
    if first.status_code != 200:
        return False, f"first view answered {first.status_code}"
    if not etag:
        return False, "no ETag sent"
    with count_statements() as counter:
        repeat = client.get(path, headers={"If-None-Match": etag})
    if repeat.status_code != 304:
        return False, f"ETag sent, repeat answered {repeat.status_code}"
    return True, f"304 ({counter.count} statements)"


def page_links(client, first: str, pages: int) -> list[str]:
    """The couples list's pages as a user reaches them: ``first``, then each page's
    *Next* link (keyset or page number, whichever the project's links use)."""
    paths = [first]
    while len(paths) < pages:
        response = client.get(paths[-1])
        if response.status_code != 200:
            raise RuntimeError(f"{paths[-1]} answered {response.status_code}")
        found = NEXT_LINK.search(response.get_data(as_text=True))
        if found is None:
            break
        paths.append(html.unescape(found.group(1)))
    return paths
