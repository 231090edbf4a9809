"""services/couples/links.py: links are unguessable, purpose-bound, expiring and revocable."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import ClientLink, CoupleStatus, LinkPurpose
from counselor.services.couples import couples, links
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.errors import NotFound
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.clock import NOW

pytestmark = pytest.mark.usefixtures("clock")


def issue(partner, purpose=LinkPurpose.HOMEWORK) -> str:
    token = links.issue_link(partner, purpose)
    db.session.commit()
    return token


def same_couple_with_status(couple, status: CoupleStatus) -> CoupleInput:
    return CoupleInput(
        label=couple.label,
        status=status,
        partners=[
            PartnerInput(first_name=p.first_name, email=p.email, timezone=p.timezone)
            for p in couple.partners
        ],
    )


def test_token_is_long_random_and_urlsafe(partner):
    tokens = {issue(partner) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        # 22 base64url characters carry 132 bits; anything shorter is guessable in principle.
        assert len(token) >= 22
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token)


def test_only_the_tokens_sha256_is_stored(partner):
    token = issue(partner)
    stored = across_practices(sa.select(ClientLink.__table__))  # the row as a leak would show it
    rows = db.session.execute(stored).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    for column, value in rows[0].items():
        assert token not in str(value), f"the token leaks into {column}"


def test_link_resolves_to_its_partner_for_its_own_purpose_only(partner):
    homework = issue(partner, LinkPurpose.HOMEWORK)
    unsubscribe = issue(partner, LinkPurpose.UNSUBSCRIBE)

    assert links.resolve_link(homework, LinkPurpose.HOMEWORK).partner_id == partner.id
    assert links.resolve_link(unsubscribe, LinkPurpose.UNSUBSCRIBE).partner_id == partner.id
    assert links.resolve_link(homework, LinkPurpose.UNSUBSCRIBE) is None
    assert links.resolve_link(unsubscribe, LinkPurpose.HOMEWORK) is None


def test_link_stops_working_after_its_lifetime(app, partner, clock):
    token = issue(partner)
    days = app.config["LINK_TTL_DAYS"]

    clock.set(NOW + timedelta(days=days) - timedelta(minutes=1))
    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is not None
    clock.set(NOW + timedelta(days=days, minutes=1))
    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is None


def test_revoked_link_stops_working(actor, partner):
    token = issue(partner)
    assert links.revoke_links([partner.id]) == 1
    db.session.commit()

    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is None


def test_a_token_with_one_character_changed_does_not_resolve(partner):
    token = issue(partner)
    swapped = "A" if token[5] != "A" else "B"
    tampered = token[:5] + swapped + token[6:]

    assert links.resolve_link(tampered, LinkPurpose.HOMEWORK) is None
    assert links.resolve_link(token + "x", LinkPurpose.HOMEWORK) is None
    assert links.resolve_link("", LinkPurpose.HOMEWORK) is None
    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is not None


@pytest.mark.parametrize("status", [CoupleStatus.PAUSED, CoupleStatus.CLOSED])
def test_pausing_or_closing_the_couple_revokes_every_link(actor, couple, status):
    tokens = [issue(p) for p in couple.partners] + [
        issue(couple.partners[0], LinkPurpose.UNSUBSCRIBE)
    ]

    couples.update_couple(actor, couple.id, same_couple_with_status(couple, status))

    assert links.resolve_link(tokens[0], LinkPurpose.HOMEWORK) is None
    assert links.resolve_link(tokens[1], LinkPurpose.HOMEWORK) is None
    revoked = db.session.scalars(sa.select(ClientLink.revoked_at)).all()
    assert len(revoked) == 3
    assert all(at is not None for at in revoked)


def test_reactivating_a_couple_does_not_bring_old_links_back(actor, couple):
    token = issue(couple.partners[0])
    couples.update_couple(actor, couple.id, same_couple_with_status(couple, CoupleStatus.PAUSED))
    couples.update_couple(actor, couple.id, same_couple_with_status(couple, CoupleStatus.ACTIVE))

    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is None


def test_revoke_couple_links_stops_every_link_of_the_couple(actor, counselor, couple):
    other = factories.CoupleFactory(counselor=counselor)
    tokens = [issue(p) for p in couple.partners]
    untouched = issue(other.partners[0])

    revoked = links.revoke_couple_links(actor, couple.id)

    assert revoked.links == 2
    assert all(links.resolve_link(t, LinkPurpose.HOMEWORK) is None for t in tokens)
    assert links.resolve_link(untouched, LinkPurpose.HOMEWORK) is not None


def test_revoke_couple_links_of_another_practice_is_not_found(actor):
    foreign = factories.CoupleFactory()
    token = issue(foreign.partners[0])

    with pytest.raises(NotFound):
        links.revoke_couple_links(actor, foreign.id)

    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is not None
