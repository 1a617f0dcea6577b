"""additional staff roles (an editor who also moderates)

Revision ID: d3a7c51e9b20
Revises: b7c1e2a9f4d3
Create Date: 2026-11-29 02:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd3a7c51e9b20'
down_revision = 'b7c1e2a9f4d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_roles',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum('editor', 'moderator', 'admin', name='role', native_enum=False, length=16),
                  nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles')),
    )


def downgrade():
    op.drop_table('user_roles')
