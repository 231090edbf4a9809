"""Settings › Webhooks: the practice's subscriptions and its latest deliveries.

Every counselor of the practice sees them; only owners add or remove one (the rule is in
the service), as with the practice's other settings.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from counselor.dashboard import bp
from counselor.dashboard.helpers import current_actor
from counselor.models import CounselorRole, WebhookEndpoint
from counselor.services.delivery import webhooks
from counselor.services.errors import InvalidInput
from counselor.web import show_errors

EVENT_LABELS = {
    "checkin.created": "checkin.created — a partner checked off a step",
    "assignment.completed": "assignment.completed — a step was marked completed",
    "report.ready": "report.ready — a pre-session report is ready",
    "partner.unsubscribed": "partner.unsubscribed — a partner stopped our emails",
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(
        "Receiver URL",
        description="Where we POST each event, e.g. https://pm.example.org/hooks/homework",
        render_kw={"autocomplete": "off", "inputmode": "url"},
    )
    events = CheckboxesField(
        "Events", choices=[SelectChoice(name, EVENT_LABELS[name]) for name in webhooks.EVENTS]
    )


class RemoveWebhookForm(FlaskForm):
    """No fields: the CSRF token is the point."""


@bp.route("/settings/webhooks", methods=["GET", "POST"])
def webhooks_page() -> Response:
    form = WebhookForm(prefix="webhook")
    status, created, secret = 200, None, None
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                created, secret = webhooks.create_endpoint(
                    current_actor(), form.url.data or "", form.events.data or []
                )
            except InvalidInput as error:
                show_errors(form, error, aliases={"practice": "form"})
            else:
                # Shown on this response only, never put in the session cookie or a redirect.
                status, form = 200, WebhookForm(prefix="webhook", formdata=None)
    return _render(form, created, secret, status)


@bp.route("/settings/webhooks/<int:endpoint_id>/remove", methods=["POST"])
def webhook_remove(endpoint_id: int) -> Response:
    actor = current_actor()
    endpoint = webhooks.get_endpoint(actor, endpoint_id)
    if not RemoveWebhookForm().validate_on_submit():
        abort(400)
    try:
        webhooks.delete_endpoint(actor, endpoint.id)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash("The webhook was removed; nothing more is sent there.", "success")
    return redirect(url_for("dashboard.webhooks_page"))


def _render(
    form: WebhookForm, created: WebhookEndpoint | None, secret: str | None, status: int
) -> Response:
    actor = current_actor()
    response = make_response(
        render_template(
            "dashboard/webhooks.html",
            form=form,
            remove_form=RemoveWebhookForm(),
            endpoints=webhooks.list_endpoints(actor),
            deliveries=webhooks.recent_deliveries(actor),
            created=created,
            secret=secret,
            is_owner=current_user.role == CounselorRole.OWNER,
            event_names=webhooks.event_names,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page may show a signing secret
    return response
