"""Pausing, closing and reopening a couple: one audited place, whichever edge asks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, ClientLink, CoupleStatus, LinkPurpose
from counselor.services.couples import couples, links
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.errors import InvalidInput, NotFound
from tests.support import factories

pytestmark = pytest.mark.usefixtures("clock")


def actions() -> list[tuple[str, int | None]]:
    return [
        (e.action, e.object_id)
        for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    ]


def test_pause_close_and_reopen_each_say_what_they_were(actor, couple):
    links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)

    assert couples.set_status(actor, couple.id, CoupleStatus.PAUSED) == CoupleStatus.ACTIVE
    assert db.session.scalar(sa.select(ClientLink.revoked_at)) is not None
    assert couples.set_status(actor, couple.id, CoupleStatus.CLOSED) == CoupleStatus.PAUSED
    # The undo of closing puts back the status it had: paused.
    assert couples.set_status(actor, couple.id, CoupleStatus.PAUSED) == CoupleStatus.CLOSED
    assert couples.set_status(actor, couple.id, CoupleStatus.ACTIVE) == CoupleStatus.PAUSED
    assert couple.status == CoupleStatus.ACTIVE
    assert actions() == [
        ("couple.pause", couple.id),
        ("couple.close", couple.id),
        ("couple.pause", couple.id),
        ("couple.reopen", couple.id),
    ]


def test_setting_the_status_it_has_changes_nothing(actor, couple):
    assert couples.set_status(actor, couple.id, CoupleStatus.ACTIVE) == CoupleStatus.ACTIVE
    assert actions() == []


def test_the_couple_form_is_audited_the_same_way(actor, couple):
    data = CoupleInput(
        label=couple.label,
        status=CoupleStatus.CLOSED,
        partners=[
            PartnerInput(first_name=p.first_name, email=p.email, timezone=p.timezone)
            for p in couple.partners
        ],
    )
    couples.update_couple(actor, couple.id, data)
    assert actions() == [("couple.close", couple.id), ("couple.update", couple.id)]


def test_an_unknown_status_is_refused(actor, couple):
    with pytest.raises(InvalidInput):
        couples.set_status(actor, couple.id, "archived")
    assert couple.status == CoupleStatus.ACTIVE


def test_another_practices_couple_is_not_found(actor):
    foreign = factories.CoupleFactory()
    with pytest.raises(NotFound):
        couples.set_status(actor, foreign.id, CoupleStatus.CLOSED)
    assert foreign.status == CoupleStatus.ACTIVE
