"""Numbered pages of threads kept per process by their rows' digest (blog/services/comments.py _numbered_read).

On PostgreSQL a page is given as kept only while the database digests its rows to the same text: any value a
page shows, changed by any means (a plain UPDATE here, which bumps no version), reads it again. The article
page reads that digest with its article, in one statement (blog/services/articles.py live_article). SQLite reads
its rows every time.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import String, literal, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import CompileError

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, Tag, utcnow
from blog.models.types import row_digest
from blog.services import articles as article_service
from blog.services import comments as comment_service
from blog.services import reads as reads_service
from blog.views.conversation import numbered_page_asked
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


def _article_with_digest(app, slug: str, order: str = "oldest", page: int = 1, per_page: int = 50):
    """The article as its page reads it on PostgreSQL: with the digest of the page of threads asked for."""
    with app.app_context():
        return article_service.live_article(slug, (order, page, per_page))


def _threads_of(app, shown, order: str = "oldest", page: int = 1, per_page: int = 50) -> comment_service.ThreadPage:
    with app.app_context():
        return comment_service.published_threads(shown, page, per_page, order, page_digest=shown.threads_digest)


@pytest.fixture()
def driver_reads(monkeypatch) -> list:
    """The statements run on the driver's cursor (blog/services/reads.py), as their parameters."""
    calls = []
    real_rows = reads_service.DriverRead.rows

    def rows(self, params):
        calls.append(params)
        return real_rows(self, params)

    monkeypatch.setattr(reads_service.DriverRead, "rows", rows)
    return calls


@pytest.fixture()
def on_postgresql(app):
    if not _on_postgresql(app):
        pytest.skip("the digest is PostgreSQL's")


def test_the_article_comes_with_its_page_digest_and_a_kept_page_needs_no_read(app, article, driver_reads,
                                                                             on_postgresql):
    root = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    add_comment(app, article["id"], "قارئة", "رد على التعليق.", parent=root, minutes=1)
    with app.app_context():  # two tags: the article's statement gives a row for each, the digest in every one
        db.session.get(Article, article["id"]).tags = [Tag(name="فلاحة", slug="filaha"), Tag(name="ماء", slug="ma")]
        db.session.commit()
    shown = _article_with_digest(app, article["slug"])
    assert [tag.slug for tag in shown.tags] == ["filaha", "ma"] and shown.published_thread_count == 1
    with app.app_context():
        apart = comment_service._THREADS_PAGE_DIGEST["oldest", False].rows(
            {"article_id": article["id"], "offset": 0, "limit": 50})[0][0]
    assert shown.threads_digest == comment_service.ThreadsDigest("oldest", 1, 50, apart) and apart
    first = _threads_of(app, shown)  # not kept yet: its rows are read (with their digest)
    driver_reads.clear()
    shown = _article_with_digest(app, article["slug"])
    assert _threads_of(app, shown) is first and len(driver_reads) == 1  # the article's statement alone
    _update(app, root, body="تعليق عدله المشرف.")
    changed = _article_with_digest(app, article["slug"])
    assert changed.threads_digest.value != shown.threads_digest.value
    assert _threads_of(app, changed).items[0].root.body == "تعليق عدله المشرف."


def test_a_digest_read_for_another_page_is_not_used(app, article, driver_reads, on_postgresql):
    """The page shown is the one asked for, clamped to the article's pages: a digest read with the article for
    another page (past the end, another order or size) is left aside and the page's own is read."""
    first = add_comment(app, article["id"], "قارئ", "تعليق أول.")
    second = add_comment(app, article["id"], "قارئة", "تعليق ثان.", minutes=1, likes=2)
    past_end = _article_with_digest(app, article["slug"], page=5, per_page=1)
    assert past_end.threads_digest.value is None  # no thread at that offset
    driver_reads.clear()
    assert [t.root.id for t in _threads_of(app, past_end, page=5, per_page=1).items] == [second]
    assert {"article_id": article["id"], "offset": 1, "limit": 1} in driver_reads  # the last page's own read
    liked = _article_with_digest(app, article["slug"], "liked", per_page=1)
    assert [t.root.id for t in _threads_of(app, liked, "oldest", per_page=1).items] == [first]
    assert [t.root.id for t in _threads_of(app, liked, "liked", per_page=1).items] == [second]
    assert [t.root.id for t in _threads_of(app, liked, "liked", per_page=2).items] == [second, first]


def test_sqlite_reads_no_digest_with_the_article(app, article):
    add_comment(app, article["id"], "قارئ", "تعليق أول.")
    with app.test_request_context(f"/articles/{article['slug']}"):
        assert (numbered_page_asked() is None) is not _on_postgresql(app)
    with app.test_request_context(f"/articles/{article['slug']}?after=1"):
        assert numbered_page_asked() is None  # a page reached by keyset is not a numbered page
