"""A couple's page: everything about one couple, in the order a counselor needs it
before a session — since the last session, the next session, the active steps, the ladder,
the history (``services.pages.couple_page``)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from counselor import timeutil
from counselor.dashboard import bp
from counselor.dashboard.confirm import take_undo
from counselor.dashboard.helpers import current_actor
from counselor.services.couples import links, sessions
from counselor.services.homework import replies
from counselor.services.pages import couple_page
from counselor.services.reports import handout


@bp.route("/couples/<int:couple_id>")
def couple_detail(couple_id: int) -> ResponseReturnValue:
    now = timeutil.utcnow()
    page = couple_page.couple_overview(current_actor(), couple_id, now)
    return render_template(
        "dashboard/couple_detail.html",
        view=page,
        couple=page.couple,
        now=now,
        sessions_shown=couple_page.SESSIONS_SHOWN,
        undo=take_undo(couple_id),
        removed_sessions=sessions.removed_sessions(couple_id),
        last_revocation=links.last_revocation(couple_id),
        note_presets=lambda c: replies.note_presets(
            page.next_session.starts_at if page.next_session else None, c.partner.timezone
        ),
        note_max=replies.NOTE_MAX,
        print_languages=handout.print_languages(page.couple),
    )
