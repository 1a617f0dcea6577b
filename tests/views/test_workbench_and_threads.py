"""The workbench's paths (decide, bulk, undo, reports) keep the readers' thread counters right;
withdrawn comments stay out of moderators' reach."""
from __future__ import annotations

from blog.extensions import db
from blog.models import ActionKind, Article, Comment, CommentStatus, Role
from tests.conftest import csrf_token
from tests.views.test_reports_and_mail import report
from tests.workbench import CLEAN, add_comment, comment_row, human_actions, status


def _counts(app, article_id: int, root_id: int) -> tuple[int, int, int]:
    """(article's visible comments, article's threads, the root's published replies)."""
    with app.app_context():
        article = db.session.get(Article, article_id)
        root = db.session.get(Comment, root_id)
        return article.published_comment_count, article.published_thread_count, root.reply_count


def test_counters_follow_decisions_bulk_reports_and_undo(app, article, staff_client):
    app.config.update(REPORT_THRESHOLD=1, REPORT_HIDES=True)
    moderator = staff_client(Role.MODERATOR)
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    root = add_comment(app, article["id"], CLEAN, email="root@example.org")
    assert moderator.post(f"/moderation/comments/{root}/approve", data={"csrf_token": t}).status_code == 303
    replies = [add_comment(app, article["id"], f"رد رقم {i} على التعليق.", email=f"r{i}@example.org", parent_id=root)
               for i in range(2)]
    assert _counts(app, article["id"], root) == (1, 1, 0)
    # Bulk approval of both replies.
    response = moderator.post("/moderation/bulk/approve", data={
        "csrf_token": t, "ids": [f"{i}:{comment_row(app, i).version}" for i in replies]})
    assert response.status_code == 303 and [status(app, i) for i in replies] == [CommentStatus.PUBLISHED] * 2
    assert _counts(app, article["id"], root) == (3, 1, 2)
    # A reader's report hides a reply: the counters drop with it.
    reported = report(app, replies[0], article["slug"], "198.51.100.7")
    assert reported.status_code == 303 and status(app, replies[0]) is CommentStatus.PENDING
    assert _counts(app, article["id"], root) == (2, 1, 1)
    # Undoing the report publishes it again.
    assert moderator.post(f"/moderation/comments/{replies[0]}/undo", data={"csrf_token": t}).status_code == 303
    assert status(app, replies[0]) is CommentStatus.PUBLISHED
    assert _counts(app, article["id"], root) == (3, 1, 2)
    # Rejecting the top-level comment hides its whole thread; undoing brings it back.
    assert moderator.post(f"/moderation/comments/{root}/reject",
                          data={"csrf_token": t, "rule": "insult"}).status_code == 303
    assert _counts(app, article["id"], root)[:2] == (0, 0)
    assert moderator.post(f"/moderation/comments/{root}/undo", data={"csrf_token": t}).status_code == 303
    assert _counts(app, article["id"], root) == (3, 1, 2)


def test_a_withdrawn_comment_cannot_be_decided_or_undone(app, article, staff_client):
    moderator = staff_client(Role.MODERATOR)
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    cid = add_comment(app, article["id"], CLEAN, email="gone@example.org")
    assert moderator.post(f"/moderation/comments/{cid}/approve", data={"csrf_token": t}).status_code == 303
    with app.app_context():
        db.session.get(Comment, cid).status = CommentStatus.WITHDRAWN
        db.session.commit()
    fetch = {"X-Requested-With": "fetch"}
    for verb in ("approve", "undo"):
        response = moderator.post(f"/moderation/comments/{cid}/{verb}", data={"csrf_token": t}, headers=fetch)
        assert response.status_code == 409 and response.json["ok"] is False
    assert status(app, cid) is CommentStatus.WITHDRAWN
    assert [a.action for a in human_actions(app, cid)] == [ActionKind.APPROVE]


def test_comments_published_on_arrival_are_counted_as_a_recount_would(app, article, staff_client):
    """A comment published on arrival (post-moderation) adds itself to its article's and its thread's counters in
    the transaction that stores it, without counting the article's comments again: the numbers are a recount's,
    a reply under a hidden thread included."""
    from sqlalchemy import event

    from blog.services.comments import refresh_counters

    app.config["MODERATION_MODE"] = "post"
    moderator = staff_client(Role.MODERATOR)
    t = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    with app.app_context():
        engine = db.engine
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        root = add_comment(app, article["id"], CLEAN, email="root@example.org")
        reply = add_comment(app, article["id"], "رد مفيد على التعليق، شكرا.", email="a@example.org", parent_id=root)
        add_comment(app, article["id"], "رد على الرد، أوافقك الرأي.", email="b@example.org", parent_id=reply)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [status(app, i) for i in (root, reply)] == [CommentStatus.PUBLISHED] * 2
    recounts = [s for s in statements if s.startswith("update") and "count(" in s]
    assert not recounts and any(s.startswith("update articles") for s in statements)  # added to, not counted again
    assert _counts(app, article["id"], root) == (3, 1, 2)
    # The thread hidden by a moderator: a reply that arrives under it is published, counted in its thread only.
    assert moderator.post(f"/moderation/comments/{root}/reject",
                          data={"csrf_token": t, "rule": "insult"}).status_code == 303
    assert _counts(app, article["id"], root) == (0, 0, 2)
    late = add_comment(app, article["id"], "رد متأخر على الرد، شكرا.", email="c@example.org", parent_id=reply)
    assert status(app, late) is CommentStatus.PUBLISHED
    assert _counts(app, article["id"], root) == (0, 0, 3)
    with app.app_context():
        refresh_counters(article["id"], root)
    assert _counts(app, article["id"], root) == (0, 0, 3)  # what a recount gives
    assert moderator.post(f"/moderation/comments/{root}/undo", data={"csrf_token": t}).status_code == 303
    assert _counts(app, article["id"], root) == (4, 1, 3)
