"""article_terms rebuilt: hamza seats in both spellings, words without a glued particle, the address's words

The index now holds a word written with ؤ or ئ in both spellings ("المسؤول" and "المسئول" find each other), a
word with a one-letter particle glued to it also without it, marked ("أكادير" finds "بأكادير"), and the words of
the article's address ("fes"). Every article's terms are written again with blog.textsearch; no column changes.

Revision ID: d8e2f4a6b1c9
Revises: c7d5e9a1b3f2
Create Date: 2026-12-03 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd8e2f4a6b1c9'
down_revision = 'c7d5e9a1b3f2'
branch_labels = None
depends_on = None

_TERMS = sa.table("article_terms", sa.column("article_id", sa.Integer), sa.column("term", sa.String))


def upgrade():
    from blog.textsearch import article_terms

    conn = op.get_bind()
    for row in conn.execute(sa.text("SELECT id, title, lead, body, slug FROM articles ORDER BY id")).all():
        conn.execute(_TERMS.delete().where(_TERMS.c.article_id == row.id))
        rows = [{"article_id": row.id, "term": t} for t in sorted(article_terms(row.title, row.lead, row.body, row.slug))]
        if rows:
            conn.execute(_TERMS.insert(), rows)


def downgrade():
    # The added terms only widen what the earlier code's prefixes reach (it never asks for a "~" term): kept.
    pass
