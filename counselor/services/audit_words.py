"""The audit trail in words: what each action means to a reader, and the kinds of action
the Audit trail page filters by. An action not listed here still reads plainly (its
name, spelled out), so an event added later is never hidden or shown as code alone. A new
action takes one line in ``ACTIONS`` (its kind and its words, no client text);
tests/services/test_audit_words.py finds any action the code records without one."""

from __future__ import annotations

import re

import sqlalchemy as sa

from counselor.models import AuditEvent

# Kinds of action, in the order the filter lists them.
KINDS = {
    "sign_in": "Sign-ins and sign-outs",
    "account": "Passwords and second factors",
    "reads": "Views of client data",
    "writes": "Changes to client data",
    "admin": "Counselors and practice settings",
    "exports": "Exports, erasure and the audit trail",
}

ACTIONS: dict[str, tuple[str, str]] = {
    # Sign-ins and sign-outs
    "auth.login": ("sign_in", "Signed in"),
    "counselor.login": ("sign_in", "Signed in"),
    "counselor.launch": ("sign_in", "Signed in from the practice's system"),
    "auth.login_failed": ("sign_in", "Failed sign-in"),
    "auth.second_factor": ("sign_in", "Gave a second factor"),
    "auth.second_factor_failed": ("sign_in", "Failed second factor"),
    "auth.logout": ("sign_in", "Signed out"),
    "session.end": ("sign_in", "Signed out a browser"),
    "session.end_all": ("sign_in", "Signed out everywhere"),
    # Passwords and second factors
    "password.change": ("account", "Changed their password"),
    "counselor.set_password": ("account", "Password set by the operator"),
    "password.reset_requested": ("account", "Asked for a password reset"),
    "password.reset": ("account", "Reset their password"),
    "two_factor.totp_enrolled": ("account", "Set up an authenticator app"),
    "two_factor.totp_removed": ("account", "Removed their authenticator app"),
    "two_factor.passkey_added": ("account", "Added a passkey"),
    "two_factor.passkey_removed": ("account", "Removed a passkey"),
    "two_factor.recovery_codes_made": ("account", "Made new recovery codes"),
    # Views of client data
    "couple.list": ("reads", "Viewed the couples list"),
    "couple.view": ("reads", "Viewed the couple page"),
    "couple.view_form": ("reads", "Opened the couple's edit form"),
    "assignment.view_form": ("reads", "Opened a step's edit form"),
    "checkin.view_form": ("reads", "Opened the check-in form"),
    "session.view_form": ("reads", "Opened a session's form"),
    "session.view_notes": ("reads", "Opened a session's notes"),
    "calendar.feed_read": ("reads", "Calendar feed read by a calendar app"),
    "report.download": ("reads", "Downloaded a report"),
    "couple.handout_printed": ("reads", "Printed the couple's steps"),
    "partner.previewed": ("reads", "Previewed a partner's page"),
    # Changes to client data
    "couple.create": ("writes", "Added a couple"),
    "couple.update": ("writes", "Changed a couple's details"),
    "couple.pause": ("writes", "Paused a couple"),
    "couple.close": ("writes", "Closed a couple"),
    "couple.reopen": ("writes", "Reopened a couple"),
    "couple.revoke_links": ("writes", "Stopped the partners' links"),
    "couple.restore_links": ("writes", "Brought the partners' links back"),
    "assignment.create": ("writes", "Assigned a step"),
    "assignment.update": ("writes", "Changed a step"),
    "assignment.completed": ("writes", "Marked a step completed"),
    "assignment.cancelled": ("writes", "Cancelled a step"),
    "assignment.reopen": ("writes", "Reopened a step"),
    "checkin.create": ("writes", "Recorded a check-in"),
    "checkin.edit": ("writes", "Changed a check-in"),
    "checkin.delete": ("writes", "Deleted a check-in"),
    "checkin.share_reflection": ("writes", "Shared a reflection with the other partner"),
    "checkin.withdraw_reflection": ("writes", "Took back a shared reflection"),
    "session.create": ("writes", "Added a session"),
    "session.update": ("writes", "Changed a session"),
    "session.remove": ("writes", "Removed a session"),
    "session.restore": ("writes", "Restored a session"),
    "session.agenda_changed": ("writes", "Changed a session's agenda"),
    "session.notes_written": ("writes", "Wrote notes on a session"),
    "report.request": ("writes", "Asked for a pre-session report"),
    "partner.send_link": ("writes", "Emailed a partner their link"),
    "partner.link_copied": ("writes", "Made a fresh link for a partner, shown once"),
    "partner.request_link": ("writes", "Asked for a new link by email"),
    "partner.snooze": ("writes", "Paused their reminders"),
    "partner.resume_reminders": ("writes", "Resumed their reminders"),
    "partner.unsubscribe": ("writes", "Unsubscribed from emails"),
    "partner.resubscribe": ("writes", "Resumed emails"),
    "partner.reminder_hour": ("writes", "Changed their reminder hour"),
    "partner.language": ("writes", "Changed the language of their page and emails"),
    # What comes back from the couple (issue 15): acknowledgements of being leaned on,
    # replies to reflections, the weekly check-in, and reminders that adapt.
    "acknowledgement.create": ("writes", "Answered being leaned on"),
    "acknowledgement.share": ("writes", "Shared an acknowledgement with the other partner"),
    "acknowledgement.withdraw": ("writes", "Took back a shared acknowledgement"),
    "acknowledgement.stop_sharing": ("writes", "Took back a shared acknowledgement"),
    "acknowledgement.delete": ("writes", "Deleted an acknowledgement"),
    "reply.create": ("writes", "Replied to a shared reflection"),
    "reply.remove": ("writes", "Took back a reply to a reflection"),
    "reply.delete": ("writes", "Deleted a reply or note with its check-in"),
    "counselor_note.create": ("writes", "Wrote a note on a reflection"),
    "counselor_note.change": ("writes", "Changed a note on a reflection"),
    "counselor_note.remove": ("writes", "Removed a note on a reflection"),
    "counselor_note.restore": ("writes", "Restored a removed note on a reflection"),
    "reveal_together.change": ("writes", "Changed whether reflections wait for both partners"),
    "couple.reveal_together": ("writes", "Changed whether reflections wait for both partners"),
    "weekly_checkin.enable": ("writes", "Turned on the weekly check-in"),
    "weekly_checkin.turned_on": ("writes", "Turned on the weekly check-in"),
    "weekly_checkin.disable": ("writes", "Turned off the weekly check-in"),
    "weekly_checkin.turned_off": ("writes", "Turned off the weekly check-in"),
    "weekly_checkin.answer": ("writes", "Answered the weekly check-in"),
    "weekly_checkin.answered": ("writes", "Answered the weekly check-in"),
    "partner.cadence_lowered": ("writes", "Reminders made gentle: they were not followed"),
    "partner.cadence_restored": ("writes", "Reminders back to their usual cadence"),
    # Counselors and practice settings
    "counselor.create": ("admin", "Counselor account created"),
    "counselor.invite": ("admin", "Invited a counselor"),
    "counselor.join": ("admin", "Accepted an invitation"),
    "counselor.deactivate": ("admin", "Deactivated a counselor"),
    "counselor.reactivate": ("admin", "Reactivated a counselor"),
    "counselor.role": ("admin", "Changed a counselor's role"),
    "counselor.preferences": ("admin", "Changed their own settings"),
    "calendar.feed_created": ("admin", "Made a calendar feed address"),
    "calendar.feed_revoked": ("admin", "Stopped their calendar feed"),
    "practice.settings": ("admin", "Changed the practice's settings"),
    "practice.access_settings": ("admin", "Changed who sees which couples"),
    "practice.frame_ancestors": ("admin", "Changed which host systems may frame the dashboard"),
    "practice.retention_settings": ("admin", "Changed how long data is kept"),
    "practice.launch_secret": ("admin", "Set up sign-in from the practice's system"),
    "practice.adaptive_cadence.change": ("admin", "Changed whether reminders adapt"),
    "practice.adaptive_cadence": ("admin", "Changed whether reminders adapt"),
    # The practice's own ladder (services/homework/practice_ladder_edits.py)
    "ladder.overridden": ("admin", "Changed the practice's text of a ladder step"),
    "ladder.added": ("admin", "Added a step of the practice's own to the ladder"),
    "ladder.edited": ("admin", "Edited a step of the practice's own"),
    "ladder.retired": ("admin", "Retired a ladder step"),
    "ladder.returned": ("admin", "Brought back a ladder step"),
    "ladder.base_restored": ("admin", "Restored a ladder step's base text"),
    "ladder.base_reviewed": ("admin", "Kept the practice's text after the base ladder changed"),
    "ladder.rung_note": ("admin", "Wrote the practice's note for a rung"),
    "ladder.rung_note_restored": ("admin", "Went back to the base note for a rung"),
    "api_key.create": ("admin", "Created an API key"),
    "api_key.revoke": ("admin", "Revoked an API key"),
    "api_key.clinical_text_granted": (
        "admin",
        "Let an API key receive what clients wrote (clinical_text)",
    ),
    "api_key.clinical_text_removed": (
        "admin",
        "Stopped an API key receiving what clients wrote (clinical_text)",
    ),
    "api_key.scopes_changed": ("admin", "Changed whether an API key may read or change homework"),
    "webhook.create": ("admin", "Added a webhook"),
    "webhook.delete": ("admin", "Deleted a webhook"),
    "webhook.enable": ("admin", "Turned a webhook back on"),
    # Exports, erasure and the audit trail
    "couple.export": ("exports", "Exported a couple's data"),
    "couple.erase": ("exports", "Erased a couple's data"),
    "retention.purge": ("exports", "Purged data past its retention period"),
    "audit.view": ("exports", "Viewed the audit trail"),
    "audit.export": ("exports", "Exported the audit trail"),
}

# API requests are audited as "api.<METHOD> <route>" (counselor/api/guard.py).
API_PREFIX = "api."
API_VERBS = {
    "GET": "read",
    "POST": "sent",
    "PATCH": "changed",
    "PUT": "changed",
    "DELETE": "removed",
}
API_ROUTES = {
    "/couples": "the couples",
    "/couples/{couple_id}": "a couple",
    "/couples/{couple_id}/sessions": "a couple's sessions",
    "/couples/{couple_id}/assignments": "a couple's steps",
    "/couples/{couple_id}/progress": "a couple's progress",
    "/couples/{couple_id}/reports": "a couple's reports",
    "/couples/{couple_id}/export": "a couple's exported data",
    "/couples/{couple_id}/erase": "a couple's erasure",
    "/couples/{couple_id}/fhir": "a couple's homework as FHIR",
    "/sessions/{session_id}": "a session",
    "/assignments/{assignment_id}": "a step",
    "/assignments/{assignment_id}/checkins": "a step's check-ins",
    "/checkins/{checkin_id}/acknowledgement": "a check-in's acknowledgement",
    "/couples/{couple_id}/acknowledgements": "a couple's acknowledgements",
    "/couples/{couple_id}/weekly-checkins": "a couple's weekly check-ins",
    "/couples/{couple_id}/reminder-effect": "whether reminders help a couple",
    "/weekly-checkin/items": "the weekly check-in's items",
    "/fhir/Questionnaire/weekly-checkin": "the weekly check-in's FHIR Questionnaire",
    "/reports/{report_id}": "a report",
    "/reports/{report_id}/pdf": "a report's PDF",
    "/ladder": "the ladder",
    "/webhooks": "the webhooks",
    "/webhooks/{webhook_id}": "a webhook",
}
_API_EXPORT_ROUTES = (
    "/couples/{couple_id}/export",
    "/couples/{couple_id}/erase",
    "/couples/{couple_id}/fhir",
)


def action_words(action: str) -> str:
    """ "Viewed the couple page", "API: read a couple", "Failed sign-in"."""
    if action in ACTIONS:
        return ACTIONS[action][1]
    if action.startswith(API_PREFIX):
        method, _, route = action.removeprefix(API_PREFIX).partition(" ")
        verb = API_VERBS.get(method, method)
        return f"API: {verb} {API_ROUTES.get(route, route)}"
    thing, _, what = action.partition(".")
    spelled = f"{thing.replace('_', ' ')}: {what.replace('_', ' ')}" if what else thing
    return spelled[:1].upper() + spelled[1:]


def kind_of(action: str) -> str | None:
    """The key in ``KINDS`` of an action, or None for one this module does not know."""
    if action in ACTIONS:
        return ACTIONS[action][0]
    if action.startswith(API_PREFIX):
        method, _, route = action.removeprefix(API_PREFIX).partition(" ")
        if route in _API_EXPORT_ROUTES:
            return "exports"
        return "reads" if method == "GET" else "writes"
    return None


def kind_condition(kind: str) -> sa.ColumnElement[bool]:
    """The SQL condition for the events of one kind (an unknown kind matches nothing)."""
    names = [action for action, (its_kind, _) in ACTIONS.items() if its_kind == kind]
    api_exports = [f"{API_PREFIX}{m} {route}" for m in API_VERBS for route in _API_EXPORT_ROUTES]
    conditions: list[sa.ColumnElement[bool]] = [AuditEvent.action.in_(names)]
    if kind == "exports":
        conditions.append(AuditEvent.action.in_(api_exports))
    elif kind in ("reads", "writes"):
        api = AuditEvent.action.like(_like_escape(f"{API_PREFIX}GET ") + "%", escape="\\")
        api_kind = (
            api
            if kind == "reads"
            else sa.and_(AuditEvent.action.like(_like_escape(API_PREFIX) + "%", escape="\\"), ~api)
        )
        conditions.append(sa.and_(api_kind, AuditEvent.action.not_in(api_exports)))
    return sa.or_(*conditions)


def _like_escape(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)
