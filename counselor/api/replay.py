"""Replays of idempotent POSTs, rendered from the database rather than from a stored body.

An idempotency record keeps only the first answer's status and the kind and id of the
object the request created (``counselor/services/idempotency.py``): a stored body would
keep a check-in's reflection, a couple's names or a webhook's signing secret in a second
table for days. A replay loads the object through the look-up its GET uses and dumps it
with the schema the POST answers with, so it shows the object as it is now — a report
requested while pending may be ready by the retry. A webhook's secret is never shown
again: the replay carries ``"secret": null`` and a ``secret_note``. An object gone since
(a removed session, an unsubscribed webhook, a check-in its partner deleted) answers 409
naming it: the first request did run, and there is nothing left to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from flask import Response, jsonify, url_for
from flask_smorest import abort as smorest_abort

from counselor.api.schemas.couple_data import ErasureSchema
from counselor.api.schemas.couples import CoupleSchema, SessionSchema
from counselor.api.schemas.homework import AssignmentSchema, CheckInSchema
from counselor.api.schemas.reports import ReportSchema
from counselor.api.schemas.webhooks import NOT_SHOWN_AGAIN, WebhookSchema
from counselor.models import Assignment, CheckIn, Couple, Report, WebhookEndpoint
from counselor.services.audit import Actor
from counselor.services.couples import sessions
from counselor.services.delivery import webhooks
from counselor.services.errors import NotFound
from counselor.services.idempotency import StoredResponse
from counselor.tenancy import get_in_practice

REPLAYED_HEADER = "Idempotent-Replayed"
# flask_smorest ships no types; its abort always raises (an HTTPException with the error).
abort: Callable[..., NoReturn] = smorest_abort


@dataclass(frozen=True)
class Replayable:
    """How to show again an object of one kind that an idempotent POST created."""

    name: str  # how a 409 names it to the client
    load: Callable[[Actor, int], Any]  # the object as its GET finds it, else NotFound
    render: Callable[[Any], dict[str, Any]]  # the body the POST answers with
    location: tuple[str, str] | None = None  # (endpoint, its id argument): the Location header


def _webhook_without_secret(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {**WebhookSchema().dump(endpoint), "secret": None, "secret_note": NOT_SHOWN_AGAIN}


# By the kind each POST names its object with (``guard.set_audited_object``).
REPLAYABLE = {
    "couple": Replayable(
        "couple",
        lambda _actor, couple_id: get_in_practice(Couple, couple_id),
        CoupleSchema().dump,
        ("api.CoupleById", "couple_id"),
    ),
    "session": Replayable(
        "session", lambda _actor, session_id: sessions.get_session(session_id), SessionSchema().dump
    ),
    "assignment": Replayable(
        "assignment",
        lambda _actor, assignment_id: get_in_practice(Assignment, assignment_id),
        AssignmentSchema().dump,
    ),
    "checkin": Replayable(
        "check-in",
        lambda _actor, checkin_id: get_in_practice(CheckIn, checkin_id),
        CheckInSchema().dump,
    ),
    "report": Replayable(
        "report",
        lambda _actor, report_id: get_in_practice(Report, report_id),
        ReportSchema().dump,
        ("api.ReportById", "report_id"),
    ),
    "webhook_endpoint": Replayable("webhook", webhooks.get_endpoint, _webhook_without_secret),
    "couple_erasure": Replayable(
        "erased couple",
        lambda _actor, couple_id: get_in_practice(Couple, couple_id),
        lambda couple: ErasureSchema().dump(
            {"couple_id": couple.id, "erased_at": couple.erased_at}
        ),
    ),
}


def replayed_response(actor: Actor, stored: StoredResponse) -> Response:
    """The first answer again: its status, the created object as it is now, its Location."""
    replayable = REPLAYABLE.get(stored.kind)
    if replayable is None or stored.object_id is None:
        _gone(stored.kind or "object", stored.object_id)
    try:
        found = replayable.load(actor, stored.object_id)
    except NotFound:
        _gone(replayable.name, stored.object_id)
    response = jsonify(replayable.render(found))
    response.status_code = stored.status
    response.headers[REPLAYED_HEADER] = "true"
    if replayable.location is not None:
        endpoint, argument = replayable.location
        id_argument: dict[str, Any] = {argument: stored.object_id}
        response.headers["Location"] = url_for(endpoint, **id_argument)
    return response


def _gone(name: str, object_id: int | None) -> NoReturn:
    abort(
        409,
        message=f"The request with this Idempotency-Key created {name} {object_id}, "
        "which no longer exists.",
    )
