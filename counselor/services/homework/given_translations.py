"""Steps given before the ladder had translations: give them their template's words in
other languages, once.

An assignment keeps the words it was given (``Assignment.translations``, a snapshot like
its title), so a step given from a base template before the ladder file carried
translations has none (NULL, or empty), and its partner reads it in English with a note.
When the step still reads exactly as its template does now (the counselor did not reword
it when giving it, and the template's English words have not changed since), the
template's translations say the same step; ``ladder sync`` (and so ``flask init``) copies
them onto it. Steps from a practice's own text (``practice_template_id``), reworded steps
and steps that already carry translations are left alone, so running it again changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignment, TaskTemplate
from counselor.tenancy import across_practices


def backfill_given_translations(templates: Iterable[TaskTemplate]) -> int:
    """Copy each template's translations onto the steps given from it that have none and
    still read as it does; one UPDATE per template with translations, across every practice
    (the ladder is shared). The number of steps given translations."""
    filled = 0
    for template in templates:
        if not template.translations:
            continue
        statement = (
            sa.update(Assignment)
            .where(
                Assignment.template_id == template.id,
                Assignment.practice_template_id.is_(None),
                _no_translations(),
                Assignment.title == template.title,
                Assignment.instructions == template.instructions,
            )
            # Giving a step the words it already said is no change of the step: keep its
            # updated_at (the column's onupdate would stamp now), which hosts sync by.
            .values(translations=template.translations, updated_at=Assignment.updated_at)
            # Nothing loaded needs refreshing: ``ladder sync`` loads no assignment.
            .execution_options(synchronize_session=False)
        )
        result = db.session.execute(across_practices(statement))
        filled += result.rowcount  # type: ignore[attr-defined]
    return filled


def _no_translations() -> sa.ColumnElement[bool]:
    # A JSON column holds "none" three ways: SQL NULL (never set, as for every step given
    # before the column existed), the JSON value null (set to None through the ORM) or an
    # empty object (given from a template that had no translations then).
    return sa.or_(
        Assignment.translations.is_(None),
        sa.cast(Assignment.translations, sa.Text).in_(["null", "{}"]),
    )
