"""notices: delivery attempts, notice preferences, coalescing and leases on the outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('provider_ref', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_attempt_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempt'))
    )
    with op.batch_alter_table('notification_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_attempt_notification_id'), ['notification_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('staff_mode', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preference')),
    sa.UniqueConstraint('person_kind', 'person_id', name=op.f('uq_notice_preference_person_kind'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coalesce_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('queued_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('care_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_notification_coalesce', ['recipient_kind', 'recipient_id', 'coalesce_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_care_unit_id'), ['care_unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notification_care_unit_id_care_unit'), 'care_unit', ['care_unit_id'], ['id'])


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_care_unit_id_care_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notification_care_unit_id'))
        batch_op.drop_index('ix_notification_coalesce')
        batch_op.drop_column('care_unit_id')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('report_status')
        batch_op.drop_column('queued_until')
        batch_op.drop_column('coalesce_key')

    op.drop_table('notice_preference')
    with op.batch_alter_table('notification_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_attempt_notification_id'))

    op.drop_table('notification_attempt')
