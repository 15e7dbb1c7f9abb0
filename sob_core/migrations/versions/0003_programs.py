"""programs, versions, catalogue, media, enrollment progress, events, bookmarks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:23:49.488441

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_media_file_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff.id'], name=op.f('fk_media_file_uploaded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_media_file_storage_key'))
    )
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_file_sha256'), ['sha256'], unique=False)

    op.create_table('program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('owner_care_unit_id', sa.Integer(), nullable=False),
    sa.Column('publisher_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_care_unit_id'], ['care_unit.id'], name=op.f('fk_program_owner_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['publisher_id'], ['staff.id'], name=op.f('fk_program_publisher_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program')),
    sa.UniqueConstraint('key', name=op.f('uq_program_key'))
    )
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_owner_care_unit_id'), ['owner_care_unit_id'], unique=False)

    op.create_table('program_catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('care_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['care_unit_id'], ['care_unit.id'], name=op.f('fk_program_catalogue_care_unit_id_care_unit')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_program_catalogue_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_catalogue')),
    sa.UniqueConstraint('program_id', 'care_unit_id', name=op.f('uq_program_catalogue_program_id'))
    )
    with op.batch_alter_table('program_catalogue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_catalogue_care_unit_id'), ['care_unit_id'], unique=False)

    op.create_table('program_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('major', sa.Integer(), nullable=True),
    sa.Column('minor', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('eligibility', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['based_on_id'], ['program_version.id'], name=op.f('fk_program_version_based_on_id_program_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_program_version_created_by_id_staff')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_program_version_program_id_program')),
    sa.ForeignKeyConstraint(['published_by_id'], ['staff.id'], name=op.f('fk_program_version_published_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_version')),
    sa.UniqueConstraint('program_id', 'major', 'minor', name=op.f('uq_program_version_program_id'))
    )
    with op.batch_alter_table('program_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_version_program_id'), ['program_id'], unique=False)
        batch_op.create_index('ix_program_version_status_open', ['status', 'is_open'], unique=False)

    op.create_table('bookmark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_bookmark_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmark')),
    sa.UniqueConstraint('enrollment_id', 'item_key', name=op.f('uq_bookmark_enrollment_id'))
    )
    op.create_table('enrollment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('module_key', sa.String(length=64), nullable=True),
    sa.Column('item_key', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('citizen_visible', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_enrollment_event_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_event'))
    )
    with op.batch_alter_table('enrollment_event', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_event_enrollment_at', ['enrollment_id', 'at'], unique=False)

    op.create_table('enrollment_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activated_by_id'], ['staff.id'], name=op.f('fk_enrollment_module_activated_by_id_staff')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_enrollment_module_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_module')),
    sa.UniqueConstraint('enrollment_id', 'module_key', name=op.f('uq_enrollment_module_enrollment_id'))
    )
    op.create_table('item_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_item_progress_enrollment_id_enrollment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_progress')),
    sa.UniqueConstraint('enrollment_id', 'item_key', name=op.f('uq_item_progress_enrollment_id'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('program_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('maintenance_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hide_progress', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_enrollment_program_version_id'), ['program_version_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enrollment_program_version_id_program_version'), 'program_version', ['program_version_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_enrollment_started_by_id_staff'), 'staff', ['started_by_id'], ['id'])

    with op.batch_alter_table('form_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_key', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('form_assignment', schema=None) as batch_op:
        batch_op.drop_column('item_key')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrollment_started_by_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_enrollment_program_version_id_program_version'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enrollment_program_version_id'))
        batch_op.drop_column('hide_progress')
        batch_op.drop_column('maintenance_at')
        batch_op.drop_column('last_active_at')
        batch_op.drop_column('started_by_id')
        batch_op.drop_column('program_version_id')

    op.drop_table('item_progress')
    op.drop_table('enrollment_module')
    with op.batch_alter_table('enrollment_event', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_event_enrollment_at')

    op.drop_table('enrollment_event')
    op.drop_table('bookmark')
    with op.batch_alter_table('program_version', schema=None) as batch_op:
        batch_op.drop_index('ix_program_version_status_open')
        batch_op.drop_index(batch_op.f('ix_program_version_program_id'))

    op.drop_table('program_version')
    with op.batch_alter_table('program_catalogue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_catalogue_care_unit_id'))

    op.drop_table('program_catalogue')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_owner_care_unit_id'))

    op.drop_table('program')
    with op.batch_alter_table('media_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_file_sha256'))

    op.drop_table('media_file')
