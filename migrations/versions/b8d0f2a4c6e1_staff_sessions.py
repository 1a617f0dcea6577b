"""staff_sessions: one row per browser logged in to a staff account; logging out deletes it

Revision ID: b8d0f2a4c6e1
Revises: a7c9e1f3b5d8
Create Date: 2026-12-04 00:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8d0f2a4c6e1'
down_revision = 'a7c9e1f3b5d8'
branch_labels = None
depends_on = None


def upgrade():
    # Logins from before it have no row: those browsers log in again once.
    op.create_table(
        'staff_sessions',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_staff_sessions')),
    )
    op.create_index(op.f('ix_staff_sessions_user_id'), 'staff_sessions', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_staff_sessions_user_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
