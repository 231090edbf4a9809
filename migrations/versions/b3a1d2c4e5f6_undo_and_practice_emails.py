"""undo and edits: removed sessions kept, check-ins edited or withdrawn, practice emails

- ``couple_sessions.removed_at``: a removed session is kept so that the removal can be
  undone; every query for sessions leaves removed ones out.
- ``checkins.edited_at`` and ``checkins.reflection_withdrawn_at``: a partner may change
  a check-in for 7 days, and take back a reflection they shared.
- ``practices.reply_to`` and ``practices.email_names_counselor``: where replies to the
  practice's emails go, and whether emails to partners name their counselor.

All columns are new and nullable (or have a server default), so upgrading touches no
stored row; downgrading drops them.

Revision ID: b3a1d2c4e5f6
Revises: e7e4673643e4
Create Date: 2026-12-02 10:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3a1d2c4e5f6'
down_revision = 'e7e4673643e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('couple_sessions') as batch:
        batch.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('checkins') as batch:
        batch.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('reflection_withdrawn_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('practices') as batch:
        batch.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch.add_column(
            sa.Column(
                'email_names_counselor', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table('practices') as batch:
        batch.drop_column('email_names_counselor')
        batch.drop_column('reply_to')
    with op.batch_alter_table('checkins') as batch:
        batch.drop_column('reflection_withdrawn_at')
        batch.drop_column('edited_at')
    with op.batch_alter_table('couple_sessions') as batch:
        batch.drop_column('removed_at')
