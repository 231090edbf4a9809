"""*Preview Sam's page*: the counselor sees a partner's page as the partner does, read-only.

It is the partner's own page (the same template and view model, ``partner.views.
render_partner_page``) drawn without a token: no form, no CSRF token, no link that works
as the partner's, and no link row minted for it. Opening it is audited as a read.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.models import Partner
from counselor.partner.views import render_partner_page
from counselor.services.audit import record_event
from counselor.tenancy import get_in_practice


@bp.route("/partners/<int:partner_id>/preview")
def partner_preview(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    record_event(current_actor(), "partner.previewed", "partner", partner.id)
    return render_partner_page(partner, token=None)
