"""media: a media file may be a citizen's answer file (an attachment question)

Revision ID: 0013att
Revises: 0012g
Create Date: 2026-12-07 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013att'
down_revision = '0012g'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('answer_file', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.drop_column('answer_file')
