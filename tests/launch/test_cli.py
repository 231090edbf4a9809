"""``flask --app counselor launch-secret``: a practice's host launch secret, shown once."""

from __future__ import annotations

from counselor.extensions import db
from counselor.services.accounts.launch import verify_launch
from tests.support import factories
from tests.support.launch_tokens import mint


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_launch_secret_prints_a_new_secret_that_signs_launches(app, counselor):
    result = run(app, "launch-secret", "--practice", counselor.practice.slug)

    assert result.exit_code == 0, result.output
    secret = result.output.splitlines()[1]
    db.session.expire_all()
    assert counselor.practice.launch_secret == secret
    assert len(secret) >= 43
    assert verify_launch(mint(secret, counselor.email))[0].id == counselor.id


def test_running_it_again_replaces_the_secret(app, counselor):
    first = run(app, "launch-secret", "--practice", counselor.practice.slug).output.splitlines()[1]
    second = run(app, "launch-secret", "--practice", counselor.practice.slug).output.splitlines()[1]
    assert first != second
    db.session.expire_all()
    assert counselor.practice.launch_secret == second


def test_an_unknown_practice_is_an_error(app):
    factories.PracticeFactory(slug="north")
    result = run(app, "launch-secret", "--practice", "south")
    assert result.exit_code == 2
    assert "no practice with slug 'south'" in result.output
