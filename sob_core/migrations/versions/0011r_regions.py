"""the regional administrator: region admins, programme activations per unit, information
messages, and whether a care unit is active

Revision ID: 0011r
Revises: 0010
Create Date: 2026-12-02 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0011r'
down_revision = '0011e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_unit', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    op.create_table('region_admin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_id', 'region_id')
    )
    with op.batch_alter_table('region_admin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_admin_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_admin_staff_id'), ['staff_id'], unique=False)

    op.create_table('program_activation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('program_version_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('moved', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['program_version_id'], ['program_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('program_activation', schema=None) as batch_op:
        batch_op.create_index(
            'ix_program_activation_unit_program', ['care_unit_id', 'program_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_program_activation_program_id'), ['program_id'], unique=False
        )

    op.create_table('information_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('information_message', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_information_message_region_id'), ['region_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('information_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_information_message_region_id'))
    op.drop_table('information_message')
    with op.batch_alter_table('program_activation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_activation_program_id'))
        batch_op.drop_index('ix_program_activation_unit_program')
    op.drop_table('program_activation')
    with op.batch_alter_table('region_admin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_admin_staff_id'))
        batch_op.drop_index(batch_op.f('ix_region_admin_region_id'))
    op.drop_table('region_admin')
    with op.batch_alter_table('care_unit', schema=None) as batch_op:
        batch_op.drop_column('active')
