"""Undoing *Revoke links* restores exactly the links that revocation stopped."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CoupleStatus, LinkPurpose
from counselor.services.couples import couples, links
from counselor.services.errors import InvalidInput, NotFound
from tests.support import factories
from tests.support.clock import NOW

pytestmark = pytest.mark.usefixtures("clock")


def issue(partner, purpose=LinkPurpose.HOMEWORK) -> str:
    token = links.issue_link(partner, purpose)
    db.session.commit()
    return token


def works(token: str, purpose=LinkPurpose.HOMEWORK) -> bool:
    return links.resolve_link(token, purpose) is not None


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_undo_restores_the_links_of_that_revocation_only(app, actor, couple, clock):
    first, second = couple.partners
    revoked_before = issue(first)
    links.revoke_links([first.id])  # e.g. a pause long ago, with the clock stopped
    short_lived = issue(first)
    app.config["LINK_TTL_DAYS"] = 30
    homework = [issue(first), issue(second)]
    unsubscribe = issue(second, LinkPurpose.UNSUBSCRIBE)
    revocation = links.revoke_couple_links(actor, couple.id)
    assert revocation.links == 4
    assert not any(works(t) for t in [short_lived, *homework])

    clock.advance(days=20)  # the 14-day link has expired meanwhile; the 30-day ones have not
    assert links.last_revocation(couple.id) == links.Revocation(revocation.at, 3)
    restored = links.restore_couple_links(actor, couple.id, revocation.at)

    assert restored == 3
    assert all(works(t) for t in homework) and works(unsubscribe, LinkPurpose.UNSUBSCRIBE)
    assert not works(short_lived)
    assert not works(revoked_before)
    assert links.last_revocation(couple.id) is None
    assert actions() == ["couple.revoke_links", "couple.restore_links"]


def test_each_revocation_has_its_own_stamp_even_with_the_clock_stopped(actor, couple):
    old = issue(couple.partners[0])
    first = links.revoke_couple_links(actor, couple.id)
    new = issue(couple.partners[0])
    second = links.revoke_couple_links(actor, couple.id)

    assert first.at == NOW and second.at == NOW + timedelta(microseconds=1)
    links.restore_couple_links(actor, couple.id, second.at)
    assert works(new) and not works(old)


def test_only_a_revocation_by_revoke_links_can_be_undone(actor, couple):
    token = issue(couple.partners[0])
    couples.set_status(actor, couple.id, CoupleStatus.PAUSED)
    couples.set_status(actor, couple.id, CoupleStatus.ACTIVE)

    with pytest.raises(InvalidInput) as error:
        links.restore_couple_links(actor, couple.id, NOW)  # the pause's stamp
    assert error.value.errors == {"revoked_at": ["There is no such revocation to undo."]}
    assert not works(token)


def test_links_are_not_restored_while_the_couple_is_paused(actor, couple):
    token = issue(couple.partners[0])
    revocation = links.revoke_couple_links(actor, couple.id)
    couples.set_status(actor, couple.id, CoupleStatus.PAUSED)

    with pytest.raises(InvalidInput) as error:
        links.restore_couple_links(actor, couple.id, revocation.at)
    assert "reopen it before restoring links" in str(error.value)
    couples.set_status(actor, couple.id, CoupleStatus.ACTIVE)
    links.restore_couple_links(actor, couple.id, revocation.at)
    assert works(token)


def test_another_practices_links_are_out_of_reach(actor):
    foreign = factories.CoupleFactory()
    token = issue(foreign.partners[0])
    with pytest.raises(NotFound):
        links.restore_couple_links(actor, foreign.id, NOW)
    with pytest.raises(NotFound):
        links.last_revocation(foreign.id)
    with pytest.raises(NotFound):
        links.live_link_count(foreign.id)
    assert works(token)


def test_live_link_count_counts_what_revoking_would_stop(app, actor, couple, clock):
    issue(couple.partners[0])
    issue(couple.partners[1])
    assert links.live_link_count(couple.id) == 2
    clock.advance(days=app.config["LINK_TTL_DAYS"] + 1)
    assert links.live_link_count(couple.id) == 0
