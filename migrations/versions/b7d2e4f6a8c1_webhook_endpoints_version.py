"""a number on each practice that changes whenever its webhook endpoints change, so a
process may keep the endpoints it read (the event emitted on a partner's *Mark done* then
costs no query to find them).

Revision ID: b7d2e4f6a8c1
Revises: a1c4e7b2d9f6
Create Date: 2026-12-04 16:06:26.973948

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d2e4f6a8c1"
down_revision = "a1c4e7b2d9f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("webhook_endpoints_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_column("webhook_endpoints_version")
