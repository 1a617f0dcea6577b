"""comments.form_key: one comment per submitted form (idempotent retries); indexes for screening lookups

Revision ID: b7c1e2a9f4d3
Revises: 559ba42a62c3
Create Date: 2026-11-29 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c1e2a9f4d3'
down_revision = '559ba42a62c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_comments_form_key'), ['form_key'])
        batch_op.create_index('ix_comments_created_at', ['created_at'], unique=False)
    # Screening looks up an author's comments by lower(e-mail): an expression index (SQLite and PostgreSQL).
    op.create_index('ix_comments_author_email_lower', 'comments', [sa.text('lower(author_email)')], unique=False)


def downgrade():
    op.drop_index('ix_comments_author_email_lower', table_name='comments')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_created_at')
        batch_op.drop_constraint(batch_op.f('uq_comments_form_key'), type_='unique')
        batch_op.drop_column('form_key')
