"""A partner's *Mark done* loads only the columns it reads (``links.CHECK_IN_COLUMNS``,
``checkins.CHECK_IN_COLUMNS``), in the same one SELECT each; what it leaves unloaded is
read when first used, and the full look-up in the same session fills in the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.couples import links
from counselor.services.homework import checkins
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("clock")


def unloaded(row) -> set[str]:
    """The row's columns not loaded (relationships aside)."""
    state = sa.inspect(row)
    return set(state.unloaded) & set(state.mapper.column_attrs.keys())


def test_the_link_for_a_check_in_carries_what_mark_done_reads(partner):
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    practice_id = partner.couple.practice_id
    db.session.commit()
    db.session.expunge_all()

    with count_statements() as counter:
        link = links.resolve_link(token, LinkPurpose.HOMEWORK, for_check_in=True)
        assert link is not None
        couple = link.partner.couple
        assert couple.practice_id == practice_id
        assert [p.id for p in couple.partners] == sorted(p.id for p in couple.partners)
        assert couple.practice.webhook_endpoints_version is not None
        assert link.partner.timezone and link.partner.language is not None
    assert counter.count == 1

    assert "email" in unloaded(link.partner) and "name" in unloaded(couple.practice)
    for partner_row in couple.partners:
        assert not unloaded(partner_row) & set(links.CHECK_IN_COLUMNS[type(partner_row)])
    assert not unloaded(couple.practice) & {"webhook_endpoints_version", "created_at"}

    # The full look-up fills in what the lean one left out, in one SELECT.
    with count_statements() as counter:
        again = links.resolve_link(token, LinkPurpose.HOMEWORK)
        assert again is link
        assert not unloaded(link.partner) and not unloaded(couple.practice)
        assert link.partner.email and couple.practice.name
    assert counter.count == 1


def test_the_step_for_a_check_in_carries_what_the_rules_read(couple, partner):
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=1))
    db.session.commit()
    db.session.expunge_all()
    tenancy.enter_practice(couple.practice_id)

    assignment, existing = checkins.step_with_checkin(
        step.id, partner.id, f"link:{step.id}:x", for_check_in=True
    )
    assert existing is None
    read = set(checkins.CHECK_IN_COLUMNS[type(assignment)])
    assert not unloaded(assignment) & read
    assert {"title", "instructions", "translations"} <= unloaded(assignment)
    # Anything else is still there when asked for.
    assert assignment.title == step.title
