"""forms, versions, responses, results, enrollments, text packs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:19:20.467715

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scale_text_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scale_id', sa.String(length=64), nullable=False),
    sa.Column('scale_version', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('licence_note', sa.String(length=500), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scale_text_pack')),
    sa.UniqueConstraint('scale_id', name=op.f('uq_scale_text_pack_scale_id'))
    )
    op.create_table('enrollment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_enrollment_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_enrollment_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['therapist_id'], ['staff.id'], name=op.f('fk_enrollment_therapist_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index('ix_enrollment_unit_status', ['care_unit_id', 'status'], unique=False)

    op.create_table('form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_form_care_unit_id_care_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form')),
    sa.UniqueConstraint('key', name=op.f('uq_form_key'))
    )
    op.create_table('form_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('intro', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('scale_id', sa.String(length=64), nullable=True),
    sa.Column('definition', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['form.id'], name=op.f('fk_form_version_form_id_form')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_version')),
    sa.UniqueConstraint('form_id', 'version', name=op.f('uq_form_version_form_id'))
    )
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_version_form_id'), ['form_id'], unique=False)

    op.create_table('form_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['staff.id'], name=op.f('fk_form_assignment_assigned_by_id_staff')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_form_assignment_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_form_assignment_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_version.id'], name=op.f('fk_form_assignment_form_version_id_form_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_assignment'))
    )
    with op.batch_alter_table('form_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_form_assignment_citizen_status', ['citizen_id', 'status'], unique=False)

    op.create_table('form_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['form_assignment.id'], name=op.f('fk_form_response_assignment_id_form_assignment')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_form_response_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_version.id'], name=op.f('fk_form_response_form_version_id_form_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_response')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_form_response_submission_key'))
    )
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_response_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_response_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_response_form_version_id'), ['form_version_id'], unique=False)

    op.create_table('result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('band', sa.String(length=64), nullable=True),
    sa.Column('flags', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('citizen_visible', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_result_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['form_id'], ['form.id'], name=op.f('fk_result_form_id_form')),
    sa.ForeignKeyConstraint(['response_id'], ['form_response.id'], name=op.f('fk_result_response_id_form_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result')),
    sa.UniqueConstraint('response_id', 'key', name=op.f('uq_result_response_id'))
    )
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.create_index('ix_result_citizen_key_at', ['citizen_id', 'key', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index('ix_result_citizen_key_at')

    op.drop_table('result')
    with op.batch_alter_table('form_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_response_form_version_id'))
        batch_op.drop_index(batch_op.f('ix_form_response_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_form_response_assignment_id'))

    op.drop_table('form_response')
    with op.batch_alter_table('form_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_form_assignment_citizen_status')

    op.drop_table('form_assignment')
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_version_form_id'))

    op.drop_table('form_version')
    op.drop_table('form')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_unit_status')
        batch_op.drop_index(batch_op.f('ix_enrollment_citizen_id'))

    op.drop_table('enrollment')
    op.drop_table('scale_text_pack')
