"""article_revisions.category and .tags: a save that changes only those is told apart from the one before it

Revision ID: a9c1e3f5b7d2
Revises: b8d0f2a4c6e1
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a9c1e3f5b7d2'
down_revision = 'b8d0f2a4c6e1'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: the revisions saved before did not keep them (NULL, "not known", not "none"). Plain
    # columns, no batch (a batch copies the table on SQLite).
    op.add_column('article_revisions', sa.Column('category', sa.String(length=80), nullable=True))
    op.add_column('article_revisions', sa.Column('tags', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('article_revisions', 'tags')
    op.drop_column('article_revisions', 'category')
