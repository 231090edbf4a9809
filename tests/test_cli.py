"""The ``flask --app counselor`` commands."""

from __future__ import annotations

import re

import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Counselor, Couple, CoupleSession, Practice
from counselor.services import demo
from counselor.services.accounts import counselors
from tests.support import factories
from tests.support.helpers import count_rows


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_practice_and_counselor_with_prompted_password(app):
    result = run(app, "create-practice", "--name", "North Clinic", "--slug", "north")
    assert result.exit_code == 0, result.output
    result = run(
        app,
        "create-counselor",
        "--practice",
        "north",
        "--email",
        "lee@north.example",
        "--name",
        "Dr. Lee",
        "--owner",
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "(time zone UTC)" in result.output  # the practice's, as none was given
    counselor = counselors.authenticate("lee@north.example", "a long enough password")
    assert counselor.role.value == "owner"
    assert "a long enough password" not in counselor.password_hash


def test_create_counselor_on_the_practice_s_clock_unless_told_otherwise(app):
    practice = factories.PracticeFactory(slug="west", timezone="Europe/Dublin")
    common = ["create-counselor", "--practice", "west", "--password", "a long enough password"]
    result = run(app, *common, "--email", "ann@west.example", "--name", "Ann")
    assert result.exit_code == 0, result.output
    result = run(
        app, *common, "--email", "bo@west.example", "--name", "Bo", "--timezone", "Asia/Tokyo"
    )
    assert result.exit_code == 0, result.output
    with tenancy.practice_scope(practice.id):
        zones = {c.email: c.timezone for c in counselors.practice_counselors()}
    assert zones == {"ann@west.example": "Europe/Dublin", "bo@west.example": "Asia/Tokyo"}
    result = run(app, *common, "--email", "cy@west.example", "--name", "Cy", "--timezone", "Mars")
    assert result.exit_code == 2
    assert "timezone: Choose a time zone from the list" in result.output


def test_bad_cli_input_explains_itself_and_writes_nothing(app):
    result = run(
        app, "create-practice", "--name", "X", "--slug", "Not A Slug", "--timezone", "Nowhere"
    )
    assert result.exit_code == 2
    assert "slug:" in result.output and "timezone:" in result.output
    assert count_rows(Practice) == 0
    result = run(
        app,
        "create-counselor",
        "--practice",
        "missing",
        "--email",
        "a@b.org",
        "--name",
        "A",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 2
    assert "no practice with slug 'missing'" in result.output


def test_seed_demo_once_prints_the_password_and_is_idempotent(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    demo_counselor = counselors.authenticate(demo.DEMO_EMAIL, password)
    # The demo counselor is on the demo practice's clock, as every new counselor is.
    assert demo_counselor.timezone == demo_counselor.practice.timezone == demo.DEMO_TIMEZONE

    counts = {
        m: count_rows(m) for m in (Practice, Counselor, Couple, Assignment, CheckIn, CoupleSession)
    }
    assert counts[Couple] == 3
    assert counts[CheckIn] > 30
    second = run(app, "seed-demo")
    assert "already present" in second.output
    assert "password:" not in second.output
    assert counts == {m: count_rows(m) for m in counts}


def test_demo_couples_sit_on_different_rungs_with_upcoming_sessions(app):
    demo.seed_demo()
    tenancy.enter_practice(counselors.practice_by_slug(demo.DEMO_SLUG).id)
    positions = db.session.execute(
        sa.select(Couple.label, sa.func.max(Assignment.rung_id))
        .join(Assignment, Assignment.couple_id == Couple.id)
        .where(Assignment.status == "active")
        .group_by(Couple.label)
    ).all()
    assert len({rung for _label, rung in positions}) == 3
    reflections = db.session.scalar(
        sa.select(sa.func.count()).select_from(CheckIn).where(CheckIn.reflection.is_not(None))
    )
    assert reflections > 5


def test_seed_demo_if_empty_leaves_a_real_practice_alone(app):
    factories.PracticeFactory()
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert "no demo data added" in result.output
    assert count_rows(Couple) == 0


def test_set_password(app):
    counselor = factories.CounselorFactory()
    result = run(
        app, "set-password", counselor.email, input="brand new password!\nbrand new password!\n"
    )
    assert result.exit_code == 0, result.output
    assert counselors.authenticate(counselor.email, "brand new password!")


def test_ladder_show_prints_rungs_and_templates(app):
    result = run(app, "ladder", "show")
    assert result.exit_code == 0
    rung_lines = [line for line in result.output.splitlines() if re.match(r"^\d\. ", line)]
    assert len(rung_lines) >= 5
    for key in ("ask-opinion-work-email", "hand-over-a-chore", "share-a-minor-worry"):
        assert f"[{key}]" in result.output


def test_ladder_sync_twice_reports_no_changes(app):
    result = run(app, "ladder", "sync")
    assert result.exit_code == 0
    assert "Ladder is up to date." in result.output
