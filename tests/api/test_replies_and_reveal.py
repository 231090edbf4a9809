"""Reveal together and replies in the API: the couple's ``reveal_together`` (read; PATCH
sets true, false or null) and a check-in's read-only ``replies`` (both kinds, removed
ones marked), read in one query for a whole page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, Couple, ReplyKind, Visibility
from counselor.services.homework import reflections
from tests.support import factories
from tests.support.api import assert_error
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("clock")


def test_the_couple_carries_its_choice_and_a_patch_sets_it(api, couple):
    assert couple["reveal_together"] is None

    for value in (True, False, None):
        response = api.patch(f"/couples/{couple['id']}", json={"reveal_together": value})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["reveal_together"] is value
        assert response.get_json()["label"] == couple["label"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == couple["id"])
    ).all()
    assert actions.count(reflections.REVEAL_ACTION) == 3
    assert "couple.update" not in actions  # nothing else changed


def test_a_patch_refuses_a_choice_that_is_not_a_bool_or_null(api, couple):
    for value in ("yes", "on", 2):
        response = api.patch(f"/couples/{couple['id']}", json={"reveal_together": value})
        assert_error(response, 422)
    assert db.session.get(Couple, couple["id"]).reveal_together is None


def test_check_ins_carry_their_replies_read_only(api, couple):
    row = db.session.get(Couple, couple["id"])
    step = factories.AssignmentFactory(couple=row, starts_on=TODAY - timedelta(weeks=1))
    shared = factories.CheckInFactory(
        assignment=step,
        partner=row.partners[0],
        occurred_on=TODAY,
        reflection="Words",
        visibility=Visibility.SHARED,
    )
    factories.make_reflection_reply(shared, body="Me too", removed_at=NOW)
    factories.make_reflection_reply(shared, ReplyKind.COUNSELOR, body="Thank you for writing this.")
    factories.CheckInFactory(assignment=step, partner=row.partners[1], occurred_on=TODAY)

    body = api.get(f"/assignments/{step.id}/checkins").get_json()

    by_id = {c["id"]: c for c in body["items"]}
    assert [(r["kind"], r["body"], r["removed"]) for r in by_id[shared.id]["replies"]] == [
        ("partner", "Me too", True),
        ("counselor", "Thank you for writing this.", False),
    ]
    assert all(
        set(r) == {"kind", "body", "created_at", "removed"} for r in by_id[shared.id]["replies"]
    )
    assert [c["replies"] for c in body["items"] if c["id"] != shared.id] == [[]]


def test_a_page_of_check_ins_reads_replies_in_one_query(api, couple):
    row = db.session.get(Couple, couple["id"])
    step = factories.AssignmentFactory(couple=row, starts_on=TODAY - timedelta(weeks=1))

    def measured() -> int:
        db.session.expunge_all()
        with count_statements() as counted:
            assert api.get(f"/assignments/{step.id}/checkins").status_code == 200
        return counted.count

    factories.CheckInFactory(assignment=step, partner=row.partners[0], reflection="One")
    few = measured()
    for n in range(5):
        check_in = factories.CheckInFactory(
            assignment=step, partner=row.partners[n % 2], reflection=f"Note {n}"
        )
        factories.make_reflection_reply(check_in, ReplyKind.COUNSELOR, body="Thanks")
    assert measured() == few
