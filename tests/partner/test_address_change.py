"""A partner's email changes: the links sent to the old address stop working (issue 12,
"changing a partner's email doesn't revoke links sent to the old address"). The new
address can ask for a fresh link, and an undo of an earlier *Revoke links* does not bring
the old address's links back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import task_names, tenancy
from counselor.extensions import db
from counselor.models import EmailKind, LinkPurpose, OutboxEmail, Partner
from counselor.services.couples import links
from counselor.services.couples.couples import PartnerInput
from tasks.links import request_link
from tests.support.api import couple_body, make_api_client
from tests.support.send_task import install_send_task

INVALID = "This link no longer works"
NEW_ADDRESS = "robin.new@example.net"

pytestmark = pytest.mark.usefixtures("clock")


def issue(partner, purpose: LinkPurpose = LinkPurpose.HOMEWORK) -> str:
    token = links.issue_link(partner, purpose)
    db.session.commit()
    return token


def edit_form(couple, **changes: str) -> dict[str, str]:
    """The couple's edit form as the page fills it in, with ``changes`` typed over it."""
    form = {
        "label": couple.label,
        "status": couple.status.value,
        "counselor_id": str(couple.counselor_id),
        "external_id": couple.external_id or "",
    }
    for index, partner in enumerate(couple.partners):
        for name, value in vars(PartnerInput.of(partner)).items():
            form[f"partners-{index}-{name}"] = str(value)
    form.update(changes)
    return form


def assert_link_is_dead(client, token: str) -> None:
    response = client.get(f"/p/{token}")
    assert response.status_code == 404
    assert INVALID in response.get_data(as_text=True)


def test_a_new_address_on_the_dashboard_stops_the_old_addresss_links(logged_in, couple):
    changed, other = couple.partners
    old_links = [issue(changed), issue(changed, LinkPurpose.UNSUBSCRIBE)]
    others_link = issue(other)
    assert logged_in.get(f"/p/{old_links[0]}").status_code == 200

    response = logged_in.post(
        f"/couples/{couple.id}/edit", data=edit_form(couple, **{"partners-0-email": NEW_ADDRESS})
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert_link_is_dead(logged_in, old_links[0])
    assert logged_in.get(f"/u/{old_links[1]}").status_code == 404
    assert logged_in.get(f"/p/{others_link}").status_code == 200  # the other partner's work on


def test_a_new_address_through_the_api_stops_the_old_addresss_links(app):
    api = make_api_client(app)
    tenancy.enter_practice(api.practice.id)
    created = api.post("/couples", json=couple_body()).get_json()
    partner_id = created["partners"][0]["id"]
    partner = db.session.get(Partner, partner_id)
    token = issue(partner)

    response = api.patch(
        f"/couples/{created['id']}", json={"partners": [{"id": partner_id, "email": NEW_ADDRESS}]}
    )

    assert response.status_code == 200, response.get_json()
    assert_link_is_dead(app.test_client(), token)


def test_the_same_address_in_other_letters_keeps_the_links(logged_in, couple):
    partner = couple.partners[0]
    token = issue(partner)
    local, domain = partner.email.split("@")

    logged_in.post(
        f"/couples/{couple.id}/edit",
        data=edit_form(couple, **{"partners-0-email": f"{local.upper()}@{domain.upper()}"}),
    )

    assert logged_in.get(f"/p/{token}").status_code == 200


def test_other_changes_keep_the_links(logged_in, couple):
    token = issue(couple.partners[0])

    logged_in.post(
        f"/couples/{couple.id}/edit", data=edit_form(couple, **{"partners-0-first_name": "Rob"})
    )

    assert logged_in.get(f"/p/{token}").status_code == 200


def test_the_partner_can_ask_for_a_fresh_link_at_the_new_address(
    logged_in, couple, app, monkeypatch
):
    partner = couple.partners[0]
    issue(partner)
    logged_in.post(
        f"/couples/{couple.id}/edit", data=edit_form(couple, **{"partners-0-email": NEW_ADDRESS})
    )
    sent = install_send_task(app, monkeypatch)

    assert logged_in.post("/links/new", data={"email": NEW_ADDRESS}).status_code == 200
    [(name, args)] = sent.calls
    assert name == task_names.REQUEST_LINK
    request_link(*args)  # what the worker runs

    emails = db.session.scalars(sa.select(OutboxEmail)).all()
    assert [(e.partner_id, e.kind) for e in emails] == [(partner.id, EmailKind.LINK)]


def test_undoing_an_earlier_revocation_does_not_bring_the_old_addresss_links_back(
    logged_in, actor, couple
):
    changed, other = couple.partners
    old_link, others_link = issue(changed), issue(other)
    revocation = links.revoke_couple_links(actor, couple.id)
    db.session.commit()
    logged_in.post(
        f"/couples/{couple.id}/edit", data=edit_form(couple, **{"partners-0-email": NEW_ADDRESS})
    )

    restored = links.restore_couple_links(actor, couple.id, revocation.at)
    db.session.commit()

    assert restored == 1
    assert_link_is_dead(logged_in, old_link)
    assert logged_in.get(f"/p/{others_link}").status_code == 200
