"""guardians: the core's own table of guardianships

Revision ID: 0012g
Revises: 0011r
Create Date: 2026-12-02 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012g'
down_revision = '0011r'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guardianship',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guardian_personnummer', sa.String(length=12), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_guardianship_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['child_id'], ['citizen.id'], name=op.f('fk_guardianship_child_id_citizen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_guardianship_created_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardianship')),
    sa.UniqueConstraint('guardian_personnummer', 'child_id', name=op.f('uq_guardianship_guardian_personnummer'))
    )
    with op.batch_alter_table('guardianship', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardianship_care_unit_id'), ['care_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardianship_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardianship_guardian_personnummer'), ['guardian_personnummer'], unique=False)


def downgrade():
    with op.batch_alter_table('guardianship', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardianship_guardian_personnummer'))
        batch_op.drop_index(batch_op.f('ix_guardianship_child_id'))
        batch_op.drop_index(batch_op.f('ix_guardianship_care_unit_id'))
    op.drop_table('guardianship')
