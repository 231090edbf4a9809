"""The settings area: Your account, Practice (owners change it), and the tab bar every
settings page shares with API keys and Webhooks."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, EmailDetail, ReminderCadence
from tests.support import factories
from tests.support.helpers import login, row_counts

SETTINGS_PAGES = {
    "/settings": "Your account",
    "/settings/practice": "Practice",
    "/settings/reminders": "Reminders",
    "/settings/api-keys": "API keys",
    "/settings/webhooks": "Webhooks",
    "/settings/security": "Security",
    "/settings/counselors": "Counselors",
    "/settings/access": "Access",
    "/settings/retention": "Data retention",
    "/settings/audit": "Audit trail",  # owners only: the tests' counselor is an owner
}


def practice_form(**changes: str | None) -> dict[str, str]:
    """The practice form as an owner sends it; ``None`` leaves a field out (a box unticked)."""
    data = {
        "practice-practice_timezone": "America/Denver",
        "practice-reminder_cadence": "gentle",
        "practice-email_detail": "titles",
        "practice-reply_to": "office@riverside.example",
        "practice-email_names_counselor": "y",
    }
    data.update({f"practice-{name}": value for name, value in changes.items()})
    return {name: value for name, value in data.items() if value is not None}


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# -- Your account ----------------------------------------------------------------------


def test_a_counselor_sets_time_zone_and_turns_the_digest_off(logged_in, counselor):
    response = logged_in.post("/settings", data={"me-timezone": "Europe/Lisbon"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (counselor.timezone, counselor.weekly_digest) == ("Europe/Lisbon", False)
    assert "counselor.preferences" in audit_actions()


def test_an_unknown_time_zone_is_refused_at_the_field(logged_in, counselor):
    before = row_counts()
    response = logged_in.post("/settings", data={"me-timezone": "Atlantis/Deep"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="me-timezone-error">Choose a time zone from the list', page)
    # What was sent stays visible and selected beside the message, not silently replaced.
    assert '<optgroup label="Current"><option value="Atlantis/Deep" selected>' in page
    assert row_counts() == before
    db.session.expire_all()
    assert counselor.timezone == "America/Chicago"


def test_the_time_zone_field_is_a_select_grouped_by_region(logged_in, counselor):
    page = logged_in.get("/settings").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="me-timezone".*?</select>', page, re.S).group(0)
    assert "data-timezone-picker" in select
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "UTC"
    assert {"Africa", "America", "Asia", "Australia", "Europe", "Pacific"} <= set(groups)
    assert groups[1:] == sorted(groups[1:])
    europe = re.search(r'<optgroup label="Europe">(.*?)</optgroup>', select).group(1)
    assert '<option value="Europe/London">London, Britain (UK)</option>' in europe
    america = re.search(r'<optgroup label="America">(.*?)</optgroup>', select).group(1)
    assert '<option value="America/Chicago" selected>Chicago, United States</option>' in america
    assert '<option value="UTC">UTC</option>' in select
    for alias in ("US/Eastern", "Etc/GMT+5", "Asia/Calcutta", "EST5EDT", "localtime"):
        assert f'value="{alias}"' not in select, alias
    # The enhancement is a static script of our own (CSP: script-src 'self').
    assert '<script src="/static/timezone-picker.js" defer></script>' in page


def test_a_legacy_zone_already_stored_stays_selected(logged_in, counselor):
    counselor.timezone = "US/Eastern"  # e.g. set before the picker, or by a host system
    db.session.commit()
    page = logged_in.get("/settings").get_data(as_text=True)
    assert '<optgroup label="Current"><option value="US/Eastern" selected>' in page
    assert logged_in.post("/settings", data={"me-timezone": "US/Eastern"}).status_code == 303


# -- Practice ----------------------------------------------------------------------------


def test_an_owner_saves_the_practice_settings_and_it_is_audited(logged_in, counselor):
    response = logged_in.post("/settings/practice", data=practice_form())
    assert response.status_code == 303
    db.session.expire_all()
    practice = counselor.practice
    assert practice.reminder_cadence == ReminderCadence.GENTLE
    assert practice.email_detail == EmailDetail.TITLES
    assert practice.timezone == "America/Denver"
    assert practice.reply_to == "office@riverside.example"
    assert practice.email_names_counselor is True
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "practice.settings")
    ).one()
    assert (event.actor_type, event.actor_id) == ("counselor", counselor.id)
    assert (event.object_type, event.object_id) == ("practice", practice.id)

    page = logged_in.get("/settings/practice").get_data(as_text=True)
    assert 'value="office@riverside.example"' in page
    checkbox = re.search(r'<input[^>]*name="practice-email_names_counselor"[^>]*>', page)
    assert " checked " in checkbox.group(0)


def test_the_email_settings_explain_themselves(logged_in):
    page = logged_in.get("/settings/practice").get_data(as_text=True)
    assert "Reply-to address (optional)" in page
    assert "Name the counselor in emails to partners" in page
    hint = re.search(r'id="practice-email_names_counselor-hint">(.*?)</p>', page).group(1)
    assert html.unescape(hint) == (
        "Off: emails name only the practice. On: they also name the couple's counselor."
    )
    assert 'aria-describedby="practice-email_names_counselor-hint"' in page


def test_naming_the_counselor_is_off_by_default_and_a_blank_reply_to_means_none(
    logged_in, counselor
):
    practice = counselor.practice
    assert (practice.reply_to, practice.email_names_counselor) == (None, False)
    practice.reply_to, practice.email_names_counselor = "old@example.org", True
    db.session.commit()
    response = logged_in.post(
        "/settings/practice", data=practice_form(reply_to="  ", email_names_counselor=None)
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (practice.reply_to, practice.email_names_counselor) == (None, False)


@pytest.mark.parametrize("address", ["not-an-address", "office@", "two@@example.org"])
def test_a_bad_reply_to_address_is_refused_and_nothing_changes(logged_in, counselor, address):
    before = row_counts()
    response = logged_in.post("/settings/practice", data=practice_form(reply_to=address))
    assert response.status_code == 422
    assert 'id="practice-reply_to-error">Not a valid email address.' in response.get_data(
        as_text=True
    )
    assert row_counts() == before
    db.session.expire_all()
    assert counselor.practice.reply_to is None
    assert counselor.practice.timezone == "America/Chicago"  # the good fields neither


def test_an_unknown_practice_zone_is_refused(logged_in, counselor):
    response = logged_in.post(
        "/settings/practice", data=practice_form(practice_timezone="Mars/Olympus")
    )
    assert response.status_code == 422
    assert 'id="practice-practice_timezone-error">Choose a time zone' in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert counselor.practice.timezone == "America/Chicago"


def test_a_counselor_who_is_not_an_owner_reads_but_cannot_change_the_practice(client, app):
    owner = factories.CounselorFactory()
    owner.practice.reply_to = "office@example.org"
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    login(client, colleague.email, factories.PASSWORD)
    page = client.get("/settings/practice").get_data(as_text=True)
    assert "An owner of the practice can change these." in page
    assert "office@example.org" in page and "<form" not in page.split("<main")[1]
    before = row_counts()
    response = client.post("/settings/practice", data=practice_form())
    assert response.status_code == 422
    assert "Only an owner of the practice can change this." in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert owner.practice.reminder_cadence == ReminderCadence.STANDARD
    assert owner.practice.email_names_counselor is False


# -- Tabs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_each_settings_page_marks_its_own_tab_current(logged_in, path):
    page = logged_in.get(path).get_data(as_text=True)
    tabs = re.search(r'<nav class="tabs" aria-label="Settings">(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', tabs)
    assert [(href, label) for href, _, label in links] == list(SETTINGS_PAGES.items())
    assert [href for href, current, _ in links if current] == [path]
    # The main navigation says the settings area is where we are.
    main_nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    expected = "page" if path == "/settings" else "true"
    assert f'<a href="/settings" aria-current="{expected}">Settings</a>' in main_nav
