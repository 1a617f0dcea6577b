"""A new comment's row is written without the ORM's unit of work: the same row, and an object as a flush leaves it."""
from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, select

from blog.extensions import db
from blog.models import Comment, utcnow
from blog.services import comments as comment_service
from blog.services.screening import forget_screener

CLEAN = "شكرا على هذا المقال المفيد، أتمنى أن تتابعوا الموضوع."
OFFENSIVE = "انت حمار وما كتفهم والو"  # a hold or reject term of the shipped Darija list
# What a reader's submission gives the comment; every other column is the model's default.
GIVEN = ("article_id", "parent_id", "root_id", "notify", "author_name", "author_email", "address", "body", "status",
         "created_at", "decided_at", "screen_action", "screen_rules", "screen_score", "screen_details")


def _row(comment_id: int) -> dict:
    table = Comment.__table__
    return dict(db.session.execute(select(table).where(table.c.id == comment_id)).mappings().one())


@pytest.mark.parametrize("body", [CLEAN, OFFENSIVE], ids=["published", "held-with-a-rule"])
def test_a_new_comment_is_written_as_the_unit_of_work_writes_one(app, article, body):
    app.config["MODERATION_MODE"] = "post"
    forget_screener()
    statements = []
    with app.test_request_context("/"):
        comment = comment_service.submit_comment(comment_service.CommentDraft(
            article_id=article["id"], author_name="قارئ", author_email="reader@example.org", body=body,
            address="192.0.2.0/24", notify=True, form_token="a-form-token"))
        state = inspect(comment)
        assert state.persistent and not state.modified and comment in db.session

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            held = {prop.key: getattr(comment, prop.key) for prop in inspect(Comment).column_attrs}
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert statements == []  # every column held by the object: nothing read back
    with app.app_context():
        written = _row(held["id"])
        assert {key: written[key] for key in held} == held
        # The same submission through the unit of work, the model's defaults and events filling the rest.
        twin = Comment(**{key: held[key] for key in GIVEN}, form_key="another-key")
        db.session.add(twin)
        db.session.flush()
        expected = _row(twin.id)
        db.session.rollback()
    for row in (written, expected):
        del row["id"], row["form_key"]
    assert written == expected
    assert written["version"] == 1 and written["body_digest"] and written["risk"] >= (1.0 if body == OFFENSIVE else 0.0)


def test_a_new_comment_without_a_value_for_a_column_is_refused(app, article):
    with app.test_request_context("/"):
        comment = Comment(article_id=article["id"], author_name="قارئ", author_email="reader@example.org",
                          body=CLEAN, created_at=utcnow())
        with pytest.raises(ValueError, match="needs a value for"):
            comment_service._insert_new(comment)
        assert db.session.scalar(select(Comment.id)) is None
