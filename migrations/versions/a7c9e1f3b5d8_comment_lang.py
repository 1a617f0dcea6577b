"""comments.lang: the interface language a comment was written in, the language of its author's e-mails

Revision ID: a7c9e1f3b5d8
Revises: e1f3a5c7d9b2
Create Date: 2026-12-03 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c9e1f3b5d8'
down_revision = 'e1f3a5c7d9b2'
branch_labels = None
depends_on = None


def upgrade():
    # A column alone, no batch (see e1f3a5c7d9b2): earlier comments have none, and their e-mails stay in the
    # site's language.
    op.add_column('comments', sa.Column('lang', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('comments', 'lang')
