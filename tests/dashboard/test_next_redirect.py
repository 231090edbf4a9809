"""Where login sends the counselor next: only a path of this site (issue 12, "next=////host
redirects off-site"). Browsers read any number of slashes, and backslashes, at the start of
a Location as the start of another host, and drop tabs and newlines before reading it."""

from __future__ import annotations

import pytest

from counselor.dashboard.auth import is_local_path
from tests.support import factories

OFF_SITE = [
    "//evil.example/x",
    "///evil.example",
    "////evil.example",
    "/////evil.example/couples",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example/couples",
    "couples",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/couples\x00",
    "/couples\x7f",
    "/\u2028/evil.example",
    " /couples",
    "",
]

LOCAL = ["/couples", "/couples/3?tab=notes", "/ladder", "/couples?q=a//b", "/a/b//c"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_anything_but_one_leading_slash_is_refused(target):
    assert not is_local_path(target)


@pytest.mark.parametrize("target", LOCAL)
def test_a_path_of_this_site_is_accepted(target):
    assert is_local_path(target)


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_sends_an_off_site_next_to_the_couples_list(client, counselor, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": counselor.email, "password": factories.PASSWORD},
    )

    if "\x00" in target:  # a query string no column could hold is refused first (url_input)
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert response.location == "/couples"


def test_login_follows_a_local_next(client, counselor):
    response = client.post(
        "/login",
        query_string={"next": "/couples?q=a"},
        data={"email": counselor.email, "password": factories.PASSWORD},
    )

    assert response.location == "/couples?q=a"
