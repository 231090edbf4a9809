"""A host launch proves who the counselor is as a password does, no more (docs/security.md,
"Links, sign-in and launch"): a counselor with a second factor gives it after a launch too.
A browser already fully signed in as the same counselor keeps its session."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from counselor import timeutil
from counselor.extensions import db
from counselor.models import CounselorSession
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.helpers import count_rows, login
from tests.support.launch_tokens import mint


def sessions_of(counselor) -> list[CounselorSession]:
    db.session.expire_all()
    statement = sa.select(CounselorSession).where(CounselorSession.counselor_id == counselor.id)
    return list(db.session.scalars(across_practices(statement.order_by(CounselorSession.id))))


def test_a_launch_asks_a_counselor_with_a_second_factor_for_it(app, client, counselor, secret):
    counselor.totp_secret = "JBSWY3DPEHPK3PXP"
    counselor.totp_confirmed_at = timeutil.utcnow()
    couple = factories.CoupleFactory(counselor=counselor)
    db.session.commit()

    response = client.get(
        "/launch", query_string={"token": mint(secret, counselor.email, couple_id=couple.id)}
    )

    with app.test_request_context():
        challenge = url_for("dashboard.second_factor_challenge")
    assert response.status_code == 302
    assert response.location.startswith(challenge)
    assert f"next=/couples/{couple.id}" in response.location.replace("%2F", "/")
    [row] = sessions_of(counselor)
    assert row.second_factor_at is None
    assert client.get(f"/couples/{couple.id}").location.startswith(challenge)


def test_a_launch_into_the_same_counselors_browser_keeps_its_session(client, counselor, secret):
    assert login(client, counselor.email, factories.PASSWORD).status_code == 302
    [before] = sessions_of(counselor)

    response = client.get(f"/launch?token={mint(secret, counselor.email)}")

    assert response.location == "/couples"
    [after] = sessions_of(counselor)
    assert after.id == before.id and after.ended_at is None
    assert client.get("/couples").status_code == 200
    assert count_rows(CounselorSession) == 1


def test_a_launch_still_signs_in_a_counselor_without_one(client, counselor, secret):
    response = client.get(f"/launch?token={mint(secret, counselor.email)}")
    assert response.location == "/couples"
    [row] = sessions_of(counselor)
    assert row.second_factor_at is not None
    assert client.get("/couples").status_code == 200
