"""articles: an index on (published_at, id) for listings newest first

The front page, category and tag pages, feeds and an article's neighbours walk live articles by publication
date and stop at the page, instead of reading and sorting every live article.

Revision ID: b6e4f8a2c0d3
Revises: a4d2c6e8f0b1
Create Date: 2026-11-29 17:45:00

"""
from alembic import op


revision = 'b6e4f8a2c0d3'
down_revision = 'a4d2c6e8f0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_articles_published_at_id', 'articles', ['published_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_articles_published_at_id', table_name='articles')
