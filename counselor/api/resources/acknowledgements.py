"""Acknowledgements: read-only, under the check-in they answer and per couple. Partners
write them from their page; the ``acknowledgement.created`` webhook announces each (ids)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.resources import errors
from counselor.api.schemas.acknowledgements import AcknowledgementPageSchema, AcknowledgementSchema
from counselor.api.schemas.common import PageArgs
from counselor.models import Acknowledgement
from counselor.services.homework import acknowledgements
from counselor.services.pages.api_lists import Page


@bp.route("/checkins/<id:checkin_id>/acknowledgement")
class CheckInAcknowledgement(MethodView):
    @bp.response(200, AcknowledgementSchema)
    @errors(404)
    def get(self, checkin_id: int) -> Acknowledgement:
        """The acknowledgement of a check-in

        The other partner's answer to a check-in that leaned on them (a step on rungs 2–5,
        or one the ladder marks, done by one partner on their own). 404 when the check-in
        has none: not a leaning act, or not answered yet."""
        return acknowledgements.checkin_acknowledgement(checkin_id)


@bp.route("/couples/<id:couple_id>/acknowledgements")
class CoupleAcknowledgements(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, AcknowledgementPageSchema)
    @errors(404)
    def get(self, args: dict[str, Any], couple_id: int) -> Page[Acknowledgement]:
        """List a couple's acknowledgements, the newest first"""
        return acknowledgements.couple_acknowledgements(couple_id, args["page"], args["page_size"])
