"""API keys from the CLI and from Settings › API keys: shown once, kept as a hash, revocable."""

from __future__ import annotations

import re

import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import ApiKey, AuditEvent, CounselorRole
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.api import API
from tests.support.helpers import count_rows, login, stored


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_creates_lists_and_revokes_keys(app, client):
    practice = factories.PracticeFactory(slug="north")
    created = run(app, "keys", "create", "--practice", "north", "--name", "Practice manager")
    assert created.exit_code == 0, created.output
    secret = re.search(r"^(chk_\S+)$", created.output, re.MULTILINE).group(1)
    key = db.session.scalar(tenancy.across_practices(sa.select(ApiKey)))
    assert (key.practice_id, key.name, key.key_hash) == (
        practice.id,
        "Practice manager",
        api_keys.hash_key(secret),
    )
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(API + "/ladder", headers=headers).status_code == 200

    listed = run(app, "keys", "list", "--practice", "north")
    assert listed.exit_code == 0
    assert key.prefix in listed.output and "Practice manager" in listed.output
    assert secret not in listed.output and "active" in listed.output

    revoked = run(app, "keys", "revoke", str(key.id))
    assert revoked.exit_code == 0, revoked.output
    assert client.get(API + "/ladder", headers=headers).status_code == 401
    assert "revoked" in run(app, "keys", "list", "--practice", "north").output


def test_cli_explains_bad_input(app):
    assert run(app, "keys", "create", "--practice", "nope", "--name", "x").exit_code == 2
    factories.PracticeFactory(slug="north")
    result = run(app, "keys", "create", "--practice", "north", "--name", "x" * 81)
    assert result.exit_code == 2 and "name:" in result.output
    assert run(app, "keys", "revoke", "999").exit_code == 2
    assert count_rows(ApiKey) == 0


def test_an_owner_creates_a_key_on_the_settings_page_and_sees_it_once(logged_in, counselor):
    assert 'href="/settings/api-keys"' in logged_in.get("/settings").get_data(as_text=True)
    response = logged_in.post(
        "/settings/api-keys",
        data={"key-name": "Host", "key-scopes": ["homework:read", "homework:write"]},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'<code id="new-key">(chk_[^<]+)</code>', page).group(1)
    key = db.session.scalar(sa.select(ApiKey))
    assert (key.practice_id, key.created_by_id) == (counselor.practice_id, counselor.id)

    later = logged_in.get("/settings/api-keys").get_data(as_text=True)
    assert secret not in later and key.prefix in later and "never" in later
    used = logged_in.get(API + "/ladder", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 200
    assert "never" not in logged_in.get("/settings/api-keys").get_data(as_text=True)


def test_a_key_needs_a_name(logged_in):
    response = logged_in.post("/settings/api-keys", data={"key-name": "  "})
    assert response.status_code == 422
    assert 'id="key-name-error"' in response.get_data(as_text=True)
    assert count_rows(ApiKey) == 0


def test_an_owner_revokes_a_key(logged_in, counselor):
    key, secret = api_keys.create_api_key(Actor.for_counselor(counselor), "Old integration")
    db.session.commit()
    response = logged_in.post(f"/settings/api-keys/{key.id}/revoke")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).revoked_at is not None
    headers = {"Authorization": f"Bearer {secret}"}
    assert logged_in.get(API + "/ladder", headers=headers).status_code == 401
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "api_key.revoke")
        ).actor_id
        == counselor.id
    )


def test_another_practices_key_cannot_be_revoked(logged_in):
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(stranger.practice_id), unit_of_work():
        key, _ = api_keys.create_api_key(Actor.for_counselor(stranger), "Theirs")
    assert logged_in.post(f"/settings/api-keys/{key.id}/revoke").status_code == 404
    db.session.expire_all()
    assert stored(ApiKey, key.id).revoked_at is None


def test_a_counselor_who_is_not_an_owner_sees_keys_but_cannot_manage_them(client):
    owner = factories.CounselorFactory()
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    with tenancy.practice_scope(owner.practice_id), unit_of_work():
        key, _ = api_keys.create_api_key(Actor.for_counselor(owner), "Host")
    login(client, colleague.email, factories.PASSWORD)
    page = client.get("/settings/api-keys").get_data(as_text=True)
    assert "Host" in page and "An owner of the practice creates" in page
    assert client.post("/settings/api-keys", data={"key-name": "Mine"}).status_code == 422
    client.post(f"/settings/api-keys/{key.id}/revoke")
    db.session.expire_all()
    assert count_rows(ApiKey) == 1
    assert stored(ApiKey, key.id).revoked_at is None
