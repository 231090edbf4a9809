"""/couples and /couples/{id}/sessions."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from counselor.api import bp
from counselor.api.guard import current_actor, set_audited_object
from counselor.api.resources import errors, idempotent
from counselor.api.schemas.common import PageArgs
from counselor.api.schemas.couples import (
    CoupleArgs,
    CoupleChangesArgs,
    CouplePageSchema,
    CoupleSchema,
    SessionArgs,
    SessionChangesArgs,
    SessionPageSchema,
    SessionSchema,
)
from counselor.models import Couple
from counselor.services.accounts import counselors
from counselor.services.couples import couples, sessions
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.homework import reflections, weekly_checkin
from counselor.services.pages import api_lists
from counselor.tenancy import get_in_practice


@bp.route("/couples")
class Couples(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, CouplePageSchema)
    @errors()
    def get(self, args: dict[str, Any]) -> api_lists.Page[Couple]:
        """List couples

        The practice's couples, oldest first, with their partners."""
        return api_lists.couples_page(args["page"], args["page_size"])

    @bp.arguments(CoupleArgs)
    @bp.response(201, CoupleSchema)
    @errors(400, 409, 422)
    @idempotent
    def post(self, data: dict[str, Any]) -> tuple[Couple, int, dict[str, str]]:
        """Create a couple with its two partners"""
        actor = current_actor()
        couple = couples.create_couple(
            actor,
            CoupleInput(
                label=data["label"],
                partners=[PartnerInput(**partner) for partner in data["partners"]],
                counselor_id=_counselor_id(data.get("counselor_email")),
                external_id=data.get("external_id"),
            ),
        )
        set_audited_object("couple", couple.id)
        return couple, 201, {"Location": url_for("api.CoupleById", couple_id=couple.id)}


@bp.route("/couples/<id:couple_id>")
class CoupleById(MethodView):
    @bp.response(200, CoupleSchema)
    @errors(404)
    def get(self, couple_id: int) -> Couple:
        """One couple with its partners"""
        return get_in_practice(Couple, couple_id)

    @bp.arguments(CoupleChangesArgs)
    @bp.response(200, CoupleSchema)
    @errors(400, 404, 422)
    def patch(self, changes: dict[str, Any], couple_id: int) -> Couple:
        """Change label, status, counselor, or partners' details and reminder settings

        Pausing or closing a couple stops every link already emailed to the partners."""
        couple = get_in_practice(Couple, couple_id)
        if "reveal_together" in changes:
            value = changes.pop("reveal_together")
            reflections.set_reveal_together(current_actor(), couple, value)
            if not changes:  # the setting alone changes nothing else
                return couple
        enabled = changes.pop("weekly_checkin", None)
        if changes or enabled is None:  # the check-in alone changes nothing else
            couple = couples.update_couple(
                current_actor(), couple.id, _changed_couple(couple, changes)
            )
        if enabled is not None:
            weekly_checkin.set_enabled(current_actor(), couple.id, enabled)
        return couple


def _cleared(text: str | None) -> str:
    """A text field the request names: null clears it, as blank text does."""
    return text or ""


def _counselor_id(email: str | None) -> int | None:
    if not email:
        return None
    counselor = counselors.practice_counselor_by_email(email)
    if counselor is None:
        raise InvalidInput.single(
            "counselor_email", "No active counselor of this practice has this email."
        )
    return counselor.id


def _changed_couple(couple: Couple, changes: dict[str, Any]) -> CoupleInput:
    """The couple as it is, with the fields the request names changed."""
    partners = [PartnerInput.of(p) for p in couple.partners]
    position_of = {partner.id: index for index, partner in enumerate(couple.partners)}
    problems = FieldErrors()
    for number, change in enumerate(changes.get("partners", [])):
        index = position_of.get(change.pop("id"))
        if index is None:
            problems.add(f"partners.{number}.id", "Not a partner of this couple.")
            continue
        for name, value in change.items():
            setattr(partners[index], name, value)
    problems.raise_if_any()
    return CoupleInput(
        label=changes.get("label", couple.label),
        partners=partners,
        counselor_id=_counselor_id(changes.get("counselor_email")),
        external_id=changes.get("external_id", couple.external_id),
        status=changes.get("status", couple.status),
    )


@bp.route("/couples/<id:couple_id>/sessions")
class CoupleSessions(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, SessionPageSchema)
    @errors(404)
    def get(self, args: dict[str, Any], couple_id: int) -> api_lists.Page[Any]:
        """List a couple's sessions, soonest first"""
        return api_lists.sessions_page(couple_id, args["page"], args["page_size"])

    @bp.arguments(SessionArgs)
    @bp.response(201, SessionSchema)
    @errors(400, 404, 409, 422)
    @idempotent
    def post(self, data: dict[str, Any], couple_id: int) -> Any:
        """Add an upcoming session

        With its `agenda`; `notes` only for a session that has started."""
        actor = current_actor()
        session = sessions.add_session(
            actor, couple_id, data["starts_at"], data.get("external_id"), data.get("agenda")
        )
        if data.get("notes"):
            sessions.write_notes(actor, session.id, data["notes"])
        set_audited_object("session", session.id)
        return session, 201


@bp.route("/sessions/<id:session_id>")
class SessionById(MethodView):
    @bp.response(200, SessionSchema)
    @errors(404)
    def get(self, session_id: int) -> Any:
        """One session (a removed one is not found)"""
        return sessions.get_session(session_id)

    @bp.arguments(SessionChangesArgs)
    @bp.response(200, SessionSchema)
    @errors(400, 404, 422)
    def patch(self, changes: dict[str, Any], session_id: int) -> Any:
        """Change a session's time, external id, agenda or notes

        Notes are for a session that has started: notes on one still to come are refused
        with 422, and so is moving a session with notes to a time still to come (clearing
        its notes in the same request lets it move)."""
        actor = current_actor()
        session = sessions.get_session(session_id)
        notes = _cleared(changes["notes"]) if "notes" in changes else None
        if notes is not None and not notes.strip():  # cleared before the session moves
            sessions.write_notes(actor, session.id, notes)
        if changes.keys() & {"starts_at", "external_id"}:
            sessions.update_session(
                actor,
                session.id,
                changes.get("starts_at", session.starts_at),
                changes.get("external_id", session.external_id),
                agenda=_cleared(changes["agenda"]) if "agenda" in changes else None,
            )
        elif "agenda" in changes:  # the agenda alone: no session.update
            sessions.change_agenda(actor, session.id, _cleared(changes["agenda"]))
        if notes is not None and notes.strip():
            sessions.write_notes(actor, session.id, notes)
        set_audited_object("session", session.id)
        return session

    @bp.response(204)
    @errors(404)
    def delete(self, session_id: int) -> tuple[str, int]:
        """Remove a session

        It leaves the lists and no report is prepared for it; the counselor can restore it
        from the dashboard. Removing it again answers 404."""
        session = sessions.remove_session(current_actor(), session_id)
        set_audited_object("session", session.id)
        return "", 204
