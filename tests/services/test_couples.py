"""services/couples/couples.py: couples and their two partners, always within one practice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, Couple, Partner
from counselor.services.audit import Actor
from counselor.services.couples.couples import (
    CoupleInput,
    PartnerInput,
    create_couple,
    update_couple,
)
from counselor.services.errors import InvalidInput, NotFound
from counselor.tenancy import get_in_practice
from tests.support import factories


def partner(n: int = 1, **changes) -> PartnerInput:
    values = {"first_name": f"Partner{n}", "email": f"p{n}@example.org", "timezone": "UTC"}
    return PartnerInput(**(values | changes))


def couple_input(**changes) -> CoupleInput:
    values = {"label": "Alex & Sam R.", "partners": [partner(1), partner(2)]}
    return CoupleInput(**(values | changes))


def rows() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Couple, Partner, AuditEvent)
    }


def test_create_couple_makes_two_partners_in_the_actors_practice(actor, counselor):
    couple = create_couple(actor, couple_input())

    assert couple.practice_id == counselor.practice_id
    assert couple.counselor_id == counselor.id
    assert [(p.position, p.first_name, p.email) for p in couple.partners] == [
        (1, "Partner1", "p1@example.org"),
        (2, "Partner2", "p2@example.org"),
    ]
    assert rows()["Partner"] == 2


def test_create_couple_records_an_audit_event(actor, counselor):
    couple = create_couple(actor, couple_input())

    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("couple.create", "couple", couple.id)
    ]
    assert events[0].practice_id == counselor.practice_id
    assert (events[0].actor_type, events[0].actor_id) == ("counselor", counselor.id)


@pytest.mark.parametrize("count", [1, 3])
def test_a_couple_needs_exactly_two_partners(actor, count):
    before = rows()
    with pytest.raises(InvalidInput) as error:
        create_couple(actor, couple_input(partners=[partner(n) for n in range(1, count + 1)]))
    assert "partners" in error.value.errors
    assert rows() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (couple_input(label="   "), "label"),
        (couple_input(partners=[partner(1, email="not-an-email"), partner(2)]), "partners.0.email"),
        (
            couple_input(partners=[partner(1), partner(2, timezone="Mars/Base")]),
            "partners.1.timezone",
        ),
        (couple_input(partners=[partner(1, first_name=""), partner(2)]), "partners.0.first_name"),
        (
            couple_input(partners=[partner(1), partner(2, email="p1@example.org")]),
            "partners.1.email",
        ),
        (
            couple_input(partners=[partner(1), partner(2, email="P1@Example.org")]),
            "partners.1.email",
        ),
    ],
    ids=[
        "empty-label",
        "bad-email",
        "unknown-timezone",
        "no-name",
        "same-email",
        "same-email-case",
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(actor, data, field):
    before = rows()
    with pytest.raises(InvalidInput) as error:
        create_couple(actor, data)
    assert field in error.value.errors
    assert rows() == before


def test_external_id_is_unique_within_a_practice(actor):
    create_couple(actor, couple_input(external_id="host-42"))
    before = rows()

    with pytest.raises(InvalidInput) as error:
        create_couple(
            actor,
            couple_input(external_id="host-42", partners=[partner(3), partner(4)]),
        )
    assert "external_id" in error.value.errors
    assert rows() == before


def test_another_practice_may_use_the_same_external_id(actor):
    first = create_couple(actor, couple_input(external_id="host-42"))
    other = Actor.for_counselor(factories.CounselorFactory())

    with tenancy.practice_scope(other.practice_id):
        second = create_couple(other, couple_input(external_id="host-42"))

    assert second.external_id == first.external_id == "host-42"
    assert second.practice_id != first.practice_id


def test_a_couple_of_the_practice_is_found_by_id(actor):
    couple = create_couple(actor, couple_input())
    assert get_in_practice(Couple, couple.id) is couple


def test_a_couple_of_another_practice_is_not_found(actor):
    theirs = factories.CoupleFactory()
    with pytest.raises(NotFound):
        get_in_practice(Couple, theirs.id)


def test_update_couple_changes_the_partners_details(actor):
    couple = create_couple(actor, couple_input())
    changed = couple_input(
        label="Alex & Sam",
        partners=[
            partner(1, first_name="Alexandra", timezone="Europe/Berlin", reminder_hour=9),
            partner(2, email="sam.new@example.org", quiet_start_hour=22),
        ],
    )

    update_couple(actor, couple.id, changed)
    db.session.commit()
    db.session.expire_all()

    stored = get_in_practice(Couple, couple.id)
    first, second = stored.partners
    assert stored.label == "Alex & Sam"
    assert (first.first_name, first.timezone, first.reminder_hour) == (
        "Alexandra",
        "Europe/Berlin",
        9,
    )
    assert (second.email, second.quiet_start_hour) == ("sam.new@example.org", 22)
    assert rows()["Partner"] == 2


def test_update_couple_of_another_practice_is_not_found(actor):
    theirs = factories.CoupleFactory()
    with pytest.raises(NotFound):
        update_couple(actor, theirs.id, couple_input())
