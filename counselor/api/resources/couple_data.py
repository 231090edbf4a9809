"""/couples/{id}/export and /couples/{id}/erase: a couple's data on request."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.guard import current_actor, set_replay_kind
from counselor.api.resources import errors, idempotent
from counselor.api.schemas.couple_data import CoupleExportSchema, ErasureSchema
from counselor.api.scopes import may_read_clinical_text
from counselor.models import Couple
from counselor.services.couples import erasure, export
from counselor.tenancy import get_in_practice


@bp.route("/couples/<id:couple_id>/export")
class CoupleExport(MethodView):
    @bp.response(200, CoupleExportSchema)
    @errors(404)
    def get(self, couple_id: int) -> dict[str, Any]:
        """Everything stored about a couple

        One document: the couple, both partners, their homework, check-ins with
        reflections, acknowledgements, replies, weekly check-in answers, sessions,
        reports' metadata (no PDF), email and webhook history (no text, link or token)
        and progress snapshots with the reminder figures. The same document as the dashboard's
        *Export couple*; its fields are described in docs/data-export.md."""
        couple = get_in_practice(Couple, couple_id)
        return export.export_couple(current_actor(), couple, clinical_text=may_read_clinical_text())


@bp.route("/couples/<id:couple_id>/erase")
class CoupleErase(MethodView):
    @bp.response(200, ErasureSchema)
    @errors(404)
    @idempotent
    def post(self, couple_id: int) -> dict[str, Any]:
        """Erase a couple's client text — it can't be undone

        Names, email addresses, the label and external ids, reflections, replies' words
        and acknowledgements' notes, the steps' own text and report PDFs are removed;
        links stop, waiting emails and webhooks are cancelled, and the couple is closed
        for good. Counts (steps, check-ins with their dates and ratings, acknowledgements'
        answers, weekly check-in scores, progress) and the audit trail stay. Erasing an
        erased couple answers the same, with the time of the first erasure."""
        couple = get_in_practice(Couple, couple_id)
        result = erasure.erase_couple(current_actor(), couple)
        set_replay_kind("couple_erasure")
        return {"couple_id": result.couple_id, "erased_at": result.erased_at}
