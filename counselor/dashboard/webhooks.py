"""Settings › Webhooks: the practice's subscriptions and its latest deliveries.

Every counselor of the practice sees them; only owners add, remove or enable one again
(the rule is in the service), as with the practice's other settings. Enabling a disabled
endpoint goes through a confirm page (``confirm.py``), and is audited by the service.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, ConfirmForm, confirmed
from counselor.dashboard.helpers import current_actor
from counselor.models import CounselorRole, WebhookEndpoint
from counselor.services.delivery import webhooks
from counselor.services.errors import InvalidInput
from counselor.web import show_errors

EVENT_LABELS = {
    "checkin.created": "checkin.created — a partner checked off a step",
    "acknowledgement.created": (
        "acknowledgement.created — a partner answered the other's leaning on them"
    ),
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


@bp.route("/settings/webhooks/<int:endpoint_id>/enable", methods=["GET", "POST"])
def webhook_enable(endpoint_id: int) -> Response | str:
    """A disabled endpoint enabled again: the confirm page (GET, or a POST without the
    confirmation), then the confirmed POST."""
    actor = current_actor()
    endpoint = webhooks.get_endpoint(actor, endpoint_id)
    back = url_for("dashboard.webhooks_page")
    if endpoint.active:
        return redirect(back)
    if request.method == "POST" and confirmed():
        try:
            webhooks.enable_endpoint(actor, endpoint.id)
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash("The webhook is enabled again: new events are sent to it from now on.", "success")
        return redirect(back)
    failures = current_app.config["WEBHOOK_DISABLE_AFTER_FAILURES"]
    return render_template(
        "dashboard/webhook_confirm.html",
        form=ConfirmForm(),
        confirmation=Confirmation(
            title="Enable this webhook again?",
            question=f"Enable the webhook to {urlsplit(endpoint.url).hostname} again?",
            consequences=[
                f"Why it was disabled: {endpoint.disabled_reason or 'not recorded.'}",
                f"New events are sent to {endpoint.url} from now on, signed with the same secret.",
                "Events that failed while it was disabled are not sent again.",
                f"If it fails {failures} times in a row again, it is disabled again and the "
                "practice's owners are told by email.",
            ],
            action=url_for("dashboard.webhook_enable", endpoint_id=endpoint.id),
            confirm_label="Enable the webhook",
            back=back,
            back_label="Keep it disabled and go back",
            danger=False,
        ),
    )


def _render(
    form: WebhookForm, created: WebhookEndpoint | None, secret: str | None, status: int
) -> Response:
    actor = current_actor()
    # Never cached, as every page (counselor/http_headers.py): it may show a signing secret.
    return make_response(
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
