"""Launch claims of the wrong type are a clear refusal, never a server error (issue 12: a
NaN ``iat`` gave a 500). Each token is signed with the practice's real launch secret, so
the claims are what the signature vouches for and only their types are wrong."""

from __future__ import annotations

import time

import pytest

from counselor.models import UsedLaunchToken
from tests.support.helpers import count_rows
from tests.support.launch_tokens import mint

REFUSED_TEXT = "This link cannot open the dashboard"
NAN, INFINITY = float("nan"), float("inf")


def now() -> int:
    return int(time.time())


# Each a claim and a value that is not what a launch token may carry there.
WRONG_TYPES = {
    "iat NaN": {"iat": NAN},
    "exp NaN": {"exp": NAN},
    "nbf NaN": {"nbf": NAN},
    "iat and exp NaN": {"iat": NAN, "exp": NAN},
    "iat Infinity": {"iat": INFINITY},
    "iat -Infinity": {"iat": -INFINITY},
    "exp Infinity": {"exp": INFINITY},
    "nbf -Infinity": {"nbf": -INFINITY},
    "iat string": {"iat": "now"},
    "exp numeric string": {"exp": str(now() + 60)},
    "nbf string": {"nbf": "soon"},
    "iat true": {"iat": True},
    "exp false": {"exp": False},
    "nbf list": {"nbf": [None]},
    "exp list": {"exp": [now() + 60]},
    "exp object": {"exp": {"at": now() + 60}},
    "sub number": {"sub": 7},
    "sub list": {"sub": ["someone@example.org"]},
    "jti number": {"jti": 42},
    "jti empty": {"jti": ""},
    "jti too long": {"jti": "j" * 129},
    "jti object": {"jti": {"id": "x"}},
    "couple_id words": {"couple_id": "the Smiths"},
    "couple_id true": {"couple_id": True},
    "couple_id float": {"couple_id": 1.5},
    "couple_id NaN": {"couple_id": NAN},
    "couple_id superscript digit": {"couple_id": "\u00b2"},
    "couple_id list": {"couple_id": [1]},
}


@pytest.mark.parametrize("kind", sorted(WRONG_TYPES))
def test_a_claim_of_the_wrong_type_is_a_bad_request(client, counselor, secret, kind):
    before = count_rows(UsedLaunchToken)
    token = mint(secret, counselor.email, **WRONG_TYPES[kind])

    response = client.get("/launch", query_string={"token": token})

    assert response.status_code == 400
    assert REFUSED_TEXT in response.get_data(as_text=True)
    assert count_rows(UsedLaunchToken) == before
    assert client.get("/couples").status_code == 302  # nobody logged in


@pytest.mark.parametrize("couple_id", [2**31, 2**63, 10**30, -1, 0, "99999999999999999999"])
def test_a_couple_id_out_of_the_databases_range_names_no_couple(
    client, counselor, secret, couple_id
):
    token = mint(secret, counselor.email, couple_id=couple_id)

    response = client.get("/launch", query_string={"token": token})

    assert response.status_code == 401
    assert REFUSED_TEXT in response.get_data(as_text=True)


def test_a_token_not_yet_valid_is_refused(client, counselor, secret):
    token = mint(secret, counselor.email, nbf=now() + 120)

    response = client.get("/launch", query_string={"token": token})

    assert response.status_code == 401


def test_well_typed_times_still_work_and_nbf_in_the_past_is_fine(client, counselor, secret):
    token = mint(secret, counselor.email, iat=now() - 0.5, exp=now() + 60.25, nbf=now() - 10)

    response = client.get("/launch", query_string={"token": token})

    assert response.status_code == 302
    assert response.location == "/couples"
