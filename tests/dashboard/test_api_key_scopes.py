"""Settings › API keys and scopes: a new key offers the three, read and write ticked and
clinical text not (with its warning); at least one is needed; the list shows each key's; an
owner narrows or widens a live key's on a page of its own, audited, and the key's next
request obeys; the CLI takes them too."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import ApiKey, AuditEvent, CounselorRole
from counselor.services import audit_words
from counselor.services.accounts import api_keys
from counselor.services.accounts.api_scopes import CLINICAL_TEXT
from counselor.services.audit import Actor
from counselor.services.errors import InvalidInput
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.api import API, couple_body
from tests.support.helpers import count_rows, login, stored

PAGE = "/settings/api-keys"


def checkbox(page: str, scope: str) -> str:
    return re.search(rf'<input[^>]*value="{scope}"[^>]*>', page).group(0)


def test_the_form_offers_the_scopes_read_and_write_ticked(logged_in):
    page = logged_in.get(PAGE).get_data(as_text=True)
    assert "checked" in checkbox(page, "homework:read")
    assert "checked" in checkbox(page, "homework:write")
    assert "checked" not in checkbox(page, CLINICAL_TEXT)
    assert "Read homework (homework:read)" in page
    assert "Change homework (homework:write) \u2014 also needs Read" in page
    assert "What clients wrote (clinical_text)" in page
    assert "Only for software meant to hold clinical notes" in page
    assert "Receive the words partners and counselors wrote" in page


def test_an_owner_creates_a_key_with_the_scopes_ticked(logged_in, counselor):
    response = logged_in.post(
        PAGE, data={"key-name": "Notes system", "key-scopes": ["homework:read", CLINICAL_TEXT]}
    )
    assert response.status_code == 201
    secret = re.search(r'<code id="new-key">(chk_[^<]+)</code>', response.get_data(as_text=True))
    key = db.session.scalar(sa.select(ApiKey))
    assert key.scopes == "homework:read clinical_text"
    listed = logged_in.get(PAGE).get_data(as_text=True)
    row = re.search(r"<tr>\s*<th scope=\"row\">Notes system</th>.*?</tr>", listed, re.S).group(0)
    assert "<code>homework:read</code>" in row and "<code>clinical_text</code>" in row
    assert "homework:write" not in row
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert logged_in.get(API + "/couples", headers=headers).status_code == 200
    refused = logged_in.post(API + "/couples", json=couple_body(), headers=headers)
    assert refused.status_code == 403


def test_a_key_needs_a_scope(logged_in):
    response = logged_in.post(PAGE, data={"key-name": "Nothing"})
    assert response.status_code == 422
    assert "Choose at least one scope" in response.get_data(as_text=True)
    assert count_rows(ApiKey) == 0
    unknown = logged_in.post(PAGE, data={"key-name": "Odd", "key-scopes": ["admin"]})
    assert unknown.status_code == 422 and count_rows(ApiKey) == 0


def test_writing_without_reading_is_refused_on_creation_and_on_change(logged_in, counselor):
    created = logged_in.post(PAGE, data={"key-name": "Writer", "key-scopes": ["homework:write"]})
    assert created.status_code == 422
    page = created.get_data(as_text=True)
    assert "A key that changes homework reads it too: tick homework:read" in page
    assert count_rows(ApiKey) == 0
    with pytest.raises(InvalidInput, match="homework:read"):
        api_keys.create_api_key(
            Actor.for_counselor(counselor), "Writer", scopes=["homework:write", CLINICAL_TEXT]
        )

    key, _ = api_keys.create_api_key(Actor.for_counselor(counselor), "Host")
    db.session.commit()
    narrowed = logged_in.post(f"{PAGE}/{key.id}/scopes", data={"scopes-scopes": ["homework:write"]})
    assert narrowed.status_code == 422
    assert "tick homework:read with homework:write" in narrowed.get_data(as_text=True)
    db.session.expire_all()
    assert stored(ApiKey, key.id).scopes == "homework:read homework:write"
    # The form says so beside the box, before anyone tries.
    assert "also needs Read" in logged_in.get(PAGE).get_data(as_text=True)


def test_an_owner_narrows_a_key_from_before_scopes_and_it_obeys_at_once(logged_in, counselor):
    key, secret = api_keys.create_api_key(
        Actor.for_counselor(counselor),
        "Old integration",
        scopes=["homework:read", "homework:write", CLINICAL_TEXT],  # as the migration left it
    )
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert logged_in.post(API + "/couples", json=couple_body(), headers=headers).status_code == 201

    form = logged_in.get(f"{PAGE}/{key.id}/scopes").get_data(as_text=True)
    assert all("checked" in checkbox(form, s) for s in ("homework:read", CLINICAL_TEXT))
    assert "Changes apply right away; the connected software keeps its key." in form
    assert "replace the single sign-on secret too" in form
    saved = logged_in.post(f"{PAGE}/{key.id}/scopes", data={"scopes-scopes": ["homework:read"]})
    assert saved.status_code == 303
    db.session.expire_all()
    assert stored(ApiKey, key.id).scopes == "homework:read"
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("api_key.%")).order_by(AuditEvent.id)
    ).all()
    # Write and clinical text removed: one event per kind of change, by the owner.
    assert [e.action for e in events] == [
        "api_key.create",
        "api_key.clinical_text_removed",
        "api_key.scopes_changed",
    ]
    assert {(e.actor_id, e.object_id) for e in events[1:]} == {(counselor.id, key.id)}
    refused = logged_in.post(
        API + "/couples", json=couple_body(external_id="pm-2"), headers=headers
    )
    assert refused.status_code == 403
    couples = logged_in.get(API + "/couples", headers=headers)
    assert couples.status_code == 200


def test_scopes_cannot_be_emptied_nor_changed_on_a_revoked_key(logged_in, counselor):
    key, _ = api_keys.create_api_key(Actor.for_counselor(counselor), "Host")
    db.session.commit()
    emptied = logged_in.post(f"{PAGE}/{key.id}/scopes", data={})
    assert emptied.status_code == 422
    assert "Choose at least one scope" in emptied.get_data(as_text=True)
    api_keys.revoke_api_key(Actor.for_counselor(counselor), key.id)
    db.session.commit()
    revoked = logged_in.post(f"{PAGE}/{key.id}/scopes", data={"scopes-scopes": [CLINICAL_TEXT]})
    assert revoked.status_code == 422
    db.session.expire_all()
    assert stored(ApiKey, key.id).scopes == "homework:read homework:write"
    changes = sa.select(AuditEvent).where(AuditEvent.action.like("api_key.%"))
    assert [e.action for e in db.session.scalars(changes)] == ["api_key.create", "api_key.revoke"]


@pytest.mark.parametrize(
    ("before", "after", "actions"),
    [
        (["homework:read"], ["homework:read", CLINICAL_TEXT], ["api_key.clinical_text_granted"]),
        (["homework:read", CLINICAL_TEXT], ["homework:read"], ["api_key.clinical_text_removed"]),
        (["homework:read"], ["homework:read", "homework:write"], ["api_key.scopes_changed"]),
        (
            ["homework:read", "homework:write"],
            ["homework:read", CLINICAL_TEXT],
            ["api_key.clinical_text_granted", "api_key.scopes_changed"],
        ),
        (["homework:read"], ["homework:read"], []),
    ],
)
def test_a_change_of_scopes_is_audited_by_what_changed(
    logged_in, counselor, before, after, actions
):
    key, _ = api_keys.create_api_key(Actor.for_counselor(counselor), "Host", scopes=before)
    db.session.commit()
    saved = logged_in.post(f"{PAGE}/{key.id}/scopes", data={"scopes-scopes": after})
    assert saved.status_code == 303
    changes = sa.select(AuditEvent).where(
        AuditEvent.action.like("api_key.%"), AuditEvent.action != "api_key.create"
    )
    recorded = db.session.scalars(changes.order_by(AuditEvent.id)).all()
    assert [e.action for e in recorded] == actions
    assert all((e.actor_id, e.object_id) == (counselor.id, key.id) for e in recorded)
    for action in actions:
        assert audit_words.kind_of(action) == "admin"
        assert "API key" in audit_words.action_words(action)


def test_only_an_owner_changes_scopes_and_only_their_practices_keys(client):
    owner = factories.CounselorFactory()
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(owner.practice_id), unit_of_work():
        key, _ = api_keys.create_api_key(Actor.for_counselor(owner), "Host")
    with tenancy.practice_scope(stranger.practice_id), unit_of_work():
        theirs, _ = api_keys.create_api_key(Actor.for_counselor(stranger), "Theirs")
    login(client, colleague.email, factories.PASSWORD)
    page = client.get(f"{PAGE}/{key.id}/scopes").get_data(as_text=True)
    assert "An owner of the practice changes" in page and "scopes-scopes" not in page
    refused = client.post(f"{PAGE}/{key.id}/scopes", data={"scopes-scopes": [CLINICAL_TEXT]})
    assert refused.status_code == 422
    assert client.get(f"{PAGE}/{theirs.id}/scopes").status_code == 404
    db.session.expire_all()
    assert stored(ApiKey, key.id).scopes == "homework:read homework:write"


def test_the_cli_creates_a_key_with_scopes(app):
    factories.PracticeFactory(slug="north")
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["keys", "create", "--practice", "north", "--name", "PM", "--scope", CLINICAL_TEXT]
    )
    assert made.exit_code == 0, made.output
    assert "scopes clinical_text" in made.output
    plain = runner.invoke(args=["keys", "create", "--practice", "north", "--name", "Plain"])
    assert "scopes homework:read homework:write" in plain.output
    listed = runner.invoke(args=["keys", "list", "--practice", "north"]).output
    assert "scopes clinical_text" in listed
    assert (
        runner.invoke(
            args=["keys", "create", "--practice", "north", "--name", "x", "--scope", "admin"]
        ).exit_code
        == 2
    )
    write_only = runner.invoke(
        args=["keys", "create", "--practice", "north", "--name", "W", "--scope", "homework:write"]
    )
    assert write_only.exit_code == 2
    assert "tick homework:read with homework:write" in write_only.output
    db.session.expire_all()
    assert count_rows(ApiKey) == 2  # the two made above, not this one
