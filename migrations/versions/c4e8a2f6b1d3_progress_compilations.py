"""progress_compilations: one row per run of the progress compile (when it started and
the window it compiled), so that the nightly run recompiles only the couples whose data
changed since the last one.

Revision ID: c4e8a2f6b1d3
Revises: b7d2e4f6a8c1
Create Date: 2026-12-04 16:10:54.649593

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a2f6b1d3"
down_revision = "b7d2e4f6a8c1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "progress_compilations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_week", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("top_rung", sa.Integer(), nullable=True),
        sa.Column("ladder_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("couples", sa.Integer(), nullable=False),
        sa.Column("only_changed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_compilations")),
    )


def downgrade():
    op.drop_table("progress_compilations")
