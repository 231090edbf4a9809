"""The ladder page's forms: a step of the practice's ladder (its text for a shipped step, or
a step of its own) and a rung's counselor note. They parse and bound the fields; the rules
are the ladder file's (``counselor.ladder.check_template_fields`` and
``check_translation_words``, applied by services/homework/practice_ladder_input.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Optional

from counselor.form_checks import text_bounds
from counselor.ladder import (
    OTHER_LANGUAGES,
    STEP_INSTRUCTIONS_MAX,
    STEP_TITLE_MAX,
    TIMES_PER_WEEK_MAX,
    TIMES_PER_WEEK_MIN,
    language_name,
)
from counselor.services.homework.practice_ladder import EffectiveTemplate
from counselor.services.homework.practice_ladder_edits import NOTE_MAX
from counselor.services.homework.practice_ladder_input import StepInput

WHO_CHOICES = [SelectChoice("each", "Each partner"), SelectChoice("together", "Together")]
LEANS = {"": None, "yes": True, "no": False}


class LadderStepForm(FlaskForm):
    title = StringField("Step title", validators=text_bounds(STEP_TITLE_MAX))
    instructions = TextAreaField(
        "Instructions to the couple",
        render_kw={"rows": 5},
        validators=text_bounds(STEP_INSTRUCTIONS_MAX),
    )
    times_per_week = IntegerField(
        f"Times per week ({TIMES_PER_WEEK_MIN}–{TIMES_PER_WEEK_MAX})", validators=[Optional()]
    )
    who = RadioField("Who does it", choices=WHO_CHOICES, validate_choice=False)
    leans = RadioField("Doing it leans on the other partner", validate_choice=False)

    def step_input(self) -> StepInput:
        return StepInput(
            title=self.title.data or "",
            instructions=self.instructions.data or "",
            times_per_week=self.times_per_week.data,
            who=self.who.data or "",
            leans_on_partner=LEANS.get(self.leans.data or ""),
            translations={
                code: {
                    "title": self[f"{code}_title"].data or "",
                    "instructions": self[f"{code}_instructions"].data or "",
                }
                for code in OTHER_LANGUAGES
            },
        )

    def fill_from(self, template: EffectiveTemplate) -> None:
        """The step as the practice has it now; the other languages as the practice gave
        them (blank: the shipped ladder's words, or none)."""
        self.title.data = template.title
        self.instructions.data = template.instructions
        self.times_per_week.data = template.times_per_week
        self.who.data = template.who.value
        own_leaning = template.practice.leans_on_partner if template.practice else None
        self.leans.data = {None: "", True: "yes", False: "no"}[own_leaning]
        given = (template.practice.translations if template.practice else None) or {}
        for code in OTHER_LANGUAGES:
            self[f"{code}_title"].data = (given.get(code) or {}).get("title", "")
            self[f"{code}_instructions"].data = (given.get(code) or {}).get("instructions", "")

    def offer_leaning(self, default_words: str) -> None:
        self.leans.choices = [
            SelectChoice("", default_words),
            SelectChoice("yes", "Yes"),
            SelectChoice("no", "No"),
        ]


for _code in OTHER_LANGUAGES:
    setattr(
        LadderStepForm,
        f"{_code}_title",
        StringField(
            f"Title in {language_name(_code)} (optional)",
            validators=text_bounds(STEP_TITLE_MAX),
        ),
    )
    setattr(
        LadderStepForm,
        f"{_code}_instructions",
        TextAreaField(
            f"Instructions in {language_name(_code)} (optional)",
            render_kw={"rows": 3},
            validators=text_bounds(STEP_INSTRUCTIONS_MAX),
        ),
    )


def other_languages_hint(editing_a_base_step: bool) -> str:
    """What the step form says over its fields in other languages: when the partners who
    read them get the base ladder's words, and when they read the English with a note."""
    names = [language_name(code) for code in OTHER_LANGUAGES]
    every, either = " and ".join(names), " or ".join(names)
    if editing_a_base_step:
        return (
            f"Leave blank to keep the base ladder's {every}, but only while the English stays "
            f"as the base has it. If you change the English, partners who read {either} see "
            "your English with a short note, until you add their words here."
        )
    return f"Left blank, partners who read {either} see your English with a short note."


class RungNoteForm(FlaskForm):
    counselor_note = TextAreaField(
        "What to watch for on this rung",
        description="Counselors of the practice read it on the ladder and the assign page; "
        "partners never see it.",
        render_kw={"rows": 5},
        validators=text_bounds(NOTE_MAX),
    )
