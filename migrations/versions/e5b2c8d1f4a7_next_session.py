"""built around the next session: a session's agenda and private notes, a counselor's
secret calendar feed (kept as a hash), and the practice's paper size

Revision ID: e5b2c8d1f4a7
Revises: d4e8a1f6c3b9
Create Date: 2026-12-03 07:44:01.739731

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5b2c8d1f4a7"
down_revision = "d4e8a1f6c3b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("counselors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_feed_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("calendar_feed_created_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_counselors_calendar_feed_hash"), ["calendar_feed_hash"]
        )

    with op.batch_alter_table("couple_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agenda", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))

    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paper_size", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_column("paper_size")

    with op.batch_alter_table("couple_sessions", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("agenda")

    with op.batch_alter_table("counselors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_counselors_calendar_feed_hash"), type_="unique")
        batch_op.drop_column("calendar_feed_created_at")
        batch_op.drop_column("calendar_feed_hash")
