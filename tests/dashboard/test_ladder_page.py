"""The ladder page: owners edit the practice's ladder (server-rendered forms, confirmed
POSTs), everyone else reads it; the assign page offers the practice's words."""

from __future__ import annotations

import html

import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.ladder import load_ladder
from counselor.models import CounselorRole
from counselor.models.practice_ladder import PracticeLadderChange
from counselor.services.homework import ladder
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework.practice_ladder import effective_template
from counselor.services.homework.practice_ladder_input import StepInput
from tests.support import factories
from tests.support.helpers import login, row_counts

KEY = "share-a-minor-worry"
FORM = {
    "title": "Tell them one small worry",
    "instructions": "Once a day, name one small worry out loud.",
    "times_per_week": "4",
    "who": "each",
    "leans": "",
    "es_title": "",
    "es_instructions": "",
    "de_title": "Erzähl eine kleine Sorge",
    "de_instructions": "Einmal am Tag eine kleine Sorge laut sagen.",
}


def text_of(response) -> str:
    """The page as a reader sees it (entities such as &#39; unescaped)."""
    return html.unescape(response.get_data(as_text=True))


def changes() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(PracticeLadderChange))


def test_an_owner_edits_a_step_through_the_form(logged_in, counselor):
    page = logged_in.get(f"/ladder/steps/{KEY}/edit")
    assert page.status_code == 200
    assert factories.template(KEY).title in text_of(page)
    assert (
        "Leave blank to keep the base ladder's Spanish and German, but only while the English "
        "stays as the base has it. If you change the English, partners who read Spanish or "
        "German see your English with a short note, until you add their words here."
    ) in text_of(page)

    answer = logged_in.post(f"/ladder/steps/{KEY}/edit", data=FORM)

    assert answer.status_code == 303 and answer.location.endswith(f"/ladder#step-{KEY}")
    step = effective_template(counselor.practice_id, KEY)
    assert (step.title, step.times_per_week) == (FORM["title"], 4)
    assert step.translations == {
        "de": {"title": FORM["de_title"], "instructions": FORM["de_instructions"]}
    }
    shown = text_of(logged_in.get("/ladder"))
    assert FORM["title"] in shown and "Practice's text" in shown
    assert "Restore the base text" in shown and "History" in shown
    assert "changed the practice's text of" in shown


def test_bad_input_shows_the_form_again_and_writes_nothing(logged_in):
    before = row_counts()
    answer = logged_in.post(
        f"/ladder/steps/{KEY}/edit", data=FORM | {"title": " ", "times_per_week": "15"}
    )
    assert answer.status_code == 422
    text = text_of(answer)
    assert "Give the step its title" in text and "from 1 to 14" in text
    assert row_counts() == before


def test_words_in_another_language_are_checked_whole_or_left_empty(logged_in, counselor):
    before = row_counts()
    answer = logged_in.post(
        f"/ladder/steps/{KEY}/edit", data=FORM | {"es_title": "Cuenta una preocupación"}
    )
    assert answer.status_code == 422
    assert "Give the instructions in Spanish too, or leave Spanish out." in text_of(answer)
    assert row_counts() == before

    both_empty = FORM | {"de_title": " ", "de_instructions": ""}
    assert logged_in.post(f"/ladder/steps/{KEY}/edit", data=both_empty).status_code == 303
    step = effective_template(counselor.practice_id, KEY)
    assert step.practice is not None and step.practice.translations is None


def test_retire_asks_first_then_retires_and_the_assign_page_no_longer_offers_it(
    logged_in, counselor, couple
):
    asked = logged_in.post(f"/ladder/steps/{KEY}/retire")
    assert asked.status_code == 200 and "Retire this step?" in text_of(asked)
    assert changes() == 0

    done = logged_in.post(f"/ladder/steps/{KEY}/retire", data={"confirmed": "yes"})

    assert done.status_code == 303
    assert effective_template(counselor.practice_id, KEY) is None
    assign_page = text_of(logged_in.get(f"/couples/{couple.id}/assign"))
    assert f"template={KEY}" not in assign_page
    ladder_page = text_of(logged_in.get("/ladder"))
    assert "Retired" in ladder_page and "Bring back" in ladder_page

    logged_in.post(f"/ladder/steps/{KEY}/bring-back", data={"confirmed": "yes"})
    assert effective_template(counselor.practice_id, KEY) is not None


def test_restore_asks_first_and_offers_undo(logged_in, counselor):
    logged_in.post(f"/ladder/steps/{KEY}/edit", data=FORM)
    asked = logged_in.post(f"/ladder/steps/{KEY}/restore-base")
    assert "Restore the base text?" in text_of(asked)
    assert "Undo on the step puts the practice's text back." in text_of(asked)
    assert "History" not in text_of(asked)  # the History shows who changed what, not words
    assert effective_template(counselor.practice_id, KEY).source == "practice"

    logged_in.post(f"/ladder/steps/{KEY}/restore-base", data={"confirmed": "yes"})

    assert effective_template(counselor.practice_id, KEY).source == "base"
    page = text_of(logged_in.get("/ladder"))
    assert "The base text was restored" in page
    logged_in.post(f"/ladder/steps/{KEY}/undo-restore")
    assert effective_template(counselor.practice_id, KEY).title == FORM["title"]


def test_a_base_update_is_shown_beside_the_practices_text_with_keep_ours(logged_in, counselor):
    from tests.test_ladder import edited

    logged_in.post(f"/ladder/steps/{KEY}/edit", data=FORM)
    ladder.sync_ladder(edited(load_ladder(), KEY, instructions="The base's new words."))
    db.session.commit()

    page = text_of(logged_in.get("/ladder"))
    assert "Base updated" in page and "The base's new words." in page
    assert "Keep ours" in page

    logged_in.post(f"/ladder/steps/{KEY}/keep-ours")

    step = effective_template(counselor.practice_id, KEY)
    assert not step.base_updated and step.title == FORM["title"]


def test_an_owner_adds_a_step_and_writes_a_rungs_note(logged_in, counselor):
    rung = factories.rung(2)
    form = logged_in.get(f"/ladder/rungs/{rung.id}/steps/new")
    assert form.status_code == 200
    hint = "Left blank, partners who read Spanish or German see your English with a short note."
    assert hint in text_of(form) and "Leave blank to keep" not in text_of(form)
    added = logged_in.post(
        f"/ladder/rungs/{rung.id}/steps/new", data=FORM | {"title": "Our very own step"}
    )
    assert added.status_code == 303 and "#step-p-our-very-own-step-" in added.location

    noted = logged_in.post(f"/ladder/rungs/{rung.id}/note", data={"counselor_note": "Ours."})
    assert noted.status_code == 303
    page = text_of(logged_in.get("/ladder"))
    assert "Practice's own step" in page and "Our very own step" in page
    assert "Ours." in page and "Go back to the base note" in page
    logged_in.post(f"/ladder/rungs/{rung.id}/note/restore", data={"confirmed": "yes"})
    assert rung.counselor_note in text_of(logged_in.get("/ladder"))


def test_a_counselor_who_is_not_an_owner_reads_the_ladder_and_is_refused_changes(client, counselor):
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    login(client, staff.email, factories.PASSWORD)
    tenancy.enter_practice(counselor.practice_id)
    rung = factories.rung(1)

    page = text_of(client.get("/ladder"))
    assert "The practice's owners edit this ladder." in page
    assert "/edit" not in page and "Retire" not in page and "Add a step" not in page
    before = row_counts()
    for method, url in [
        ("GET", f"/ladder/steps/{KEY}/edit"),
        ("POST", f"/ladder/steps/{KEY}/edit"),
        ("GET", f"/ladder/rungs/{rung.id}/steps/new"),
        ("POST", f"/ladder/rungs/{rung.id}/steps/new"),
        ("POST", f"/ladder/steps/{KEY}/retire"),
        ("POST", f"/ladder/steps/{KEY}/bring-back"),
        ("POST", f"/ladder/steps/{KEY}/restore-base"),
        ("POST", f"/ladder/steps/{KEY}/undo-restore"),
        ("POST", f"/ladder/steps/{KEY}/keep-ours"),
        ("GET", f"/ladder/rungs/{rung.id}/note"),
        ("POST", f"/ladder/rungs/{rung.id}/note"),
        ("POST", f"/ladder/rungs/{rung.id}/note/restore"),
    ]:
        answer = client.open(url, method=method, data=FORM | {"confirmed": "yes"})
        assert answer.status_code == 403, (method, url)
    assert row_counts() == before


def test_the_assign_page_offers_the_practices_words(logged_in, counselor, couple):
    edits.save_step(counselor, KEY, StepInput(FORM["title"], FORM["instructions"], 4, "each"))
    db.session.commit()

    picker = text_of(logged_in.get(f"/couples/{couple.id}/assign"))
    form = text_of(logged_in.get(f"/couples/{couple.id}/assign?template={KEY}"))

    assert FORM["title"] in picker
    assert FORM["instructions"] in form and 'value="4"' in form


def test_an_unknown_step_or_rung_is_404(logged_in):
    assert logged_in.get("/ladder/steps/no-such-step/edit").status_code == 404
    assert logged_in.get("/ladder/rungs/999999/note").status_code == 404
    assert logged_in.post("/ladder/steps/no-such-step/retire").status_code == 404
