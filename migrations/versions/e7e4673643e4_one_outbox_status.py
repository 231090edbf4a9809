"""one outbox status for emails and webhook deliveries

The two outboxes share one status enum (``OutboxStatus``): each table's CHECK constraint
now allows its values. No stored value changes — an email is still ``sent``, a webhook
still ``delivered`` — so there is nothing to convert, and downgrading is safe as long as
no row has taken a value its old enum lacked.

Revision ID: e7e4673643e4
Revises: 242716711ce8
Create Date: 2026-12-02 07:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7e4673643e4'
down_revision = '242716711ce8'
branch_labels = None
depends_on = None

OUTBOX_STATUS = ('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled')
BEFORE = {
    'outbox_emails': ('emailstatus', ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    'webhook_deliveries': ('deliverystatus', ('pending', 'sending', 'delivered', 'failed')),
}


def _swap_check(table, old_name, new_name, values):
    # Batch mode: SQLite changes a constraint by copying the table; PostgreSQL alters it.
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{old_name}'), type_='check')
        batch_op.create_check_constraint(
            op.f(f'ck_{table}_{new_name}'),
            'status IN (' + ', '.join(f"'{value}'" for value in values) + ')',
        )


def upgrade():
    for table, (old_name, _values) in BEFORE.items():
        _swap_check(table, old_name, 'outboxstatus', OUTBOX_STATUS)


def downgrade():
    for table, (old_name, values) in BEFORE.items():
        _swap_check(table, 'outboxstatus', old_name, values)
