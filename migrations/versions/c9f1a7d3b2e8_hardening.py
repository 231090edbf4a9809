"""hardening: idempotency per API key, report render lease, webhook failure streaks

- ``idempotency_records.api_key_id``: an ``Idempotency-Key`` belongs to the API key that
  sent it, not to the whole practice; the unique constraint moves from (practice_id, key)
  to (api_key_id, key). Records written before have no key (null never matches), and they
  expire within IDEMPOTENCY_TTL_HOURS anyway.
- ``reports.render_started_at`` and ``reports.render_attempts``: a report whose worker died
  mid-render is found by its age and rendered again, a bounded number of times.
- ``webhook_endpoints.consecutive_failures``: an endpoint that keeps failing is backed off
  and, past WEBHOOK_DISABLE_AFTER_FAILURES, disabled.
- ``outbox_emails.webhook_endpoint_id`` and the email kind ``webhook_disabled``: the
  practice owner is told when an endpoint is disabled.

Every column is new and nullable or has a server default, so upgrading changes no stored
row. Downgrading is safe once no idempotency key is reused by two API keys of a practice
and no ``webhook_disabled`` email exists.

Revision ID: c9f1a7d3b2e8
Revises: b3a1d2c4e5f6
Create Date: 2026-12-02 14:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c9f1a7d3b2e8'
down_revision = 'b3a1d2c4e5f6'
branch_labels = None
depends_on = None

EMAIL_KINDS = ('new_step', 'link', 'reminder', 'counselor_digest', 'report_ready')


def _email_kind_check(batch, kinds):
    batch.create_check_constraint(
        op.f('ck_outbox_emails_emailkind'),
        'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')',
    )


def upgrade():
    with op.batch_alter_table('idempotency_records') as batch:
        batch.add_column(sa.Column('api_key_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_idempotency_records_api_key_id_api_keys'), 'api_keys', ['api_key_id'], ['id']
        )
        batch.drop_constraint(op.f('uq_idempotency_records_practice_id_key'), type_='unique')
        batch.create_unique_constraint(
            op.f('uq_idempotency_records_api_key_id_key'), ['api_key_id', 'key']
        )
    with op.batch_alter_table('reports') as batch:
        batch.add_column(
            sa.Column('render_started_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column('render_attempts', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.add_column(
            sa.Column('consecutive_failures', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('outbox_emails') as batch:
        batch.add_column(sa.Column('webhook_endpoint_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_outbox_emails_webhook_endpoint_id_webhook_endpoints'),
            'webhook_endpoints',
            ['webhook_endpoint_id'],
            ['id'],
        )
        batch.drop_constraint(op.f('ck_outbox_emails_emailkind'), type_='check')
        _email_kind_check(batch, (*EMAIL_KINDS, 'webhook_disabled'))


def downgrade():
    with op.batch_alter_table('outbox_emails') as batch:
        batch.drop_constraint(op.f('ck_outbox_emails_emailkind'), type_='check')
        _email_kind_check(batch, EMAIL_KINDS)
        batch.drop_constraint(
            op.f('fk_outbox_emails_webhook_endpoint_id_webhook_endpoints'), type_='foreignkey'
        )
        batch.drop_column('webhook_endpoint_id')
    with op.batch_alter_table('webhook_endpoints') as batch:
        batch.drop_column('consecutive_failures')
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('render_attempts')
        batch.drop_column('render_started_at')
    with op.batch_alter_table('idempotency_records') as batch:
        batch.drop_constraint(op.f('uq_idempotency_records_api_key_id_key'), type_='unique')
        batch.create_unique_constraint(
            op.f('uq_idempotency_records_practice_id_key'), ['practice_id', 'key']
        )
        batch.drop_constraint(
            op.f('fk_idempotency_records_api_key_id_api_keys'), type_='foreignkey'
        )
        batch.drop_column('api_key_id')
