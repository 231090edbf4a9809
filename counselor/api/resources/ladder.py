"""The practical-steps ladder, which assignments take their templates from."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.guard import current_actor
from counselor.api.resources import errors
from counselor.api.schemas.ladder import LadderSchema
from counselor.services.homework.practice_ladder import effective_ladder


@bp.route("/ladder")
class Ladder(MethodView):
    @bp.response(200, LadderSchema)
    @errors()
    def get(self) -> dict[str, Any]:
        """The practice's ladder: rungs in order, each with the steps it offers

        The shipped ladder with the practice's changes: its own text for a shipped step and
        its own steps (``source`` ``practice``), its own counselor note for a rung; steps
        it retired are left out. Use a step's ``key`` as ``template_key`` when assigning
        homework: the step is given in the words listed here."""
        return {"rungs": effective_ladder(current_actor().practice_id)}
