"""Moderators' workbench: queue risk order, readers' reports, edit text, ban lifting, audit indexes.

Revision ID: b4e1a7c20d13
Revises: a9ed9c5707f6
Create Date: 2026-11-29 01:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "b4e1a7c20d13"
down_revision = "a9ed9c5707f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk", sa.Float(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("report_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("flagged", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.execute(
        "UPDATE comments SET risk = screen_score + CASE WHEN screen_rules <> '' THEN 1.0 ELSE 0.0 END"
    )
    op.create_index("ix_comments_status_risk", "comments", ["status", sa.text("risk DESC"), "id"], unique=False)
    op.create_index("ix_comments_flagged_created", "comments", ["flagged", "created_at", "id"], unique=False)

    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("after_text", sa.Text(), nullable=True))
        batch_op.create_index("ix_moderation_actions_actor_created", ["actor_id", "created_at"], unique=False)
        batch_op.create_index("ix_moderation_actions_action_created", ["action", "created_at"], unique=False)

    with op.batch_alter_table("bans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lifted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_bans_lifted_by_id_users", "users", ["lifted_by_id"], ["id"])

    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"], name="fk_comment_reports_comment_id_comments",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_comment_reports"),
        sa.UniqueConstraint("comment_id", "address", name="uq_comment_reports_comment_address"),
    )
    op.create_index("ix_comment_reports_comment_id", "comment_reports", ["comment_id"], unique=False)


def downgrade():
    op.drop_index("ix_comment_reports_comment_id", table_name="comment_reports")
    op.drop_table("comment_reports")
    with op.batch_alter_table("bans", schema=None) as batch_op:
        batch_op.drop_constraint("fk_bans_lifted_by_id_users", type_="foreignkey")
        batch_op.drop_column("lifted_by_id")
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_actions_action_created")
        batch_op.drop_index("ix_moderation_actions_actor_created")
        batch_op.drop_column("after_text")
    op.drop_index("ix_comments_flagged_created", table_name="comments")
    op.drop_index("ix_comments_status_risk", table_name="comments")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_column("flagged")
        batch_op.drop_column("report_count")
        batch_op.drop_column("risk")
