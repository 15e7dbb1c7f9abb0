"""the band label kept with each stored result

Revision ID: 0010s
Revises: 0009
Create Date: 2026-12-02 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010s'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('band_label', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True))


def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_column('band_label')
