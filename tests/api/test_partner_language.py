"""A partner's ``language`` through the API: given back on every read, set on create (default
English) and on change, a regional tag stored as its language, any other refused."""

from __future__ import annotations

from counselor.extensions import db
from counselor.models import Partner
from tests.support.api import assert_error, couple_body
from tests.support.helpers import row_counts


def partners_with(*languages: str | None) -> list[dict]:
    partners = couple_body()["partners"]
    for partner, language in zip(partners, languages, strict=True):
        if language is not None:
            partner["language"] = language
    return partners


def test_a_partner_s_language_is_set_on_create_and_read_back(api):
    response = api.post("/couples", json=couple_body(partners=partners_with("es", None)))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert [p["language"] for p in created["partners"]] == ["es", "en"]  # default English

    read = api.get(f"/couples/{created['id']}").get_json()
    assert [p["language"] for p in read["partners"]] == ["es", "en"]


def test_a_regional_tag_is_stored_as_the_language_the_service_speaks(api):
    created = api.post("/couples", json=couple_body(partners=partners_with("es-MX", "de_AT")))
    assert [p["language"] for p in created.get_json()["partners"]] == ["es", "de"]


def test_a_change_sets_only_the_named_partner_s_language(api):
    created = api.post("/couples", json=couple_body()).get_json()
    second = created["partners"][1]["id"]

    response = api.patch(
        f"/couples/{created['id']}", json={"partners": [{"id": second, "language": "de"}]}
    )

    assert response.status_code == 200, response.get_json()
    assert [p["language"] for p in response.get_json()["partners"]] == ["en", "de"]
    db.session.expire_all()
    assert db.session.get(Partner, second).language == "de"


def test_a_language_the_service_does_not_speak_is_refused_and_nothing_is_written(api):
    before = row_counts()
    body = assert_error(
        api.post("/couples", json=couple_body(partners=partners_with("fr", None))), 422
    )

    assert body["errors"]["json"] == {
        "partners": {
            "0": {
                "language": [
                    "'fr' is not a language this service speaks yet; choose one of en, es, de."
                ]
            }
        }
    }
    assert row_counts()["couples"] == before["couples"]

    created = api.post("/couples", json=couple_body()).get_json()
    first = created["partners"][0]["id"]
    refused = api.patch(
        f"/couples/{created['id']}", json={"partners": [{"id": first, "language": "xx-YY"}]}
    )
    assert_error(refused, 422)
    db.session.expire_all()
    assert db.session.get(Partner, first).language == "en"


def test_the_openapi_document_describes_the_field(api):
    spec = api.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    described = schemas["Partner"]["properties"]["language"]
    assert described["enum"] == ["en", "es", "de"]
    assert '"es-MX"' in described["description"]
    assert "language" in schemas["PartnerArgs"]["properties"]
