"""Numbered pages of threads kept per process by their rows' digest (blog/services/comments.py _numbered_read).

On PostgreSQL a page is given as kept only while the database digests its rows to the same text: any value a
page shows, changed by any means (a plain UPDATE here, which bumps no version), reads it again. SQLite reads its
rows every time.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import String, literal, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import CompileError

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, utcnow
from blog.models.types import row_digest
from blog.services import comments as comment_service
from tests.views.conversation_helpers import add_comment


def _on_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _page(app, article_id: int, order: str = "oldest", page: int = 1, per_page: int = 50) -> comment_service.ThreadPage:
    with app.app_context():
        return comment_service.published_threads(db.session.get(Article, article_id), page, per_page, order)


def _update(app, comment_id: int, **values) -> None:
    with app.app_context():  # a plain UPDATE: no version bump, no signal
        db.session.execute(Comment.__table__.update().where(Comment.id == comment_id).values(**values))
        db.session.commit()


def _shown(page: comment_service.ThreadPage) -> list:
    return [(t.root, t.replies) for t in page.items]


def test_a_page_is_kept_while_its_rows_are_unchanged_and_read_again_after_any_change(app, article):
    root = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    reply = add_comment(app, article["id"], "قارئة", "رد على التعليق.", parent=root, minutes=1)
    first = _page(app, article["id"])
    again = _page(app, article["id"])
    assert _shown(again) == _shown(first)
    if not _on_postgresql(app):
        assert again is not first and first.identity is None  # SQLite: the rows, read every time
        return
    assert again is first and first.identity[0] == "oldest"
    later = utcnow() + timedelta(minutes=3)
    changes = [  # every column a page shows, on the reply and on the thread's top-level comment
        (reply, "body", "رد عدله المشرف."), (reply, "author_name", "قارئة ب."), (root, "like_count", 4),
        (reply, "dislike_count", 2), (root, "edited_at", later), (reply, "decided_at", later),
        (reply, "created_at", later), (root, "version", 9), (reply, "parent_id", None),
    ]
    before = first
    for ident, column, value in changes:
        _update(app, ident, **{column: value})
        page = _page(app, article["id"])
        [row] = [c for t in page.items for c in (t.root, *t.replies) if c.id == ident]
        assert page is not before and getattr(row, column) == value, column
        assert _page(app, article["id"]) is page  # and kept again
        before = page
    _update(app, reply, status=CommentStatus.REJECTED.value)
    assert [t.replies for t in _page(app, article["id"]).items] == [[]]
    newer = add_comment(app, article["id"], "قارئ ثالث", "تعليق آخر.", minutes=2)
    assert [t.root.id for t in _page(app, article["id"]).items] == [root, newer]


def test_each_order_is_kept_apart(app, article):
    """The same rows make a different page in another order."""
    first = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    second = add_comment(app, article["id"], "قارئة", "تعليق ثان.", minutes=1, likes=3)
    assert [t.root.id for t in _page(app, article["id"], "oldest").items] == [first, second]
    assert [t.root.id for t in _page(app, article["id"], "liked").items] == [second, first]
    assert [t.root.id for t in _page(app, article["id"], "newest").items] == [second, first]
    assert [t.root.id for t in _page(app, article["id"], "oldest").items] == [first, second]


def test_a_kept_page_gains_its_links_when_threads_come_around_it(app, article):
    """A page's rows may stay the same while the pages around it change: its links follow the article's
    number of threads."""
    first = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    assert _page(app, article["id"], per_page=1).next is None
    second = add_comment(app, article["id"], "قارئة", "تعليق ثان.", minutes=1)
    assert _page(app, article["id"], per_page=1).next == (("after", first),)
    assert _page(app, article["id"], "liked", page=2, per_page=1).prev == ()
    add_comment(app, article["id"], "قارئ ثالث", "تعليق ثالث.", minutes=2)
    assert _page(app, article["id"], "liked", page=2, per_page=1).next == (("page", 3),)
    assert [t.root.id for t in _page(app, article["id"], "oldest", page=2, per_page=1).items] == [second]


def test_a_page_showing_the_names_answered_is_read_every_time(app, article):
    """The name a reply to a reply answers is read apart from the page's rows (its comment may be hidden): a
    page that shows one is never kept."""
    root = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    reply = add_comment(app, article["id"], "سعاد", "رد أول.", parent=root, minutes=1)
    add_comment(app, article["id"], "قارئ آخر", "رد على الرد.", parent=reply, minutes=2)
    first = _page(app, article["id"])
    assert list(first.items[0].mentions.values()) == ["سعاد"]
    _update(app, reply, status=CommentStatus.REJECTED.value)
    _update(app, reply, author_name="سعاد ب.")
    page = _page(app, article["id"])
    assert page is not first and list(page.items[0].mentions.values()) == ["سعاد ب."]


def test_rows_changed_between_the_digest_and_the_rows_are_kept_under_their_own_digest(app, article, monkeypatch):
    """The rows read after a digest that found no kept page come with their own digest: a change made in
    between is kept under the new rows' digest, never under the old one."""
    if not _on_postgresql(app):
        pytest.skip("the digest is PostgreSQL's")
    root = add_comment(app, article["id"], "قارئ", "النص الأول.")
    key = ("oldest", False)
    read = comment_service._THREADS_PAGE_WITH_DIGEST[key]

    class ChangedInBetween:
        statement = read.statement

        def rows(self, params):
            _update(app, root, body="النص الثاني.")  # committed by another session before the rows are read
            return read.rows(params)

    monkeypatch.setitem(comment_service._THREADS_PAGE_WITH_DIGEST, key, ChangedInBetween())
    assert _page(app, article["id"]).items[0].root.body == "النص الثاني."
    monkeypatch.setitem(comment_service._THREADS_PAGE_WITH_DIGEST, key, read)
    kept = _page(app, article["id"])
    assert kept.items[0].root.body == "النص الثاني." and _page(app, article["id"]) is kept
    _update(app, root, body="النص الأول.")  # the rows the first digest was of: not the page kept
    assert _page(app, article["id"]).items[0].root.body == "النص الأول."


def test_nothing_is_kept_when_kept_blocks_are_off(app, article):
    app.config["KEPT_BLOCKS"] = False
    add_comment(app, article["id"], "قارئ", "تعليق أول.")
    first = _page(app, article["id"])
    assert _page(app, article["id"]) is not first and first.identity is None


def test_a_page_without_threads_reads_no_rows_after_its_digest(app, article, monkeypatch):
    reads = []
    for key, read in comment_service._THREADS_PAGE_WITH_DIGEST.items():
        monkeypatch.setitem(comment_service._THREADS_PAGE_WITH_DIGEST, key, _Counted(read, reads))
    page = _page(app, article["id"])
    assert page.items == [] and page.prev is None and page.next is None and reads == []


class _Counted:
    def __init__(self, read, calls: list):
        self.statement, self._read, self._calls = read.statement, read, calls

    def rows(self, params):
        self._calls.append(params)
        return self._read.rows(params)


def test_row_digest_tells_every_value_apart_on_postgresql_and_is_refused_elsewhere(app):
    with pytest.raises(CompileError, match="PostgreSQL"):
        select(row_digest(literal(1))).compile(dialect=sqlite.dialect())
    if not _on_postgresql(app):
        return
    rows = [(None, "1"), ("", "1"), ("1", None), ("1", ""), ("1", "1"), ("11", "")]
    with app.app_context():
        digests = [db.session.scalar(select(row_digest(literal(a, String), literal(b, String)))) for a, b in rows]
        again = db.session.scalar(select(row_digest(literal("1", String), literal("1", String))))
    assert len(set(digests)) == len(rows) and again == digests[4]
