"""A couple's data on request: one JSON document with everything stored about the couple
(the format, field by field: docs/data-export.md).

The dashboard's *Export couple*, the API's ``GET /couples/{id}/export`` and
``flask couple export`` all call ``export_couple`` and hand out the same document. It is
loaded set-based — one query per kind of row, however many rows the couple has — and never
holds a secret: no link token or its hash, no email's text or link (an email is composed
when it is sent and kept nowhere), no PDF bytes (a report's file name and checksum).
What comes back from the couple (acknowledgements, replies to reflections, the weekly
check-in's answers) and the reminder figures are loaded by ``export_parts``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    ClientLink,
    Counselor,
    Couple,
    CoupleSession,
    OutboxEmail,
    Partner,
    PartnerWeek,
    Practice,
    Report,
    WebhookDelivery,
    WeeklyProgress,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples import export_parts
from counselor.services.homework import step_origin

FORMAT_VERSION = 1

Document = dict[str, Any]


def export_couple(actor: Actor, couple: Couple, *, clinical_text: bool = True) -> Document:
    """Everything stored about ``couple`` (loaded by the edge, in the actor's scope), as
    one document of plain values (dates and instants as ``date``/``datetime``: ``to_json``
    writes them in ISO 8601, instants in UTC). Audited as ``couple.export``.

    ``clinical_text`` False (an API key without the scope): a step's words written for the
    couple read as ``step_origin.host_step_words`` says (a neutral title, no
    instructions); the API's schema leaves out the other client text."""
    document = {
        "format_version": FORMAT_VERSION,
        "exported_at": timeutil.utcnow(),
        **_couple_part(couple),
        "partners": _partners(couple.id),
        "assignments": _assignments(couple.id, clinical_text),
        "checkins": _checkins(couple.id),
        "acknowledgements": export_parts.acknowledgements(couple.id),
        "reflection_replies": export_parts.reflection_replies(couple.id),
        "weekly_answers": export_parts.weekly_answers(couple.id),
        "sessions": _sessions(couple.id),
        "reports": _reports(couple.id),
        "emails": _emails(couple.id),
        "links": _links(couple.id),
        "webhook_deliveries": _webhook_deliveries(couple.id),
        "progress": _progress(couple.id),
    }
    record_event(actor, "couple.export", "couple", couple.id)
    return document


def to_json(document: Document) -> str:
    """The document as the dashboard and the CLI hand it out (the API's schema writes the
    same values the same way)."""
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2) + "\n"


def file_name(couple: Couple, exported_at: datetime) -> str:
    """``couple-12-export-2026-05-13.json``: ids and a date, never the couple's label."""
    return f"couple-{couple.id}-export-{exported_at.date().isoformat()}.json"


def webhook_deliveries_of(couple_id: int) -> sa.ColumnElement[bool]:
    """Webhook deliveries about this couple. Every event's payload names the couple
    (``"couple_id":12``, written compactly by ``webhooks.emit``), ids only."""
    return sa.or_(
        WebhookDelivery.payload.like(f'%"couple_id":{int(couple_id)},%'),
        WebhookDelivery.payload.like(f'%"couple_id":{int(couple_id)}}}%'),
    )


def emails_of(couple_id: int) -> sa.ColumnElement[bool]:
    """Outbox emails about this couple: to either partner, or telling the counselor one
    of its reports is ready."""
    return sa.or_(
        OutboxEmail.partner_id.in_(sa.select(Partner.id).where(Partner.couple_id == couple_id)),
        OutboxEmail.report_id.in_(sa.select(Report.id).where(Report.couple_id == couple_id)),
    )


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of an export")


def _couple_part(couple: Couple) -> Document:
    row = db.session.execute(
        sa.select(Practice.id, Practice.name, Practice.timezone, Counselor.id, Counselor.name)
        .join(Counselor, Counselor.practice_id == Practice.id)
        .where(Practice.id == couple.practice_id, Counselor.id == couple.counselor_id)
    ).one()
    practice_id, practice_name, practice_zone, counselor_id, counselor_name = row
    return {
        "practice": {"id": practice_id, "name": practice_name, "timezone": practice_zone},
        "couple": {
            "id": couple.id,
            "label": couple.label,
            "status": couple.status.value,
            "external_id": couple.external_id,
            "counselor": {"id": counselor_id, "name": counselor_name},
            "created_at": couple.created_at,
            "updated_at": couple.updated_at,
            "closed_at": couple.closed_at,
            "erased_at": couple.erased_at,
            "reveal_together": couple.reveal_together,
            "weekly_checkin": couple.weekly_checkin,
        },
    }


def _partners(couple_id: int) -> list[Document]:
    partners = db.session.scalars(
        sa.select(Partner).where(Partner.couple_id == couple_id).order_by(Partner.position)
    )
    return [
        {
            "id": p.id,
            "position": p.position,
            "first_name": p.first_name,
            "email": p.email,
            "timezone": p.timezone,
            "reminder_hour": p.reminder_hour,
            "quiet_start_hour": p.quiet_start_hour,
            "quiet_end_hour": p.quiet_end_hour,
            "snoozed_until": p.snoozed_until,
            "unsubscribed_at": p.unsubscribed_at,
            "reminder_cadence": p.reminder_cadence.value if p.reminder_cadence else None,
            "cadence_lowered_at": p.cadence_lowered_at,
            "created_at": p.created_at,
        }
        for p in partners
    ]


def _assignments(couple_id: int, clinical_text: bool) -> list[Document]:
    steps = db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.couple_id == couple_id)
        .order_by(Assignment.id)
        .options(joinedload(Assignment.rung), *step_origin.ORIGIN_LOADS)
    )
    return [
        _assignment(a, step_origin.host_step_words(a, clinical_text=clinical_text)) for a in steps
    ]


def _assignment(a: Assignment, words: step_origin.HostStepWords) -> Document:
    document: Document = {"id": a.id, "title": words.title}
    if words.instructions is not None:  # left out, never null, for a host that may not read it
        document["instructions"] = words.instructions
    return document | {
        "rung": {
            "id": a.rung_id,
            "key": a.rung.key,
            "position": a.rung.position,
            "title": a.rung.title,
        },
        "template_key": step_origin.ladder_key(a),
        "template_source": step_origin.template_source(a),
        "template_version": a.template_version,
        "words_from_ladder": a.words_from_ladder,
        "assignee": a.assignee.value,
        "assignee_partner_id": a.assignee_partner_id,
        "times_per_week": a.times_per_week,
        "leans_on_partner": a.leans_on_partner,
        "starts_on": a.starts_on,
        "due_on": a.due_on,
        "status": a.status.value,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "ended_at": a.ended_at,
        "ended_on": a.ended_on,
    }


def _checkins(couple_id: int) -> list[Document]:
    check_ins = db.session.scalars(
        sa.select(CheckIn)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(Assignment.couple_id == couple_id)
        .order_by(CheckIn.occurred_on, CheckIn.id)
    )
    return [
        {
            "id": c.id,
            "assignment_id": c.assignment_id,
            "partner_id": c.partner_id,
            "occurred_on": c.occurred_on,
            "comfort": c.comfort,
            "reflection": c.reflection,
            "visibility": c.visibility.value,
            "source": c.source.value,
            "created_at": c.created_at,
            "edited_at": c.edited_at,
            "reflection_withdrawn_at": c.reflection_withdrawn_at,
        }
        for c in check_ins
    ]


def _sessions(couple_id: int) -> list[Document]:
    sessions = db.session.scalars(
        sa.select(CoupleSession)
        .where(CoupleSession.couple_id == couple_id)
        .order_by(CoupleSession.starts_at, CoupleSession.id)
    )
    return [
        {
            "id": s.id,
            "starts_at": s.starts_at,
            "external_id": s.external_id,
            "agenda": s.agenda,
            "notes": s.notes,
            "created_at": s.created_at,
            "removed_at": s.removed_at,
        }
        for s in sessions
    ]


def _reports(couple_id: int) -> list[Document]:
    reports = db.session.scalars(
        sa.select(Report).where(Report.couple_id == couple_id).order_by(Report.id)
    )
    return [
        {
            "id": r.id,
            "session_id": r.session_id,
            "status": r.status.value,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "file_name": r.file_name,
            "sha256": r.sha256,
            "size_bytes": r.size_bytes,
            "requested_by": r.requested_by,
            "created_at": r.created_at,
            "generated_at": r.generated_at,
            "file_purged_at": r.file_purged_at,
        }
        for r in reports
    ]


def _emails(couple_id: int) -> list[Document]:
    emails = db.session.scalars(
        sa.select(OutboxEmail).where(emails_of(couple_id)).order_by(OutboxEmail.id)
    )
    return [
        {
            "id": e.id,
            "to": "partner" if e.partner_id is not None else "counselor",
            "partner_id": e.partner_id,
            "kind": e.kind.value,
            "report_id": e.report_id,
            "status": e.status.value,
            "attempts": e.attempts,
            "created_at": e.created_at,
            "sent_at": e.sent_at,
        }
        for e in emails
    ]


def _links(couple_id: int) -> list[Document]:
    links = db.session.scalars(
        sa.select(ClientLink)
        .join(Partner, Partner.id == ClientLink.partner_id)
        .where(Partner.couple_id == couple_id)
        .order_by(ClientLink.id)
    )
    return [
        {
            "id": link.id,
            "partner_id": link.partner_id,
            "purpose": link.purpose.value,
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "revoked_at": link.revoked_at,
            "last_used_at": link.last_used_at,
        }
        for link in links
    ]


def _webhook_deliveries(couple_id: int) -> list[Document]:
    deliveries = db.session.scalars(
        sa.select(WebhookDelivery)
        .where(webhook_deliveries_of(couple_id))
        .order_by(WebhookDelivery.id)
    )
    return [
        {
            "id": d.id,
            "endpoint_id": d.endpoint_id,
            "event": d.event,
            "status": d.status.value,
            "attempts": d.attempts,
            "created_at": d.created_at,
            "delivered_at": d.delivered_at,
        }
        for d in deliveries
    ]


def _progress(couple_id: int) -> Document:
    weeks = db.session.scalars(
        sa.select(PartnerWeek)
        .where(PartnerWeek.couple_id == couple_id)
        .order_by(PartnerWeek.week_start, PartnerWeek.partner_id)
    )
    steps = db.session.scalars(
        sa.select(WeeklyProgress)
        .where(WeeklyProgress.couple_id == couple_id)
        .order_by(
            WeeklyProgress.week_start, WeeklyProgress.assignment_id, WeeklyProgress.partner_id
        )
    )
    return {
        "partner_weeks": [
            {
                "partner_id": w.partner_id,
                "week_start": w.week_start,
                "target": w.target,
                "done": w.done,
                "mean_comfort": w.mean_comfort,
                "streak_weeks": w.streak_weeks,
                "signal": w.signal.value if w.signal is not None else None,
                "computed_at": w.computed_at,
            }
            for w in weeks
        ],
        "step_weeks": [
            {
                "assignment_id": s.assignment_id,
                "partner_id": s.partner_id,
                "week_start": s.week_start,
                "target": s.target,
                "done": s.done,
                "comfort_sum": s.comfort_sum,
                "comfort_count": s.comfort_count,
                "computed_at": s.computed_at,
            }
            for s in steps
        ],
        "reminder_effects": export_parts.reminder_effects(couple_id),
    }
