"""scoring failures recorded on form_response

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_error', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('scoring_failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.drop_column('scoring_failed_at')
        batch_op.drop_column('scoring_error')
