"""The password rule (services/accounts/passwords.py) wherever a password is set, and the
counselor's own change of password (services/accounts/counselors.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorSession
from counselor.services.accounts import counselors, sessions
from counselor.services.accounts.passwords import policy_problems
from counselor.services.errors import InvalidInput
from tests.support import factories
from tests.support.helpers import row_counts

NEW = "plum orchard under winter rain"

pytestmark = pytest.mark.usefixtures("clock")


@pytest.mark.parametrize(
    "password",
    [
        factories.PASSWORD,  # what every test signs in with
        NEW,
        "a long enough passphrase",
        "Tr0ub4dor&3 at noon",
    ],
)
def test_strong_passwords_pass(password):
    assert policy_problems(password, name="Dana Whitfield", email="dana@riverside.example") == []


@pytest.mark.parametrize(
    ("password", "first_problem"),
    [
        ("short one", "Use at least 12 characters."),
        ("aaaaaaaaaaaa", "This password would be easy to guess."),
        ("password1234", "This password would be easy to guess."),
        ("qwertyuiop12", "This password would be easy to guess."),
        ("ab\x00cdefghijklmn", "Use only characters you can type"),
        ("\ud800" * 12, "Use only characters you can type"),
        ("x" * 1001, "Use at most 1000 characters."),
    ],
)
def test_weak_or_odd_passwords_are_refused_in_words(password, first_problem):
    problems = policy_problems(password, name="Dana Whitfield", email="dana@riverside.example")
    assert problems and problems[0].startswith(first_problem)


def test_the_estimators_feedback_comes_with_the_refusal():
    problems = policy_problems("aaaaaaaaaaaa", name="", email="")
    assert len(problems) >= 2  # the verdict, then zxcvbn's warning and suggestions
    assert all(p.endswith(".") for p in problems)


@pytest.mark.parametrize(
    "password",
    ["whitfield-stairs-lamp", "Dana's summer garden", "orchard DANA bicycle"],
)
def test_the_counselors_name_or_email_is_refused(password):
    problems = policy_problems(password, name="Dana Whitfield", email="dana@riverside.example")
    assert problems == ["Don't use your name or email address in your password."]


def test_create_counselor_applies_the_rule(app):
    practice = factories.PracticeFactory()
    before = row_counts()
    with pytest.raises(InvalidInput) as error:
        counselors.create_counselor(practice, "bo@example.org", "Bo", "aaaaaaaaaaaa")
    assert error.value.errors["password"][0] == "This password would be easy to guess."
    assert row_counts() == before


def test_a_created_counselor_has_joined(app):
    practice = factories.PracticeFactory()
    counselor = counselors.create_counselor(practice, "bo@example.org", "Bo", NEW)
    assert counselor.joined_at == timeutil.utcnow()
    assert counselors.authenticate("bo@example.org", NEW) == counselor


def test_set_password_applies_the_rule_and_ends_every_session(counselor, actor):
    live = _live_session(counselor)
    with pytest.raises(InvalidInput):
        counselors.set_password(counselor, "Counselor aaaaaaaa")
    db.session.rollback()

    counselors.set_password(counselor, NEW)
    db.session.commit()

    assert counselors.verify_password(counselor, NEW)
    assert counselor.password_changed_at == timeutil.utcnow()
    db.session.refresh(live)
    assert (live.ended_at, live.ended_reason) == (timeutil.utcnow(), "password_reset")


# The counselor's own change.


def test_a_wrong_current_password_changes_nothing(counselor, actor):
    _live_session(counselor)
    before = row_counts()
    with pytest.raises(InvalidInput) as error:
        counselors.change_password(counselor, "not my password", NEW, keep_session_id=None)
    db.session.rollback()

    assert list(error.value.errors) == ["current_password"]
    assert row_counts() == before
    assert counselors.verify_password(counselor, factories.PASSWORD)


def test_a_new_password_the_rule_refuses_changes_nothing(counselor, actor):
    with pytest.raises(InvalidInput) as error:
        counselors.change_password(
            counselor, factories.PASSWORD, "password1234", keep_session_id=None
        )
    db.session.rollback()

    assert "This password would be easy to guess." in error.value.errors["new_password"]
    assert counselors.verify_password(counselor, factories.PASSWORD)
    assert counselor.password_changed_at is None


def test_a_change_keeps_the_session_asking_and_ends_the_others(counselor, actor):
    here, elsewhere, another = (_live_session(counselor) for _ in range(3))
    colleague = factories.CounselorFactory(practice=counselor.practice)
    theirs = _live_session(colleague)

    ended = counselors.change_password(counselor, factories.PASSWORD, NEW, keep_session_id=here.id)
    db.session.commit()

    assert ended == 2
    for row in (here, elsewhere, another, theirs):
        db.session.refresh(row)
    assert here.ended_at is None and theirs.ended_at is None
    assert {elsewhere.ended_reason, another.ended_reason} == {"password_changed"}
    assert counselors.verify_password(counselor, NEW)
    assert not counselors.verify_password(counselor, factories.PASSWORD)
    assert counselor.password_changed_at == timeutil.utcnow()
    assert NEW not in counselor.password_hash
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "password.change")
    ).all()
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (counselor.id, "counselor", counselor.id)
    ]


# An invited counselor has no password until they join.


def test_an_invited_counselor_cannot_sign_in_with_any_password(app):
    practice = factories.PracticeFactory()
    invited = factories.CounselorFactory(
        practice=practice,
        joined_at=None,
        password_hash=counselors.unusable_password_hash(),
    )
    for password in ("", invited.password_hash, factories.PASSWORD):
        assert not counselors.verify_password(invited, password)
        with pytest.raises(InvalidInput) as error:
            counselors.authenticate(invited.email, password)
        assert error.value.errors == {"email": ["That email and password do not match an account."]}
    assert not counselors.can_use_password(invited)


def test_a_joined_counselor_whose_hash_is_good_still_needs_joined_at(app):
    """Joining is what opens the password: a hash alone (set by mistake) does not."""
    counselor = factories.CounselorFactory(joined_at=None)
    with pytest.raises(InvalidInput):
        counselors.authenticate(counselor.email, factories.PASSWORD)


def _live_session(counselor) -> CounselorSession:
    row, _raw_id = sessions.start(
        counselor, ip="127.0.0.1", user_agent="test", second_factor_done=True
    )
    db.session.commit()
    return row


# The CLI's commands set passwords under the same rule.


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_counselor_command_refuses_a_weak_password_in_words(app):
    factories.PracticeFactory(slug="north")
    result = run(
        app,
        "create-counselor",
        "--practice",
        "north",
        "--email",
        "lee@north.example",
        "--name",
        "Dr. Lee",
        input="aaaaaaaaaaaa\naaaaaaaaaaaa\n",
    )
    assert result.exit_code == 2
    assert "password: This password would be easy to guess." in result.output
    assert counselors.counselor_by_email("lee@north.example") is None


def test_set_password_command_refuses_the_counselors_own_name(app):
    counselor = factories.CounselorFactory(name="Dana Whitfield")
    weak = "dana whitfield 2026!"
    result = run(app, "set-password", counselor.email, input=f"{weak}\n{weak}\n")
    assert result.exit_code == 2
    assert "Don't use your name or email address in your password." in result.output
    assert counselors.verify_password(counselor, factories.PASSWORD)


def test_set_password_command_ends_every_session(app, counselor):
    row = _live_session(counselor)
    result = run(app, "set-password", counselor.email, input=f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert "signed out everywhere" in result.output
    db.session.expire_all()
    assert db.session.get(CounselorSession, row.id).ended_reason == "password_reset"
    assert counselors.authenticate(counselor.email, NEW) == counselor
