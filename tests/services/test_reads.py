"""A page's reads on the driver's cursor (blog/services/reads.py) give SQLAlchemy's own values, see the session's
uncommitted rows, return their connection to the pool and turn a lost connection into SQLAlchemy's error."""
from __future__ import annotations

from datetime import timezone

import pytest
from sqlalchemy import Integer, bindparam, select, text
from sqlalchemy.exc import DBAPIError

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, utcnow
from blog.services import articles as article_service
from blog.services import comments as comment_service
from blog.services.reads import DriverRead, driver_connection
from tests.views.conversation_helpers import add_comment


def test_rows_are_those_sqlalchemy_gives(app, article):
    first = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    add_comment(app, article["id"], "قارئة", "رد على التعليق.", parent=first, minutes=1)
    add_comment(app, article["id"], "قارئ آخر", "تعليق ثان.", minutes=2)
    cases = [
        (article_service._LIVE_BY_SLUG, {"now": utcnow(), "slug": article["slug"]}),
        (comment_service._THREADS_PAGE["oldest", False], {"article_id": article["id"], "offset": 0, "limit": 1}),
        (comment_service._THREADS_PAGE["liked", True], {"article_id": article["id"], "offset": 1, "limit": 5}),
        (comment_service._THREADS_PAGE["liked", False], {"article_id": article["id"], "offset": 0, "limit": 5}),
        (comment_service._THREADS_SEEK[True], {"article_id": article["id"], "cursor": first, "limit": 5}),
    ]
    for read, params in cases:
        with app.app_context():
            expected = [tuple(row) for row in db.session.execute(read.statement, params).all()]
            got = read.rows(params)
        assert expected and sorted(got, key=repr) == sorted(expected, key=repr)
        assert [type(value) for value in got[0]] == [type(value) for value in expected[0]]
    with app.app_context():
        shown = article_service.live_article(article["slug"])
        page = comment_service.published_threads(db.session.get(Article, article["id"]), 1, 50)
    assert shown.published_at.tzinfo is timezone.utc
    assert [(t.root.author_name, [r.body for r in t.replies]) for t in page.items] == [
        ("قارئ", ["رد على التعليق."]), ("قارئ آخر", [])]
    assert page.items[0].root.status is CommentStatus.PUBLISHED and page.items[0].root.created_at.tzinfo is timezone.utc


def test_literal_values_are_written_in_and_undeclared_ones_refused(app, article):
    for offset in range(3):  # each page's own text (a prepared statement per page on PostgreSQL)
        add_comment(app, article["id"], f"قارئ {offset}", f"تعليق {offset}.", minutes=offset)
    read = comment_service._THREADS_PAGE["oldest", True]
    with app.app_context():
        pages = [[row[4] for row in read.rows({"article_id": article["id"], "offset": o, "limit": 1})] for o in range(3)]
    assert pages == [["قارئ 0"], ["قارئ 1"], ["قارئ 2"]]
    undeclared = DriverRead(select(Comment.id).limit(bindparam("size", type_=Integer, literal_execute=True)))
    with app.app_context(), pytest.raises(ValueError, match="size"):
        undeclared.rows({"size": 1})


def test_a_session_in_a_transaction_is_read_through_its_own_connection(app, article):
    with app.app_context():
        db.session.add(Comment(article_id=article["id"], author_name="لم يُحفظ بعد", author_email="a@example.org",
                               body="في المعاملة.", status=CommentStatus.PUBLISHED, created_at=utcnow()))
        db.session.flush()  # not committed: only the session's connection sees it
        _, _, checked_out_here = driver_connection()
        rows = comment_service._THREADS_PAGE["oldest", False].rows({"article_id": article["id"], "offset": 0, "limit": 5})
        assert not checked_out_here and [row[4] for row in rows] == ["لم يُحفظ بعد"]
        db.session.rollback()


def test_the_connection_goes_back_to_the_pool_with_the_app_context(app, article):
    with app.app_context():
        pool = db.engine.pool
        before = pool.checkedout()
        article_service.live_article(article["slug"])
        article_service.live_article(article["slug"])
        assert pool.checkedout() == before + 1  # one connection for the context's reads
    assert pool.checkedout() == before
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with app.app_context():  # back in the pool as the session expects it: not in autocommit
            assert db.session.connection().connection.driver_connection.autocommit is False


def test_a_connection_lost_under_a_read_becomes_sqlalchemy_s_error_and_is_replaced(app, article, killer):
    with app.app_context():
        connection, _, _ = driver_connection()
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        with killer.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        with pytest.raises(DBAPIError) as lost:
            article_service.live_article(article["slug"])
        assert lost.value.connection_invalidated
        assert article_service.live_article(article["slug"]).id == article["id"]  # a new connection
        connection, _, _ = driver_connection()
        assert connection.execute("SELECT pg_backend_pid()").fetchone()[0] != pid
    assert app.test_client().get(f"/articles/{article['slug']}").status_code == 200
