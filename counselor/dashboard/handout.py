"""*Print steps*: a couple's active steps as a PDF sheet to take home and tick by hand."""

from __future__ import annotations

from flask import Response, request
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.services.reports import handout


@bp.route("/couples/<int:couple_id>/handout.pdf")
def couple_handout(couple_id: int) -> ResponseReturnValue:
    """The sheet for this week, or the next with ``?week=next`` (any other value: this
    week, as without it); in the couple's language, or the one ``?lang=`` names when the
    service speaks it (``handout.sheet_language``). A download, never kept (``no-store``);
    audited as a read."""
    sheet = handout.print_handout(
        current_actor(),
        couple_id,
        next_week=request.args.get("week") == "next",
        language=request.args.get("lang"),
    )
    return Response(
        sheet.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{sheet.file_name}"',
            "Cache-Control": "no-store",
        },
    )
