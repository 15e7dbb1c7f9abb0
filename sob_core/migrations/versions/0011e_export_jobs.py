"""export jobs of ended enrollments (the data administrator's CSV and FHIR exports)

Revision ID: 0011e
Revises: 0010
Create Date: 2026-12-02 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0011e'
down_revision = '0011d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('care_unit_id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('pseudonymised', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=255), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_export_job_care_unit_id_care_unit')),
        sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_export_job_program_id_program')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id'], name=op.f('fk_export_job_requested_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job')),
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index('ix_export_job_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_export_job_unit_created', ['care_unit_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index('ix_export_job_unit_created')
        batch_op.drop_index('ix_export_job_status_expires')
    op.drop_table('export_job')
