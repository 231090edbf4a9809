"""The weekly check-in in the API: the couple's ``weekly_checkin`` (read, PATCH), the current
items with their versions, and a couple's series with its divergences — the same figures
the couple page and the report show (one function: ``weekly_checkin.couple_series``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import AuditEvent, Couple
from counselor.services.couples.links import partner_actor
from counselor.services.homework import ladder, weekly_checkin
from tests.support.api import assert_error
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock")

KEYS = [item.key for item in load_weekly_checkin()]
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def test_the_couple_says_whether_it_is_on_and_a_patch_turns_it_on(api, couple):
    assert couple["weekly_checkin"] is False

    response = api.patch(f"/couples/{couple['id']}", json={"weekly_checkin": True})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["weekly_checkin"] is True
    assert response.get_json()["label"] == couple["label"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == couple["id"])
    ).all()
    assert "weekly_checkin.turned_on" in actions
    assert "couple.update" not in actions  # nothing else changed


def test_a_patch_refuses_a_weekly_checkin_that_is_not_a_bool(api, couple):
    assert_error(api.patch(f"/couples/{couple['id']}", json={"weekly_checkin": "maybe"}), 422)


def test_the_items_with_their_versions(api):
    body = api.get("/weekly-checkin/items").get_json()
    assert [i["key"] for i in body["items"]] == KEYS
    assert {i["version"] for i in body["items"]} == {1}
    assert body["items"][0]["low_label"] and body["items"][0]["high_label"]
    assert "not a clinical test" in body["note"]


def test_the_series_with_divergence(api, couple, clock):
    row = db.session.get(Couple, couple["id"])
    row.weekly_checkin = True
    alex, sam = row.partners
    for partner, scores in ((alex, 4), (sam, 3)):
        chosen = dict.fromkeys(KEYS, scores) | ({KEYS[1]: 1} if partner is sam else {})
        weekly_checkin.record_answers(partner_actor(partner), partner, chosen)
    clock.advance(days=7)
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 5))
    db.session.commit()

    body = api.get(f"/couples/{couple['id']}/weekly-checkins").get_json()

    assert body["enabled"] is True
    assert body["weeks"][-1] == (MONDAY + timedelta(weeks=1)).isoformat()
    assert body["latest_week"] == body["weeks"][-1]
    assert [i["key"] for i in body["items"]] == KEYS
    first, second = body["partners"]
    assert (first["partner_id"], first["first_name"]) == (alex.id, "Alex")
    assert first["weeks"][-2]["scores"] == dict.fromkeys(KEYS, 4)
    assert first["weeks"][-1]["mean"] == 5.0 and first["change"] == 1.0
    assert first["item_changes"] == dict.fromkeys(KEYS, 1)
    assert first["item_wording_changed"] == dict.fromkeys(KEYS, False)
    assert body["mixed_wording"] == []
    assert second["weeks"][-1]["scores"] == dict.fromkeys(KEYS)
    assert second["change"] is None
    assert body["divergence_points"] == 2
    assert body["divergences"] == [
        {
            "week_start": MONDAY.isoformat(),
            "item_key": KEYS[1],
            "scores": [{"partner_id": alex.id, "score": 4}, {"partner_id": sam.id, "score": 1}],
        }
    ]


def test_a_reworded_item_has_no_change_and_is_not_compared(api, couple, clock):
    row = db.session.get(Couple, couple["id"])
    row.weekly_checkin = True
    alex, sam = row.partners
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 2))
    ladder.sync_ladder(
        items=[
            replace(i, text=i.text + " Really.") if i.key == KEYS[0] else i
            for i in load_weekly_checkin()
        ]
    )
    weekly_checkin.record_answers(partner_actor(sam), sam, dict.fromkeys(KEYS, 4))
    clock.advance(days=7)
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 3))
    db.session.commit()

    body = api.get(f"/couples/{couple['id']}/weekly-checkins").get_json()

    first = body["partners"][0]
    assert first["item_changes"] == {key: None if key == KEYS[0] else 1 for key in KEYS}
    assert first["item_wording_changed"] == {key: key == KEYS[0] for key in KEYS}
    assert first["change"] is None
    assert body["mixed_wording"] == [{"week_start": MONDAY.isoformat(), "item_key": KEYS[0]}]
    assert [d["item_key"] for d in body["divergences"]] == KEYS[1:]


def test_another_practices_couple_is_not_found(api, other_api, couple):
    assert_error(other_api.get(f"/couples/{couple['id']}/weekly-checkins"), 404)
    assert_error(other_api.patch(f"/couples/{couple['id']}", json={"weekly_checkin": True}), 404)
