"""citizen administration: the care units' information banners

Revision ID: 0011p
Revises: 0010
Create Date: 2026-12-02 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011p'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('banner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_banner_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_banner_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banner'))
    )
    with op.batch_alter_table('banner', schema=None) as batch_op:
        batch_op.create_index('ix_banner_unit_ends', ['care_unit_id', 'ends_on'], unique=False)


def downgrade():
    with op.batch_alter_table('banner', schema=None) as batch_op:
        batch_op.drop_index('ix_banner_unit_ends')
    op.drop_table('banner')
