"""A check-in its partner changed, or whose shared reflection they took back, as the API
shows it: ``edited_at``, ``reflection_withdrawn_at``, and ``share_with_partner`` false once
the other partner can no longer read it."""

from __future__ import annotations

from datetime import timedelta

from counselor import timeutil
from counselor.models import Partner
from counselor.services.couples.links import partner_actor
from counselor.services.homework import checkins
from counselor.services.homework.checkins import CheckInChanges
from tests.support.helpers import stored


def test_check_ins_show_when_their_partner_changed_them_or_took_a_reflection_back(api, couple):
    week_ago = timeutil.local_today("America/Chicago") - timedelta(days=7)
    key = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={
            "template_key": key,
            "assignee": "each",
            "notify": False,
            "starts_on": week_ago.isoformat(),
        },
    ).get_json()
    alex_id = couple["partners"][0]["id"]
    path = f"/assignments/{assignment['id']}/checkins"
    created = api.post(
        path,
        json={"partner_id": alex_id, "reflection": "Said it aloud.", "share_with_partner": True},
    ).get_json()
    assert (created["edited_at"], created["reflection_withdrawn_at"]) == (None, None)
    alex = stored(Partner, alex_id)

    checkins.edit_checkin(
        partner_actor(alex),
        alex,
        created["id"],
        CheckInChanges(
            occurred_on=timeutil.local_today(alex.timezone),
            comfort=4,
            reflection="Said it aloud, twice.",
            share_with_partner=True,
        ),
    )
    checkins.withdraw_reflection(partner_actor(alex), alex, created["id"])

    [listed] = api.get(path).get_json()["items"]
    assert listed["reflection"] == "Said it aloud, twice."
    assert listed["edited_at"] is not None
    assert listed["reflection_withdrawn_at"] is not None
    assert listed["share_with_partner"] is False
