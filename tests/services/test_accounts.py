"""services/accounts/counselors.py: practices, counselor accounts, passwords, logging in."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import Counselor, Practice
from counselor.services.accounts.counselors import authenticate, create_counselor, create_practice
from counselor.services.errors import InvalidInput
from tests.support import factories
from tests.support.helpers import count_rows

PASSWORD = "a long enough passphrase"


@pytest.fixture
def practice(app) -> Practice:
    return factories.PracticeFactory()


@pytest.fixture
def anna(practice) -> Counselor:
    return create_counselor(practice, "anna@example.org", "Anna Berg", PASSWORD)


def test_create_counselor_stores_a_hash_never_the_password(anna):
    db.session.expire_all()
    stored = db.session.get(Counselor, anna.id)
    assert stored.password_hash != PASSWORD
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$argon2")


def test_create_counselor_joins_the_given_practice(anna, practice):
    assert (anna.practice_id, anna.email, anna.name) == (
        practice.id,
        "anna@example.org",
        "Anna Berg",
    )


def test_a_new_counselor_is_on_the_practice_s_clock(anna, practice):
    assert practice.timezone == "America/Chicago"
    assert anna.timezone == "America/Chicago"


def test_a_new_counselor_may_be_given_another_zone(practice):
    bo = create_counselor(practice, "bo@example.org", "Bo", PASSWORD, timezone="Europe/Oslo")
    assert bo.timezone == "Europe/Oslo"


def test_a_new_counselor_in_an_unknown_zone_is_refused(practice):
    with pytest.raises(InvalidInput) as error:
        create_counselor(practice, "bo@example.org", "Bo", PASSWORD, timezone="Mars/Olympus")
    assert error.value.errors["timezone"] == [
        "Choose a time zone from the list, e.g. 'America/Chicago'."
    ]
    assert count_rows(Counselor) == 0


def test_short_password_is_rejected(practice):
    with pytest.raises(InvalidInput) as error:
        create_counselor(practice, "bo@example.org", "Bo", "elevenchars")
    assert "password" in error.value.errors
    assert count_rows(Counselor) == 0


@pytest.mark.parametrize("email", ["anna@example.org", "Anna@Example.org", " ANNA@EXAMPLE.ORG "])
def test_duplicate_email_is_rejected_whatever_its_case(anna, practice, email):
    with pytest.raises(InvalidInput) as error:
        create_counselor(practice, email, "Another Anna", PASSWORD)
    assert "email" in error.value.errors
    assert count_rows(Counselor) == 1


def test_duplicate_email_is_rejected_across_practices(anna):
    other = factories.PracticeFactory()
    with pytest.raises(InvalidInput) as error:
        create_counselor(other, "anna@example.org", "Anna Elsewhere", PASSWORD)
    assert "email" in error.value.errors


@pytest.mark.parametrize("email", ["anna@example.org", "ANNA@example.org"])
def test_authenticate_with_the_right_password(anna, email):
    assert authenticate(email, PASSWORD) == anna
    assert anna.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(anna):
    with pytest.raises(InvalidInput) as wrong_password:
        authenticate("anna@example.org", "not the passphrase")
    with pytest.raises(InvalidInput) as unknown_email:
        authenticate("nobody@example.org", PASSWORD)
    assert wrong_password.value.errors == unknown_email.value.errors
    assert str(wrong_password.value) == str(unknown_email.value)


def test_inactive_counselor_cannot_log_in(anna):
    anna.active = False
    db.session.commit()
    with pytest.raises(InvalidInput) as inactive:
        authenticate("anna@example.org", PASSWORD)
    with pytest.raises(InvalidInput) as unknown:
        authenticate("nobody@example.org", PASSWORD)
    assert inactive.value.errors == unknown.value.errors


def test_create_practice(app):
    practice = create_practice("North Clinic", "north-clinic", "Europe/Berlin")
    assert (practice.name, practice.slug, practice.timezone) == (
        "North Clinic",
        "north-clinic",
        "Europe/Berlin",
    )
    assert count_rows(Practice) == 1


@pytest.mark.parametrize(
    "slug", ["", "north clinic", "north_clinic", "-north", "north-", "nörth", "x" * 65]
)
def test_create_practice_rejects_bad_slugs(app, slug):
    with pytest.raises(InvalidInput) as error:
        create_practice("North Clinic", slug)
    assert "slug" in error.value.errors
    assert count_rows(Practice) == 0


@pytest.mark.parametrize("slug", ["north-clinic", "North-Clinic"])
def test_create_practice_rejects_a_taken_slug(app, slug):
    create_practice("North Clinic", "north-clinic")
    with pytest.raises(InvalidInput) as error:
        create_practice("Another North Clinic", slug)
    assert "slug" in error.value.errors
    assert count_rows(Practice) == 1


def test_create_practice_rejects_an_unknown_timezone(app):
    with pytest.raises(InvalidInput) as error:
        create_practice("North Clinic", "north-clinic", "Mars/Base")
    assert "timezone" in error.value.errors
    assert count_rows(Practice) == 0
