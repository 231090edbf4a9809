"""Settings › Access: owners set the practice's session limits, whether a second factor is
required, and which couples counselors see; everyone else reads them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole
from tests.support import factories
from tests.support.helpers import login, row_counts


def access_form(**changes: str | None) -> dict[str, str]:
    """The access form as an owner sends it; ``None`` leaves a field out (a box unticked)."""
    data = {
        "access-session_idle_minutes": "15",
        "access-session_max_hours": "8",
        "access-require_second_factor": "y",
        "access-couples_seen": "all",
    }
    data.update({f"access-{name}": value for name, value in changes.items()})
    return {name: value for name, value in data.items() if value is not None}


def test_the_defaults_are_shown_to_an_owner(logged_in):
    page = logged_in.get("/settings/access").get_data(as_text=True)
    assert 'name="access-session_idle_minutes" type="number" value="30"' in page
    assert 'name="access-session_max_hours" type="number" value="12"' in page
    assert (
        'checked id="access-couples_seen-0" name="access-couples_seen" type="radio" '
        'value="theirs"' in page
    )
    assert 'checked id="access-couples_seen-1"' not in page
    assert "Counselors see every couple of the practice" in page
    assert "Only the couples they treat" in page


def test_an_owner_sets_the_access_policy_and_it_is_audited(logged_in, counselor):
    response = logged_in.post("/settings/access", data=access_form(require_second_factor=None))
    assert response.status_code == 303
    db.session.expire_all()
    practice = counselor.practice
    assert (
        practice.session_idle_minutes,
        practice.session_max_hours,
        practice.require_second_factor,
        practice.staff_see_all_couples,
    ) == (15, 8, False, True)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "practice.access_settings")
    )
    assert (event.actor_id, event.object_type, event.object_id) == (
        counselor.id,
        "practice",
        practice.id,
    )
    # Last: requiring a second factor sends this owner, who has none, to set one up.
    response = logged_in.post("/settings/access", data=access_form(couples_seen="theirs"))
    assert response.status_code == 303
    db.session.expire_all()
    assert (practice.require_second_factor, practice.staff_see_all_couples) == (True, False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("session_idle_minutes", "4", "Enter a whole number from 5 to 240."),
        ("session_idle_minutes", "241", "Enter a whole number from 5 to 240."),
        ("session_idle_minutes", "ten", "Enter a whole number from 5 to 240."),
        ("session_idle_minutes", "", "Enter a whole number from 5 to 240."),
        ("session_max_hours", "0", "Enter a whole number from 1 to 24."),
        ("session_max_hours", "25", "Enter a whole number from 1 to 24."),
        ("session_max_hours", str(2**63), "Enter a whole number from 1 to 24."),
        ("couples_seen", "everyone", "Not a valid choice."),
    ],
)
def test_values_out_of_bounds_are_refused_at_their_field_and_write_nothing(
    logged_in, counselor, field, value, message
):
    before = row_counts()
    response = logged_in.post("/settings/access", data=access_form(**{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="access-{field}-error">{message}' in page or (
        field == "couples_seen" and message in page
    )
    assert row_counts() == before
    db.session.expire_all()
    assert counselor.practice.session_idle_minutes == 30


def test_a_counselor_who_is_not_an_owner_reads_but_cannot_change_access(client, app):
    owner = factories.CounselorFactory()
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    login(client, colleague.email, factories.PASSWORD)
    page = client.get("/settings/access").get_data(as_text=True)
    assert "An owner of the practice can change these." in page
    assert "30 minutes" in page and "Only the couples they treat" in page
    assert "<form" not in page.split("<main")[1]
    before = row_counts()
    response = client.post("/settings/access", data=access_form())
    assert response.status_code == 422
    assert "Only an owner of the practice can change this." in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert owner.practice.staff_see_all_couples is False
