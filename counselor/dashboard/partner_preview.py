"""*Preview Sam's page*: the counselor sees a partner's page as the partner does, read-only.

It is the partner's own page (the same template and view model, ``partner.views.
render_partner_page``) drawn without a token: no form, no CSRF token, no link that works
as the partner's, and no link row minted for it. Opening it is audited as a read.

While the couple is paused, closed or erased, the partner's link does not open their page
(``links.homework_page_open``, which ``links.resolve_link`` asks too): the
preview then shows what the partner gets instead, the page saying the link no longer
works, drawn without its form as well.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.i18n import use_language
from counselor.models import Partner
from counselor.partner.forms import FreshLinkForm
from counselor.partner.views import render_partner_page
from counselor.services.audit import record_event
from counselor.services.couples.links import homework_page_open
from counselor.tenancy import get_in_practice


@bp.route("/partners/<int:partner_id>/preview")
def partner_preview(partner_id: int) -> ResponseReturnValue:
    partner = get_in_practice(Partner, partner_id)
    record_event(current_actor(), "partner.previewed", "partner", partner.id)
    use_language(partner.language)  # the page as the partner reads it, in their language
    if not homework_page_open(partner):
        return render_template(
            "partner/invalid_link.html",
            form=FreshLinkForm(meta={"csrf": False}),
            preview=True,
            link_refused=True,
            partner=partner,
        )
    return render_partner_page(partner, token=None)
