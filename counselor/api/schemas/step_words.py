"""A step's title and instructions in an API answer, as the request's key may read them:
words written or reworded for a couple are clinical text (``step_origin.host_step_words``,
the one rule; ``schemas.common.ClinicalText`` is its counterpart for what partners and
counselors wrote)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from counselor.api.scopes import CLINICAL_TEXT, may_read_clinical_text
from counselor.models import Assignment
from counselor.services.homework import step_origin

STEP_WORDS_NOTE = (
    "Words written or reworded for this couple (`words_from_ladder` false) are clinical "
    f"text: for a key without the `{CLINICAL_TEXT}` scope"
)
TITLE_DESCRIPTION = (
    f"{STEP_WORDS_NOTE}, a neutral title instead: the title of the ladder step it was given "
    f"from, or \u201c{step_origin.WRITTEN_FOR_COUPLE.format(position='N')}\u201d for a "
    "custom step."
)
INSTRUCTIONS_DESCRIPTION = f"{STEP_WORDS_NOTE}, left out of the answer (never null)."


def _host_words(step: Assignment) -> step_origin.HostStepWords:
    return step_origin.host_step_words(step, clinical_text=may_read_clinical_text())


class StepTitle(fields.Field):
    """A step's title as this request's key may read it (``step_origin.host_step_words``)."""

    _CHECK_ATTRIBUTE = False

    def __init__(self, *, of: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            required=True,
            metadata={"type": "string", "description": TITLE_DESCRIPTION},
            **kwargs,
        )
        self._step_attribute = of

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str:
        step = getattr(obj, self._step_attribute) if self._step_attribute else obj
        return _host_words(step).title


class StepInstructions(fields.Field):
    """A step's instructions, left out where this request's key may not read them."""

    _CHECK_ATTRIBUTE = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            metadata={"type": "string", "description": INSTRUCTIONS_DESCRIPTION}, **kwargs
        )

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        instructions = _host_words(obj).instructions
        return ma.missing if instructions is None else instructions
