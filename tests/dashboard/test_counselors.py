"""Settings › Counselors: everyone sees the practice's counselors; owners invite, send an
invitation again, deactivate (after a confirm page) and reactivate them, and change roles."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    Counselor,
    CounselorRole,
    EmailKind,
    OutboxEmail,
)
from counselor.services.accounts import team
from tests.support import factories
from tests.support.helpers import login, row_counts


@pytest.fixture
def staff(counselor) -> Counselor:
    return factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR, name="Robin Staff"
    )


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_list_shows_everyone_with_role_status_and_last_sign_in(logged_in, counselor, staff):
    team.invite(counselor, "Ines Invited", "ines@example.org", "counselor")
    gone = factories.CounselorFactory(practice=counselor.practice, name="Gus Gone", active=False)
    db.session.commit()
    page = logged_in.get("/settings/counselors").get_data(as_text=True)
    for name, status in (
        ("Robin Staff", "active"),
        ("Ines Invited", "invited"),
        ("Gus Gone", "deactivated"),
    ):
        row = re.search(
            rf"<tr id=\"counselor-\d+\">\s*<th scope=\"row\">{name}.*?</tr>", page, re.S
        )
        assert row and f">{status}</span>" in row.group(0), name
    assert "never" in page  # nobody but the owner signed in
    assert f'action="/settings/counselors/{gone.id}/reactivate"' in page
    assert 'aria-current="page">Counselors</a>' in page


def test_an_owner_invites_a_counselor_and_the_email_is_queued(logged_in, counselor):
    response = logged_in.post(
        "/settings/counselors",
        data={
            "invite-name": "Ines Vale",
            "invite-email": "ines@example.org",
            "invite-role": "owner",
        },
    )
    assert response.status_code == 303
    invited = db.session.scalar(sa.select(Counselor).where(Counselor.email == "ines@example.org"))
    assert (invited.role, invited.joined_at, invited.active) == (CounselorRole.OWNER, None, True)
    email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.counselor_id == invited.id))
    assert email.kind == EmailKind.COUNSELOR_INVITE
    assert "We emailed an invitation to ines@example.org" in logged_in.get(
        "/settings/counselors"
    ).get_data(as_text=True)
    logged_in.post(f"/settings/counselors/{invited.id}/invite")
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(OutboxEmail.counselor_id == invited.id))
        == 2
    )
    assert _actions().count("counselor.invite") == 2


def test_an_address_already_used_is_refused_at_its_field_and_writes_nothing(
    logged_in, counselor, staff
):
    before = row_counts()
    response = logged_in.post(
        "/settings/counselors",
        data={"invite-name": "Twin", "invite-email": staff.email, "invite-role": "counselor"},
    )
    assert response.status_code == 422
    assert re.search(
        r'id="invite-email-error">A counselor already uses this email address',
        response.get_data(as_text=True),
    )
    assert row_counts() == before


def test_deactivation_asks_first_names_the_couples_and_ends_their_sessions(
    app, logged_in, counselor, staff
):
    couple = factories.CoupleFactory(counselor=staff, label="Kim & Lee")
    theirs = app.test_client()
    login(theirs, staff.email, factories.PASSWORD)
    assert theirs.get("/couples").status_code == 200

    page = logged_in.get(f"/settings/counselors/{staff.id}/deactivate").get_data(as_text=True)
    assert "Deactivate Robin Staff?" in page
    assert f'href="/couples/{couple.id}/edit">Kim &amp; Lee</a>' in page
    # A POST without the confirmation shows the same page and changes nothing.
    unconfirmed = logged_in.post(f"/settings/counselors/{staff.id}/deactivate")
    assert unconfirmed.status_code == 200 and "Deactivate Robin Staff?" in unconfirmed.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert staff.active

    response = logged_in.post(
        f"/settings/counselors/{staff.id}/deactivate", data={"confirmed": "yes"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert not staff.active
    assert theirs.get("/couples").status_code == 302  # signed out at once
    assert couple.counselor_id == staff.id  # their couples stay

    logged_in.post(f"/settings/counselors/{staff.id}/reactivate")
    db.session.expire_all()
    assert staff.active
    assert _actions()[-2:] == ["counselor.deactivate", "counselor.reactivate"]
    login(theirs, staff.email, factories.PASSWORD)
    assert theirs.get("/couples").status_code == 200


def test_an_owner_cannot_deactivate_themselves(logged_in, counselor):
    response = logged_in.post(
        f"/settings/counselors/{counselor.id}/deactivate", data={"confirmed": "yes"}
    )
    assert response.status_code == 303
    page = logged_in.get("/settings/counselors").get_data(as_text=True)
    assert "You can&#39;t deactivate your own account" in page
    db.session.expire_all()
    assert counselor.active


def test_an_owner_changes_a_role_but_never_the_last_owners(logged_in, counselor, staff):
    logged_in.post(f"/settings/counselors/{staff.id}/role", data={f"m{staff.id}-role": "owner"})
    db.session.expire_all()
    assert staff.role == CounselorRole.OWNER
    logged_in.post(f"/settings/counselors/{staff.id}/role", data={f"m{staff.id}-role": "counselor"})
    logged_in.post(
        f"/settings/counselors/{counselor.id}/role", data={f"m{counselor.id}-role": "counselor"}
    )
    db.session.expire_all()
    assert (staff.role, counselor.role) == (CounselorRole.COUNSELOR, CounselorRole.OWNER)
    assert "at least one active owner" in logged_in.get("/settings/counselors").get_data(
        as_text=True
    )
    assert _actions().count("counselor.role") == 2


def test_a_counselor_who_is_not_an_owner_reads_the_list_but_changes_nothing(
    client, counselor, staff
):
    login(client, staff.email, factories.PASSWORD)
    page = client.get("/settings/counselors").get_data(as_text=True)
    assert counselor.name in page and "An owner of the practice invites counselors" in page
    assert "<form" not in page.split("<main")[1]
    before = row_counts()
    client.post(
        "/settings/counselors",
        data={"invite-name": "X", "invite-email": "x@example.org", "invite-role": "counselor"},
    )
    client.post(f"/settings/counselors/{counselor.id}/deactivate", data={"confirmed": "yes"})
    client.post(f"/settings/counselors/{staff.id}/role", data={f"m{staff.id}-role": "owner"})
    assert client.get(f"/settings/counselors/{counselor.id}/deactivate").status_code == 303
    db.session.expire_all()
    assert row_counts() == before
    assert staff.role == CounselorRole.COUNSELOR and counselor.active
