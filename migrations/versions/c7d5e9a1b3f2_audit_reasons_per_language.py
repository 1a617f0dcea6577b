"""moderation_actions.reasons: an automatic step's reasons in each interface language

The audit trail showed the screening engine's reasons in English whatever the staff's language; each automatic
row now keeps them as the queue does ([{code, ar, fr, en}]), and `reason` keeps its plain English record.

Revision ID: c7d5e9a1b3f2
Revises: b6e4f8a2c0d3
Create Date: 2026-12-03 06:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d5e9a1b3f2'
down_revision = 'b6e4f8a2c0d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reasons', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('moderation_actions', schema=None) as batch_op:
        batch_op.drop_column('reasons')
