"""comments: the lower(e-mail) index gains the status

Screening asks whether an author has an approved comment by index alone, not by reading every comment of that
author.

Revision ID: f3c8a1d5e7b9
Revises: e8b2d4f6a1c3
Create Date: 2026-11-29 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3c8a1d5e7b9'
down_revision = 'e8b2d4f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_author_email_lower_status', 'comments',
                    [sa.text('lower(author_email)'), 'status'], unique=False)
    op.drop_index('ix_comments_author_email_lower', table_name='comments')


def downgrade():
    op.create_index('ix_comments_author_email_lower', 'comments', [sa.text('lower(author_email)')], unique=False)
    op.drop_index('ix_comments_author_email_lower_status', table_name='comments')
