"""comments.body_digest and an address index: screening's repeat and flood look-ups by index, not by a scan of the day

Revision ID: e8b2d4f6a1c3
Revises: d3a7c51e9b20
Create Date: 2026-11-29 04:00:00

"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = 'e8b2d4f6a1c3'
down_revision = 'd3a7c51e9b20'
branch_labels = None
depends_on = None

BATCH = 1000


def _digest(body):
    # Same as blog.models.comment.body_digest, frozen here as the migration wrote it.
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def upgrade():
    op.add_column('comments', sa.Column('body_digest', sa.String(length=32), nullable=True))
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                        sa.column('body_digest', sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comments.c.id, comments.c.body).where(comments.c.id > last).order_by(comments.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            comments.update().where(comments.c.id == sa.bindparam('ident')).values(body_digest=sa.bindparam('digest')),
            [{'ident': row.id, 'digest': _digest(row.body or '')} for row in rows],
        )
        last = rows[-1].id
    op.create_index('ix_comments_body_digest_created', 'comments', ['body_digest', 'created_at'], unique=False)
    op.create_index('ix_comments_address_created', 'comments', ['address', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_comments_address_created', table_name='comments')
    op.drop_index('ix_comments_body_digest_created', table_name='comments')
    with op.batch_alter_table('comments') as batch_op:
        batch_op.drop_column('body_digest')
