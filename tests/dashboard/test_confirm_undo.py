"""Nothing irreversible by one click: each guarded action asks on a page of its own first
(a GET that changes nothing; a POST without the confirmation applies nothing), and the
couple's page then offers to undo it, then and later. Every action and undo is audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AssignmentStatus, AuditEvent, CheckIn, CoupleStatus, LinkPurpose
from counselor.services.couples import links
from tests.support import factories
from tests.support.clock import NOW
from tests.support.helpers import count_rows, row_counts

pytestmark = pytest.mark.usefixtures("clock")

CONFIRM = {"confirmed": "yes"}


def text(response) -> str:
    """The page's text with tags and runs of white space collapsed, for plain assertions."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def couple_page(client, couple) -> str:
    response = client.get(f"/couples/{couple.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def undo_form(html: str) -> tuple[str, dict[str, str]]:
    """The undo banner's form: where it posts and its hidden fields (CSRF token aside)."""
    banner = re.search(r'<div class="flash flash-success undo-banner".*?</div>', html, re.S)
    assert banner, "no undo banner"
    action = re.search(r'<form method="post" action="([^"]+)"', banner.group(0)).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', banner.group(0)))
    fields.pop("csrf_token")
    return action, fields


def audit_actions() -> list[str]:
    rows = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.not_in(["couple.view", "auth.login"]))
        .order_by(AuditEvent.id)
    )
    return list(rows)


@pytest.fixture
def step(couple):
    """A step since Monday 27 April with check-ins in three weeks (the clock: 13 May)."""
    assignment = factories.AssignmentFactory(
        couple=couple, title="Ask for a lift", starts_on=date(2026, 4, 27)
    )
    for day in (date(2026, 4, 28), date(2026, 5, 5), date(2026, 5, 6), date(2026, 5, 12)):
        factories.CheckInFactory(assignment=assignment, partner=couple.partners[0], occurred_on=day)
    return assignment


@pytest.mark.parametrize(
    ("path", "status", "question", "button"),
    [
        ("cancel", "cancelled", "Cancel “Ask for a lift”?", "Cancel the step"),
        ("complete", "completed", "Mark “Ask for a lift” completed?", "Mark it completed"),
    ],
)
def test_ending_a_step_asks_then_applies_then_undoes(
    logged_in, couple, step, path, status, question, button
):
    page = couple_page(logged_in, couple)
    assert f'href="/assignments/{step.id}/{path}"' in page
    before = row_counts()

    confirm = logged_in.get(f"/assignments/{step.id}/{path}")
    assert confirm.status_code == 200
    said = text(confirm)
    assert question in said
    assert "Its 4 check-ins over 3 weeks stay on record" in said
    assert button in said and "Keep it active and go back" in said
    html = confirm.get_data(as_text=True)
    assert f'action="/assignments/{step.id}/end"' in html
    assert f'name="status" value="{status}"' in html and 'name="confirmed" value="yes"' in html
    assert row_counts() == before  # the confirm page changes nothing

    unconfirmed = logged_in.post(f"/assignments/{step.id}/end", data={"status": status})
    assert unconfirmed.status_code == 200 and question in text(unconfirmed)
    db.session.expire_all()
    assert step.status == AssignmentStatus.ACTIVE

    applied = logged_in.post(f"/assignments/{step.id}/end", data={"status": status, **CONFIRM})
    assert applied.status_code == 302
    db.session.expire_all()
    assert step.status == AssignmentStatus(status)
    html = couple_page(logged_in, couple)
    action, fields = undo_form(html)
    assert action == f"/assignments/{step.id}/reopen" and fields == {}
    assert "Its check-ins stay on record." in html

    assert logged_in.post(action, data=fields).status_code == 302
    db.session.expire_all()
    assert (step.status, step.ended_on) == (AssignmentStatus.ACTIVE, None)
    assert count_rows(CheckIn) == 4
    assert audit_actions() == [f"assignment.{status}", "assignment.reopen"]


def test_an_ended_step_offers_reopen_later_with_its_weeks_intact(logged_in, couple, step):
    week_cells = re.compile(r'<span class="cell[^"]*"[^>]*>(\d+/\d+)</span>')
    before = week_cells.findall(couple_page(logged_in, couple))
    logged_in.post(f"/assignments/{step.id}/end", data={"status": "cancelled", **CONFIRM})
    couple_page(logged_in, couple)  # the banner is shown once

    later = couple_page(logged_in, couple)
    assert "undo-banner" not in later
    assert "Cancelled" in later
    assert f'action="/assignments/{step.id}/reopen"' in later
    # The past weeks show what was done; this week counts to the day the step ended.
    assert week_cells.findall(later)[:2] == before[:2]

    logged_in.post(f"/assignments/{step.id}/reopen")
    assert week_cells.findall(couple_page(logged_in, couple)) == before


def test_the_confirm_page_of_an_ended_step_sends_back_with_a_word(logged_in, couple, step):
    step.status = AssignmentStatus.COMPLETED
    db.session.commit()
    response = logged_in.get(f"/assignments/{step.id}/cancel", follow_redirects=True)
    assert "“Ask for a lift” is already completed." in text(response)


def test_a_bad_ending_is_refused(logged_in, step):
    assert (
        logged_in.post(f"/assignments/{step.id}/end", data={"status": "active"}).status_code == 400
    )


def test_removing_a_session_asks_then_restores(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    session = factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(days=2))
    before = row_counts()

    confirm = logged_in.get(f"/sessions/{session.id}/delete")
    assert confirm.status_code == 200
    assert "Remove the session of Fri 15 May 2026, 12:00" in text(confirm)
    assert "no pre-session report is prepared for it" in text(confirm)
    assert row_counts() == before
    assert logged_in.post(f"/sessions/{session.id}/delete").status_code == 200
    db.session.expire_all()
    assert session.removed_at is None

    assert logged_in.post(f"/sessions/{session.id}/delete", data=CONFIRM).status_code == 302
    db.session.expire_all()
    assert session.removed_at is not None
    html = couple_page(logged_in, couple)
    assert undo_form(html) == (f"/sessions/{session.id}/restore", {})
    later = couple_page(logged_in, couple)
    assert "No session booked." in later
    assert "Removed sessions (1)" in later
    assert f'action="/sessions/{session.id}/restore"' in later

    assert logged_in.post(f"/sessions/{session.id}/restore").status_code == 302
    db.session.expire_all()
    assert session.removed_at is None
    assert "Removed sessions" not in couple_page(logged_in, couple)
    assert audit_actions() == ["session.remove", "session.restore"]


def test_revoking_links_asks_then_restores_exactly_those(logged_in, couple):
    first, second = couple.partners
    earlier = links.issue_link(first, LinkPurpose.HOMEWORK)
    links.revoke_links([first.id])
    tokens = [links.issue_link(p, LinkPurpose.HOMEWORK) for p in couple.partners]
    db.session.commit()

    confirm = logged_in.get(f"/couples/{couple.id}/revoke-links")
    said = text(confirm)
    assert (
        f"Revoke every link already emailed to {first.first_name} and {second.first_name}?" in said
    )
    assert "2 links working now will stop at once." in said
    assert logged_in.post(f"/couples/{couple.id}/revoke-links").status_code == 200
    assert logged_in.get(f"/p/{tokens[0]}").status_code == 200  # nothing revoked yet

    logged_in.post(f"/couples/{couple.id}/revoke-links", data=CONFIRM)
    assert all(logged_in.get(f"/p/{t}").status_code == 404 for t in tokens)
    action, fields = undo_form(couple_page(logged_in, couple))
    assert action == f"/couples/{couple.id}/restore-links" and set(fields) == {"revoked_at"}
    later = couple_page(logged_in, couple)
    assert "2 of them could work again." in later and "Restore those links" in later

    logged_in.post(action, data=fields)
    assert all(logged_in.get(f"/p/{t}").status_code == 200 for t in tokens)
    assert logged_in.get(f"/p/{earlier}").status_code == 404
    assert "Restore those links" not in couple_page(logged_in, couple)
    assert audit_actions() == ["couple.revoke_links", "couple.restore_links"]


def test_restoring_links_needs_a_revocation_of_the_couple(logged_in, couple):
    response = logged_in.post(
        f"/couples/{couple.id}/restore-links",
        data={"revoked_at": NOW.isoformat()},
        follow_redirects=True,
    )
    assert "There is no such revocation to undo." in text(response)
    bad = logged_in.post(f"/couples/{couple.id}/restore-links", data={"revoked_at": "yesterday"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("path", "status", "question"),
    [("pause", "paused", "Pause the work with"), ("close", "closed", "Close")],
)
def test_pausing_or_closing_asks_then_undoes(logged_in, couple, path, status, question):
    token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    db.session.commit()
    assert f'href="/couples/{couple.id}/{path}"' in couple_page(logged_in, couple)
    before = row_counts()

    confirm = logged_in.get(f"/couples/{couple.id}/{path}")
    assert f"{question} {couple.label}?" in text(confirm)
    assert "every link already sent to them stops working" in text(confirm)
    assert row_counts() == before
    unconfirmed = logged_in.post(f"/couples/{couple.id}/status", data={"status": status})
    assert unconfirmed.status_code == 200
    db.session.expire_all()
    assert couple.status == CoupleStatus.ACTIVE

    logged_in.post(f"/couples/{couple.id}/status", data={"status": status, **CONFIRM})
    db.session.expire_all()
    assert couple.status == CoupleStatus(status)
    assert logged_in.get(f"/p/{token}").status_code == 404
    action, fields = undo_form(couple_page(logged_in, couple))
    assert action == f"/couples/{couple.id}/status" and fields["status"] == "active"

    logged_in.post(action, data=fields)
    db.session.expire_all()
    assert couple.status == CoupleStatus.ACTIVE
    assert audit_actions() == [f"couple.{path}", "couple.reopen"]


def test_a_paused_couple_offers_reopen(logged_in, couple):
    couple.status = CoupleStatus.PAUSED
    db.session.commit()
    page = couple_page(logged_in, couple)
    assert "Reopen couple" in page
    logged_in.post(f"/couples/{couple.id}/status", data={"status": "active"})
    db.session.expire_all()
    assert couple.status == CoupleStatus.ACTIVE
    assert audit_actions() == ["couple.reopen"]


def couple_form(couple, **changes) -> dict[str, str]:
    form = {
        "label": couple.label,
        "status": couple.status.value,
        "counselor_id": str(couple.counselor_id),
        "external_id": "",
    }
    for index, partner in enumerate(couple.partners):
        for name in ("first_name", "email", "timezone"):
            form[f"partners-{index}-{name}"] = getattr(partner, name)
        form[f"partners-{index}-reminder_hour"] = "18"
        form[f"partners-{index}-quiet_start_hour"] = "21"
        form[f"partners-{index}-quiet_end_hour"] = "8"
    form.update(changes)
    return form


def test_closing_from_the_couple_form_asks_first(logged_in, couple):
    data = couple_form(couple, status="closed", label="Renamed couple")

    confirm = logged_in.post(f"/couples/{couple.id}/edit", data=data)
    assert confirm.status_code == 200
    assert f"Close {couple.label}?" in text(confirm)
    html = confirm.get_data(as_text=True)
    assert f'action="/couples/{couple.id}/edit"' in html
    assert '<input type="hidden" name="label" value="Renamed couple">' in html
    db.session.expire_all()
    assert (couple.status, couple.label) != (CoupleStatus.CLOSED, "Renamed couple")

    done = logged_in.post(f"/couples/{couple.id}/edit", data={**data, **CONFIRM})
    assert done.status_code == 302
    db.session.expire_all()
    assert (couple.status, couple.label) == (CoupleStatus.CLOSED, "Renamed couple")
    action, fields = undo_form(couple_page(logged_in, couple))
    assert (action, fields["status"]) == (f"/couples/{couple.id}/status", "active")


def test_other_changes_in_the_couple_form_need_no_confirmation(logged_in, couple):
    response = logged_in.post(f"/couples/{couple.id}/edit", data=couple_form(couple, label="New"))
    assert response.status_code == 302
    db.session.expire_all()
    assert couple.label == "New"


def test_a_confirmation_without_its_csrf_token_is_refused(app, logged_in, couple, step):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production (the suite turns it off)
    response = logged_in.post(
        f"/assignments/{step.id}/end", data={"status": "cancelled", **CONFIRM}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert step.status == AssignmentStatus.ACTIVE


def test_the_confirm_page_tells_two_steps_of_one_title_apart(logged_in, couple, step):
    twin = factories.AssignmentFactory(
        couple=couple, title="Ask for a lift", starts_on=date(2026, 5, 11)
    )
    said = text(logged_in.get(f"/assignments/{twin.id}/cancel"))
    assert "Cancel “Ask for a lift (from 11 May)”?" in said


def test_reopening_a_step_the_couple_has_again_meanwhile_says_so(logged_in, couple, step):
    """An undo is not refused, but the counselor hears that the partners now see two cards."""
    logged_in.post(f"/assignments/{step.id}/end", data={"status": "cancelled", **CONFIRM})
    factories.AssignmentFactory(couple=couple, title="ask for a  lift", starts_on=date(2026, 5, 11))

    logged_in.post(f"/assignments/{step.id}/reopen")

    said = text(logged_in.get(f"/couples/{couple.id}"))
    assert "“Ask for a lift (from 27 Apr)” is active again, with all its check-ins." in said
    assert "“ask for a lift” is also active, since 11 May" in said
    assert "two cards for this step" in said


def test_reopening_a_step_with_no_twin_says_nothing_more(logged_in, couple, step):
    logged_in.post(f"/assignments/{step.id}/end", data={"status": "cancelled", **CONFIRM})

    logged_in.post(f"/assignments/{step.id}/reopen")

    assert "is also active" not in text(logged_in.get(f"/couples/{couple.id}"))
