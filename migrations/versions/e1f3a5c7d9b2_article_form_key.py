"""articles.form_key: one article per new-article form sent (a double click or a retry stores one)

Revision ID: e1f3a5c7d9b2
Revises: d8e2f4a6b1c9
Create Date: 2026-12-03 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1f3a5c7d9b2'
down_revision = 'd8e2f4a6b1c9'
branch_labels = None
depends_on = None


def upgrade():
    # A column and a unique index, no batch: on SQLite a batch copies the table and drops the old one, and with
    # foreign keys on, dropping `articles` would delete the rows that refer to it (terms, tags, comments).
    op.add_column('articles', sa.Column('form_key', sa.String(length=64), nullable=True))
    op.create_index('ix_articles_form_key', 'articles', ['form_key'], unique=True)


def downgrade():
    op.drop_index('ix_articles_form_key', table_name='articles')
    op.drop_column('articles', 'form_key')
