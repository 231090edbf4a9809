"""Settings › Reminders, the couple page's "Do reminders help?" and the API's
reminder-effect: the same figures and caveat from the nightly snapshot, the adaptive
cadence switch (owners only, audited) and putting a lowered partner back (confirmed,
audited)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from markupsafe import escape

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, ReminderCadence
from counselor.services.progress import adaptive_cadence, reminder_effect, reminder_figures
from tests.support import factories, reminder_history
from tests.support.helpers import login, row_counts
from tests.support.reminder_history import HELPS, UNHEEDED

NOW = datetime(2026, 5, 13, 2, 15, tzinfo=UTC)


def nightly() -> None:
    reminder_effect.compile_reminder_effects(NOW)
    adaptive_cadence.lower_unheeded(NOW)
    db.session.commit()


def test_the_practice_page_shows_the_figures_counts_and_caveat(logged_in, counselor):
    reminder_history.couple_with_history(counselor, NOW, HELPS)
    nightly()
    figures = reminder_figures.practice_effect()
    page = logged_in.get("/settings/reminders").get_data(as_text=True)
    assert f"Reminders:</strong> {escape(figures.verdict)}." in page
    assert "followed by a check-in 100% of the time vs" in page
    assert "28 reminders, 28 followed by a check-in." in page
    assert "comparable days without one, " in page
    assert "not proof that reminders cause check-ins" in page
    assert 'href="/settings/practice"' in page  # the cadence stays on Settings › Practice
    assert 'aria-current="page">Reminders</a>' in page


def test_with_nothing_measured_the_page_says_only_that(logged_in):
    page = logged_in.get("/settings/reminders").get_data(as_text=True)
    figures = page[page.index('id="reminders-practice"') :]
    figures = figures[: figures.index("</div>")]
    assert "Not measured yet — figures appear after the nightly run." in figures
    assert "too few to judge" not in page and "Reminders:</strong>" not in page
    assert "n = 0" not in page and "followed by a check-in." not in page
    assert "Last measured" not in page


def test_an_owner_turns_adaptive_cadence_on_and_off_audited(logged_in, counselor):
    response = logged_in.post("/settings/reminders", data={"reminders-adaptive_cadence": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert counselor.practice.adaptive_cadence is True
    logged_in.post("/settings/reminders", data={})
    db.session.expire_all()
    assert counselor.practice.adaptive_cadence is False
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "practice.adaptive_cadence")
    ).all()
    assert [(e.actor_id, e.object_id) for e in events] == [
        (counselor.id, counselor.practice_id)
    ] * 2


def test_a_counselor_who_is_not_an_owner_reads_but_cannot_change_it(client, counselor):
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    login(client, staff.email, factories.PASSWORD)
    tenancy.enter_practice(counselor.practice_id)
    page = client.get("/settings/reminders").get_data(as_text=True)
    assert "An owner of the practice can change this." in page
    before = row_counts()
    response = client.post("/settings/reminders", data={"reminders-adaptive_cadence": "y"})
    assert response.status_code == 422
    assert "Only an owner of the practice can change this." in response.get_data(as_text=True)
    db.session.expire_all()
    assert counselor.practice.adaptive_cadence is False
    assert row_counts() == before


def test_the_switch_needs_a_csrf_token(logged_in, counselor, csrf_checked):
    response = logged_in.post("/settings/reminders", data={"reminders-adaptive_cadence": "y"})
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert counselor.practice.adaptive_cadence is False


def test_the_couple_page_shows_each_partners_figures(logged_in, counselor):
    couple, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    nightly()
    figures = reminder_figures.couple_effects(couple)
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Do reminders help?" in page
    for partner in couple.partners:
        assert f'id="reminders-{partner.id}"' in page
        assert escape(figures[partner.id].verdict) in page
    assert figures[history.partner.id].verdict.startswith("followed by a check-in 100%")
    assert "n = 0 reminders; too few to judge" in page  # the other partner got none
    assert "Reminders follow the standard cadence (the practice's)." in page


@pytest.fixture
def lowered(counselor):
    counselor.practice.adaptive_cadence = True
    couple, (history,) = reminder_history.couple_with_history(counselor, NOW, UNHEEDED)
    nightly()
    assert history.partner.reminder_cadence == ReminderCadence.GENTLE
    return couple, history.partner


def test_a_lowered_partner_shows_as_attention_and_can_be_put_back(logged_in, lowered):
    couple, partner = lowered
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert f"{partner.first_name}&#39;s reminders dropped to gentle" in page
    assert "Reminders follow the gentle cadence: eased to gentle on" in page
    action = f"/partners/{partner.id}/restore-cadence"
    assert f'action="{action}"' in page
    # The first POST asks; nothing changes until it is confirmed.
    asked = logged_in.post(action)
    assert asked.status_code == 200
    assert "Back to the practice&#39;s cadence?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert partner.reminder_cadence == ReminderCadence.GENTLE
    done = logged_in.post(action, data={"confirmed": "yes"})
    assert done.status_code == 303 and done.location.endswith(f"/couples/{couple.id}")
    db.session.expire_all()
    assert partner.reminder_cadence is None and partner.cadence_lowered_at is None
    assert partner.cadence_changed_at is not None and partner.cadence_changed_at > NOW
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == adaptive_cadence.RESTORED)
    )
    assert event is not None and event.object_id == partner.id
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "dropped to gentle" not in page
    # A second restore is refused in words, nothing written.
    before = row_counts()
    again = logged_in.post(action, data={"confirmed": "yes"}, follow_redirects=True)
    assert "already follow the practice&#39;s cadence" in again.get_data(as_text=True)
    assert row_counts()["audit_events"] == before["audit_events"] + 1  # the page view only


def test_the_restore_needs_a_csrf_token(logged_in, lowered, csrf_checked):
    _, partner = lowered
    response = logged_in.post(f"/partners/{partner.id}/restore-cadence", data={"confirmed": "yes"})
    assert response.status_code == 400
    db.session.expire_all()
    assert partner.reminder_cadence == ReminderCadence.GENTLE


def test_the_couple_page_says_not_measured_yet_for_a_partner_without_rows(logged_in, counselor):
    couple, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    tenancy.enter_practice(counselor.practice_id)
    nightly()
    newer = factories.CoupleFactory(counselor=counselor)  # after the run: no rows

    def figures_of(couple, partner) -> str:
        html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
        block = html[html.index(f'id="reminders-{partner.id}"') :]
        return block[: block.index("</div>")]

    for partner in newer.partners:
        unmeasured = figures_of(newer, partner)
        assert "Not measured yet — figures appear after the nightly run." in unmeasured
        assert "reminders," not in unmeasured and "too few" not in unmeasured
    measured = figures_of(couple, history.partner)
    assert "Reminders:</strong> followed by a check-in" in measured
    assert "weighted to the reminders&#39; weekdays" in measured
    assert "reminders, " in measured and "Not measured" not in measured


def test_the_api_gives_each_partners_figures_from_the_same_function(app, counselor):
    from tests.support.api import make_api_client

    api = make_api_client(app, counselor.practice)
    couple, (history,) = reminder_history.couple_with_history(counselor, NOW, HELPS)
    tenancy.enter_practice(counselor.practice_id)
    nightly()
    figures = reminder_figures.couple_effects(couple)
    body = api.get(f"/couples/{couple.id}/reminder-effect").get_json()
    assert body["couple_id"] == couple.id
    first = body["partners"][0]
    want = figures[history.partner.id]
    assert first == {
        "partner_id": history.partner.id,
        "measured": True,
        "reminders": want.reminders,
        "reminders_followed": want.reminders_followed,
        "quiet_days": want.quiet_days,
        "quiet_days_followed": want.quiet_days_followed,
        "rate_with_reminder": want.rate_with,
        "rate_without_reminder": pytest.approx(want.rate_without),
        "difference": pytest.approx(want.difference),
        "enough_to_judge": True,
        "verdict": want.verdict,
        "caveat": want.caveat,
        "cadence": "standard",
        "cadence_lowered_at": None,
    }
    # The other partner had comparable days but no reminder: measured, too few to judge.
    assert (body["partners"][1]["measured"], body["partners"][1]["verdict"]) == (
        True,
        "n = 0 reminders; too few to judge",
    )
    # A couple the nightly job has not measured (no rows): no zeros to read as figures.
    newer = factories.CoupleFactory(counselor=counselor)
    for unmeasured in api.get(f"/couples/{newer.id}/reminder-effect").get_json()["partners"]:
        assert (unmeasured["measured"], unmeasured["verdict"], unmeasured["caveat"]) == (
            False,
            reminder_figures.NOT_MEASURED,
            "",
        )
        assert unmeasured["rate_with_reminder"] is None
        assert unmeasured["enough_to_judge"] is False
    other = factories.CounselorFactory()
    with tenancy.practice_scope(other.practice_id):
        foreign = factories.CoupleFactory(counselor=other)
    assert api.get(f"/couples/{foreign.id}/reminder-effect").status_code == 404
