"""comments: the "most liked" threads index holds like_count descending

A page of threads in the "most liked" order (like_count DESC, then oldest first) is read in that order from
the index and stops at the page, instead of sorting every top-level comment of the article.

Revision ID: a4d2c6e8f0b1
Revises: f3c8a1d5e7b9
Create Date: 2026-11-29 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a4d2c6e8f0b1'
down_revision = 'f3c8a1d5e7b9'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_comments_thread_roots_liked', table_name='comments')
    op.create_index('ix_comments_thread_roots_liked', 'comments',
                    ['article_id', 'status', 'root_id', sa.text('like_count DESC'), 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_comments_thread_roots_liked', table_name='comments')
    op.create_index('ix_comments_thread_roots_liked', 'comments',
                    ['article_id', 'status', 'root_id', 'like_count', 'created_at', 'id'], unique=False)
