"""services/audit_words.py: every action the code records reads in plain words and has a
kind the Audit trail page filters by — those of issue 15 included — and an action no one
has worded yet still reads plainly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from counselor.services import audit_words

ROOT = Path(__file__).resolve().parents[2]
# An action written out where it is recorded: record_event(actor, "thing.what", ...); or
# handed over as a module's constant (RESTORED = "partner.cadence_restored", also as
# reflections.WITHDRAW_ACTION); or named first (action = "a.b" if on else "a.c").
RECORDED = re.compile(r'record_event\(\s*[^,()]+(?:\([^()]*\))?,\s*"([a-z_]+\.[a-z_.]+)"')
HANDED = re.compile(r"record_event\(\s*[^,()]+(?:\([^()]*\))?,\s*(?:\w+\.)*([A-Z][A-Z0-9_]*)\b")
CONSTANT = re.compile(r'^([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=\s*"([a-z_]+\.[a-z_.]+)"', re.MULTILINE)
NAMED = re.compile(r'^\s*\w*action\w*\s*(?::[^=\n]*)?=\s*(".*)$', re.MULTILINE | re.IGNORECASE)
DOTTED = re.compile(r'"([a-z_]+\.[a-z_.]+)"')

# The names in the brief and those the services record (both read the same).
ISSUE_15_ACTIONS = {
    "acknowledgement.create": "Answered being leaned on",
    "acknowledgement.share": "Shared an acknowledgement with the other partner",
    "acknowledgement.withdraw": "Took back a shared acknowledgement",
    "reply.create": "Replied to a shared reflection",
    "reply.remove": "Took back a reply to a reflection",
    "counselor_note.create": "Wrote a note on a reflection",
    "counselor_note.change": "Changed a note on a reflection",
    "counselor_note.remove": "Removed a note on a reflection",
    "reveal_together.change": "Changed whether reflections wait for both partners",
    "weekly_checkin.enable": "Turned on the weekly check-in",
    "weekly_checkin.disable": "Turned off the weekly check-in",
    "weekly_checkin.answer": "Answered the weekly check-in",
    "partner.cadence_lowered": "Reminders made gentle: they were not followed",
    "partner.cadence_restored": "Reminders back to their usual cadence",
    "practice.adaptive_cadence.change": "Changed whether reminders adapt",
    "practice.adaptive_cadence": "Changed whether reminders adapt",
    "acknowledgement.stop_sharing": "Took back a shared acknowledgement",
    "acknowledgement.delete": "Deleted an acknowledgement",
    "couple.reveal_together": "Changed whether reflections wait for both partners",
    "weekly_checkin.turned_on": "Turned on the weekly check-in",
    "weekly_checkin.turned_off": "Turned off the weekly check-in",
    "weekly_checkin.answered": "Answered the weekly check-in",
}


def recorded_actions() -> dict[str, str]:
    """Every action written out in counselor/ and tasks/, with the file that records it."""
    sources = {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for folder in ("counselor", "tasks")
        for path in sorted((ROOT / folder).rglob("*.py"))
    }
    constants = {name: value for text in sources.values() for name, value in CONSTANT.findall(text)}
    found: dict[str, str] = {}
    for where, text in sources.items():
        named = [a for line in NAMED.findall(text) for a in DOTTED.findall(line)]
        handed = [constants[n] for n in HANDED.findall(text) if n in constants]
        for action in RECORDED.findall(text) + named + handed:
            found.setdefault(action, where)
    return found


def test_the_scan_finds_the_actions_it_should():
    """The scan itself: literal actions and constants alike (else the next test proves
    nothing)."""
    found = recorded_actions()
    assert {"couple.erase", "couple.export", "retention.purge", "auth.login"} <= set(found)
    assert "couple.revoke_links" in found  # links.REVOKE_ACTION
    assert "checkin.share_reflection" in found  # reflections.SHARE_ACTION
    assert "checkin.withdraw_reflection" in found  # record_event(actor, reflections.WITHDRAW_…
    assert len(found) >= 60


def test_every_recorded_action_has_words_and_a_kind():
    missing = {a: where for a, where in recorded_actions().items() if a not in audit_words.ACTIONS}
    assert missing == {}, "add a line to audit_words.ACTIONS for each: its kind and its words"


@pytest.mark.parametrize(("action", "words"), sorted(ISSUE_15_ACTIONS.items()))
def test_issue_15_actions_read_plainly(action, words):
    assert audit_words.action_words(action) == words
    expected_kind = "admin" if action.startswith("practice.") else "writes"
    assert audit_words.kind_of(action) == expected_kind


def test_an_action_not_yet_worded_still_reads_plainly_and_has_no_kind():
    assert audit_words.action_words("weekly_checkin.skip") == "Weekly checkin: skip"
    assert audit_words.kind_of("weekly_checkin.skip") is None


def test_issue_15_api_routes_read_in_words():
    words = audit_words.action_words
    assert words("api.GET /couples/{couple_id}/acknowledgements") == (
        "API: read a couple's acknowledgements"
    )
    assert words("api.GET /checkins/{checkin_id}/acknowledgement") == (
        "API: read a check-in's acknowledgement"
    )
    assert words("api.GET /couples/{couple_id}/weekly-checkins") == (
        "API: read a couple's weekly check-ins"
    )
    assert words("api.GET /couples/{couple_id}/reminder-effect") == (
        "API: read whether reminders help a couple"
    )
    assert words("api.GET /weekly-checkin/items") == "API: read the weekly check-in's items"
