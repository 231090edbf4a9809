"""Behaviour shared by several models."""

from __future__ import annotations

import sqlalchemy as sa


class PracticeOwned:
    """A row that belongs to one practice through its own ``practice_id`` column.

    Every ORM query on such a model is scoped to the acting practice by
    ``counselor/tenancy.py``; a model joins that rule by naming this class as a base and
    declaring its ``practice_id`` (with its own index and nullability)."""

    # Only what the tenancy criteria's lambda sees when SQLAlchemy first calls it with this
    # class itself; every model declares its own mapped ``practice_id``, which wins.
    practice_id = sa.Column(sa.Integer)
