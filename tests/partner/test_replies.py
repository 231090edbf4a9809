"""Replies and reveal together on the partner's page: a held-back reflection is told of and
never shown, a reply goes once by a CSRF'd POST, a bad one comes back with its words and
writes nothing, taking it back asks first, and the counselor's note shows to its author."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import ReflectionReply, ReplyKind, Visibility
from counselor.services.homework import replies
from tests.partner.test_pages import issue, page
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")

SECRET = "secret-8d1f I was scared to ask"


@pytest.fixture
def alex(couple):
    return couple.partners[0]


@pytest.fixture
def sam(couple):
    return couple.partners[1]


@pytest.fixture
def shared(couple, alex):
    step = factories.AssignmentFactory(
        couple=couple, title="Ask for a view", starts_on=TODAY - timedelta(weeks=2)
    )
    return factories.CheckInFactory(
        assignment=step,
        partner=alex,
        occurred_on=TODAY,
        comfort=2,
        reflection=SECRET,
        visibility=Visibility.SHARED,
    )


def reply_url(token, check_in):
    return f"/p/{token}/reflections/{check_in.id}/reply"


def test_a_held_back_reflection_is_told_of_but_never_shown(client, couple, alex, sam, shared):
    couple.reveal_together = True
    db.session.commit()
    html = page(client, issue(sam))

    assert SECRET not in html and "felt 2" not in html
    assert (
        f"{alex.first_name} has written something for “Ask for a view”; you'll see it once "
        "you've written yours, or on Monday, May 18." in html
    )
    assert f"{sam.first_name} will read this once they've written theirs" in page(
        client, issue(alex)
    )
    # Nor can it be replied to.
    response = client.post(reply_url(issue(sam), shared), data={"body": "Hi"})
    assert response.status_code == 404


def test_a_partner_replies_once_and_the_author_reads_it(client, alex, sam, shared):
    token = issue(sam)
    html = page(client, token)
    assert SECRET in html and "Reply to " + alex.first_name in html
    assert "This isn't a chat" in html and "in crisis" in html

    response = client.post(reply_url(token, shared), data={"body": "I'm glad you asked"})
    assert response.status_code == 302 and "notice=replied" in response.location
    html = page(client, token)
    assert 'Your reply:</span> <span dir="auto">I&#39;m glad you asked' in html
    assert "Reply to " + alex.first_name not in html  # once
    assert f'{sam.first_name} replied:</span> <span dir="auto">I&#39;m glad you asked' in page(
        client, issue(alex)
    )


@pytest.mark.parametrize("body", ["", "  ", "x" * (replies.REPLY_MAX + 1)])
def test_a_bad_reply_comes_back_with_its_words_and_writes_nothing(client, sam, shared, body):
    before = row_counts()
    response = client.post(reply_url(issue(sam), shared), data={"body": body})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and SECRET in html
    if body.strip():
        assert body in html
    after = row_counts()
    assert after["reflection_replies"] == before["reflection_replies"]


def test_a_reply_needs_the_csrf_token(client, sam, shared, csrf_checked):
    response = client.post(reply_url(issue(sam), shared), data={"body": "Hi"})

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReflectionReply)) == 0


def test_ones_own_or_another_couples_reflection_is_a_404(client, alex, sam, shared):
    assert client.post(reply_url(issue(alex), shared), data={"body": "Me"}).status_code == 404
    theirs = factories.CheckInFactory(reflection="Theirs", visibility=Visibility.SHARED)
    assert client.post(reply_url(issue(sam), theirs), data={"body": "Hi"}).status_code == 404


def test_taking_a_reply_back_asks_first(client, alex, sam, shared):
    token = issue(sam)
    client.post(reply_url(token, shared), data={"body": "I'm glad you asked"})
    url = f"/p/{token}/reflections/{shared.id}/reply/take-back"

    confirm = client.get(url).get_data(as_text=True)
    assert "Take back your reply?" in confirm and "glad you asked" in confirm
    assert client.post(url).status_code == 200  # no confirmation: the page again
    assert "glad you asked" in page(client, issue(alex))
    response = client.post(url, data={"confirmed": "yes"})
    assert response.status_code == 302 and "notice=reply_taken_back" in response.location

    assert "glad you asked" not in page(client, issue(alex))
    assert client.get(url).status_code == 404  # nothing left to take back
    assert "Reply to " + alex.first_name in page(client, token)  # a new one may take its place


def test_the_counselor_note_shows_to_its_author_only(client, actor, alex, sam, shared):
    replies.write_note(actor, shared.id, "note-77 Thank you for writing this.")

    html = page(client, issue(alex))
    assert "From your counselor" in html and "note-77" in html
    assert "note-77" not in page(client, issue(sam))


def test_the_preview_draws_the_reply_form_without_a_form(logged_in, couple, sam, shared):
    html = logged_in.get(f"/partners/{sam.id}/preview").get_data(as_text=True)
    assert SECRET in html and "Send reply" in html
    assert "/reply" not in html and "csrf_token" not in html


def test_a_removed_note_or_reply_is_not_on_any_partner_page(client, alex, sam, shared):
    factories.make_reflection_reply(shared, body="gone-1", removed_at=shared.created_at)
    factories.make_reflection_reply(
        shared, ReplyKind.COUNSELOR, body="gone-2", removed_at=shared.created_at
    )
    for partner in (alex, sam):
        html = page(client, issue(partner))
        assert "gone-1" not in html and "gone-2" not in html


@pytest.mark.parametrize("kind", [ReplyKind.PARTNER, ReplyKind.COUNSELOR])
def test_the_author_deletes_a_checkin_that_has_a_reply_or_a_note(
    client, actor, alex, sam, shared, kind
):
    if kind == ReplyKind.PARTNER:
        client.post(reply_url(issue(sam), shared), data={"body": "I'm glad you asked"})
    else:
        replies.write_note(actor, shared.id, "note-77 Thank you for writing this.")
        db.session.commit()
    assert row_counts()["reflection_replies"] == 1

    token = issue(alex)
    response = client.post(f"/p/{token}/checkins/{shared.id}/delete", data={"confirmed": "yes"})

    assert response.status_code == 302
    counts = row_counts()
    assert counts["reflection_replies"] == 0 and counts["checkins"] == 0
    html = page(client, token)
    assert SECRET not in html and "note-77" not in html


def test_the_reply_pages_never_show_how_the_other_partner_felt(client, alex, sam, shared):
    token = issue(sam)
    refused = client.post(reply_url(token, shared), data={"body": ""})
    client.post(reply_url(token, shared), data={"body": "I'm glad you asked"})
    confirm = client.get(f"/p/{token}/reflections/{shared.id}/reply/take-back")

    for html in (refused.get_data(as_text=True), confirm.get_data(as_text=True)):
        assert SECRET in html and "Ask for a view" in html and alex.first_name in html
        assert "felt" not in html and "2/5" not in html


def test_a_reply_held_back_again_can_still_be_taken_back(client, couple, alex, sam, shared):
    # Sam writes their own reflection, so reveal together shows Alex's; Sam replies, then
    # deletes their own: Alex's is held back from Sam again, but Alex still reads the reply.
    couple.reveal_together = True
    mine = factories.CheckInFactory(
        assignment=shared.assignment, partner=sam, occurred_on=TODAY, reflection="Mine too"
    )
    db.session.commit()
    token = issue(sam)
    client.post(reply_url(token, shared), data={"body": "I'm glad you asked"})
    deleted = client.post(f"/p/{token}/checkins/{mine.id}/delete", data={"confirmed": "yes"})
    assert deleted.status_code == 302
    assert "glad you asked" in page(client, issue(alex))

    html = page(client, token)
    assert SECRET not in html and "glad you asked" in html
    url = f"/p/{token}/reflections/{shared.id}/reply/take-back"
    assert f'href="{url}"' in html
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Ask for a view" in text and "glad you asked" in text and SECRET not in text
    response = client.post(url, data={"confirmed": "yes"})

    assert response.status_code == 302 and "notice=reply_taken_back" in response.location
    assert "glad you asked" not in page(client, issue(alex))
    assert client.post(reply_url(token, shared), data={"body": "Again"}).status_code == 404


def test_only_the_replier_can_take_a_reply_back(client, alex, sam, shared):
    client.post(reply_url(issue(sam), shared), data={"body": "I'm glad you asked"})
    url = f"/p/{issue(alex)}/reflections/{shared.id}/reply/take-back"

    assert client.get(url).status_code == 404
    assert client.post(url, data={"confirmed": "yes"}).status_code == 404
    assert "glad you asked" in page(client, issue(alex))


def test_a_double_tapped_reply_answers_already_replied(client, monkeypatch, sam, shared):
    lookup = replies._reply

    def racing_lookup(checkin_id, kind):
        if kind == ReplyKind.PARTNER and not row_counts()["reflection_replies"]:
            factories.make_reflection_reply(shared, body="The first tap")
            return None
        return lookup(checkin_id, kind)

    monkeypatch.setattr(replies, "_reply", racing_lookup)
    response = client.post(reply_url(issue(sam), shared), data={"body": "The second tap"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You have replied to this already" in html and "The second tap" in html
    bodies = db.session.scalars(sa.select(ReflectionReply.body)).all()
    assert bodies == ["The first tap"]
