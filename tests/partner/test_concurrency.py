"""Exactly once under pressure: many simultaneous submissions of one form are one check-in."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from counselor.extensions import db
from counselor.models import CheckIn, LinkPurpose
from counselor.services.couples import links
from tests.support import factories
from tests.support.helpers import count_rows

SUBMISSIONS = 20

pytestmark = [pytest.mark.committed_db, pytest.mark.usefixtures("csrf_checked")]


def test_twenty_concurrent_posts_of_one_form_record_one_checkin(app, live_server):
    couple = factories.CoupleFactory()
    assignment = factories.AssignmentFactory(couple=couple)
    token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    db.session.commit()

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{live_server}/p/{token}").read().decode()
    fields = dict(
        re.findall(r'name="(csrf_token|checkin_key)" type="hidden" value="([^"]+)"', page)
    )
    body = urllib.parse.urlencode({**fields, "when": "0", "comfort": "3"}).encode()
    url = f"{live_server}/p/{token}/steps/{assignment.id}/done"

    start = threading.Barrier(SUBMISSIONS)
    statuses: list[int] = []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def submit() -> None:
        client = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        start.wait()
        try:
            statuses.append(client.open(url, body, timeout=30).status)
        except urllib.error.HTTPError as answer:
            statuses.append(answer.code)

    threads = [threading.Thread(target=submit) for _ in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302] * SUBMISSIONS
    db.session.expire_all()
    assert count_rows(CheckIn) == 1
