"""The practical-steps ladder, which assignments take their templates from."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.resources import errors
from counselor.api.schemas.ladder import LadderSchema
from counselor.services.homework import ladder


@bp.route("/ladder")
class Ladder(MethodView):
    @bp.response(200, LadderSchema)
    @errors()
    def get(self) -> dict[str, Any]:
        """The ladder: rungs in order, each with its task templates

        Use a template's ``key`` as ``template_key`` when assigning homework."""
        return {"rungs": ladder.ladder_rungs()}
