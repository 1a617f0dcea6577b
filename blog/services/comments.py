"""Readers' comments: submitting, replying, editing or withdrawing one, reading the published threads."""
from __future__ import annotations

import functools
import hashlib
import logging
import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    Integer, Select, and_, bindparam, case, func, insert, inspect, literal, or_, select, true, tuple_, union, union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from .. import signals
from ..extensions import db
from ..models import ActionKind, Article, ArticleStatus, Ban, Comment, CommentStatus, ModerationAction, utcnow
from ..models.comment import body_digest, risk_of
from ..models.types import in_rows, row_digest
from ..net import networks_holding
from ..pagecache import ProcessMemo
from ..moderation.types import Action, Context, Reason, Verdict
from ..security import may_change_own_comment
from .errors import CommentsClosed, Conflict, NotAllowed, NotFound, ReplyTargetGone
from .reads import DriverRead
from .retry import retry_transaction
from .screening import get_screener

log = logging.getLogger(__name__)

_STATUS_FOR_ACTION = {
    Action.PUBLISH: CommentStatus.PUBLISHED,
    Action.HOLD: CommentStatus.PENDING,
    Action.REJECT: CommentStatus.REJECTED,
}


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """What a reader submitted, already validated for shape."""

    article_id: int
    author_name: str
    author_email: str
    body: str
    address: str = ""
    parent_id: int | None = None
    notify: bool = False
    form_token: str = ""  # the random token of the form: a retried POST stores one comment
    lang: str = ""  # the interface language of the page it was written on ("": the site's)


def form_key(draft: CommentDraft) -> str | None:
    """The idempotency key of a submission: its form token with the article and the text."""
    if not draft.form_token:
        return None
    raw = f"{draft.form_token}\x00{draft.article_id}\x00{draft.body}".encode()
    return hashlib.sha256(raw).hexdigest()


def _already_stored(key: str | None) -> Comment | None:
    return db.session.scalar(select(Comment).where(Comment.form_key == key)) if key else None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, with what a template needs to link to its neighbours."""

    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# The statement of published_article, built once (every comment sent starts with it); the slug is bound per call.
_PUBLISHED_BY_SLUG = (
    select(Article).options(lazyload(Article.category), lazyload(Article.tags))  # not needed to comment
    .where(Article.slug == bindparam("slug"), Article.status == ArticleStatus.PUBLISHED)
)


def published_article(slug: str) -> Article:
    """The published article with this slug, or NotFound."""
    article = db.session.scalar(_PUBLISHED_BY_SLUG, {"slug": slug})
    if article is None:
        raise NotFound(slug)
    return article


ORDERS = ("oldest", "newest", "liked")
DEFAULT_ORDER = "oldest"


def _root_order(order: str):
    """The top-level comments' order, led by `root_id` (NULL for every one of them, so the order is unchanged).

    That lead column is in the thread indexes (article, status, root_id, ...) alone: no other index gives
    this order, so a plan made without knowing the article (PostgreSQL's generic plan for a prepared
    statement) still reads the article's threads by index and stops at the page, instead of walking the
    site's comments by date.
    """
    if order == "newest":
        return (Comment.root_id.desc(), Comment.created_at.desc(), Comment.id.desc())
    if order == "liked":
        return (Comment.root_id, Comment.like_count.desc(), Comment.created_at, Comment.id)
    return (Comment.root_id, Comment.created_at, Comment.id)


class ShownComment(NamedTuple):
    """A published comment as readers see it: its shown columns only, read as a plain row (no ORM object).

    What the page shows of it, and what decides whether this browser may still change it.
    """

    id: int
    article_id: int
    parent_id: int | None
    root_id: int | None
    author_name: str
    body: str
    created_at: datetime
    decided_at: datetime | None
    edited_at: datetime | None
    like_count: int
    dislike_count: int
    version: int
    status: CommentStatus = CommentStatus.PUBLISHED  # only published comments are read this way


_SHOWN = tuple(getattr(Comment, name) for name in ShownComment._fields if name != "status")


def _published_roots(article_id=bindparam("article_id")):
    """The published top-level comments of the article `article_id` (by default the statement's parameter)."""
    return and_(Comment.article_id == article_id, Comment.status == CommentStatus.PUBLISHED, Comment.root_id.is_(None))


_PUBLISHED_ROOTS = _published_roots()


def _with_replies(roots: Select, columns_read: bool):
    """The page's top-level comments, then their published replies (an indexed look-up by root); the rows come
    back unordered. `roots` selects the ids of the page's top-level comments (a limited walk of the thread index),
    the CTE `page_roots`. Its ids are looked up as one list (`in_rows`: an array on PostgreSQL, no join).

    With `columns_read`, the walk reads the roots' shown columns as it finds them; otherwise it keeps their ids
    alone and they are looked up again by id. The first saves the look-ups: measured on PostgreSQL (the server
    process's CPU per execution, 50 threads without replies, a `/tmp` loop of 2,000), 870-1,020 µs by id,
    700-780 with the columns. The second is for a page far into the threads (OFFSET): the walk then skips the
    threads before it in the index alone, where the columns would be read from every row it skips.
    """
    if columns_read:
        page_roots = roots.with_only_columns(*_SHOWN).cte("page_roots")
        shown_roots = select(*(page_roots.c[column.key] for column in _SHOWN))
    else:
        page_roots = roots.cte("page_roots")
        shown_roots = select(*_SHOWN).where(in_rows(Comment.id, select(page_roots.c.id)))
    return union_all(
        shown_roots,
        select(*_SHOWN).where(in_rows(Comment.root_id, select(page_roots.c.id)),
                              Comment.status == CommentStatus.PUBLISHED),
    )


def _threads_page(order: str, skipping: bool, article_id=bindparam("article_id")):
    """One statement for a numbered page of threads (OFFSET): the first page, and "most liked" at any depth;
    `skipping` for the pages after the first (see _with_replies). The article is the parameter `article_id`, or
    the SQL expression given."""
    return _with_replies(
        select(Comment.id).where(_published_roots(article_id)).order_by(*_root_order(order))
        # Offset and size written into the statement: PostgreSQL then plans each page's statement once
        # (a prepared statement's generic plan) instead of at every execution, about 0.5 ms of its time.
        .offset(bindparam("offset", type_=Integer, literal_execute=True))
        .limit(bindparam("limit", type_=Integer, literal_execute=True)),
        columns_read=not skipping,
    )


def _roots_next_to(at, later: bool) -> Select:
    """The ids of the article's published top-level comments that come later in time (`later`) or earlier than
    `at`, a (created_at, id) row, nearest first: read from the thread index starting at that place."""
    key = tuple_(Comment.created_at, Comment.id)
    direction = operator.methodcaller("asc" if later else "desc")
    return (
        select(Comment.id).where(_PUBLISHED_ROOTS, key > at if later else key < at)
        .order_by(*(direction(column) for column in (Comment.root_id, Comment.created_at, Comment.id)))
    )


def _threads_seek(later: bool):
    """One statement for the threads next to a top-level comment of the article (the cursor, bound by id): those
    that come later in time (`later`) or earlier, nearest first. They are read from the thread index starting
    at the cursor's place (keyset, no OFFSET): the same cost on any page of any article.

    The cursor need not be published any more (it may have been withdrawn since its page was shown); it must be
    a top-level comment of the same article.
    """
    cursor = aliased(Comment, name="cursor_root")
    # The cursor's place, (created_at, id), as values the index range starts from: a row compared with a joined
    # row is only a filter to PostgreSQL, which then reads the article's threads from the first one.
    placed_at = (
        select(cursor.created_at)
        .where(cursor.id == bindparam("cursor"), cursor.article_id == bindparam("article_id"), cursor.root_id.is_(None))
        .scalar_subquery()
    )
    at = tuple_(placed_at, bindparam("cursor", type_=Integer))
    return _with_replies(
        _roots_next_to(at, later).limit(bindparam("limit", type_=Integer, literal_execute=True)), columns_read=True
    )


def _joined_digests(read) -> Select:
    """The row_digest of each row `read` (a subquery or CTE) gives, joined in the order they come, in one text
    (NULL when there is none; PostgreSQL)."""
    return select(func.aggregate_strings(row_digest(*read.c), ","))


def _digest_of(rows) -> Select:
    """The digest of the rows that `rows` reads (_joined_digests)."""
    return _joined_digests(rows.subquery("page_rows"))


def _with_digest(rows) -> Select:
    """The rows that `rows` reads, each with their digest (as _digest_of gives it) as a last column: the rows and
    the digest read together, in one statement (one snapshot of the database)."""
    read = rows.cte("page_rows")
    return select(*read.c, _joined_digests(read).correlate(None).scalar_subquery())


# Built once and run on the driver's cursor (blog/services/reads.py): each page of threads binds its article,
# offset and size (the last two written into its text). A numbered page is read by its digest first (see
# _numbered_read): read again in full only when this process keeps no page of that digest.
_THREADS_PAGE = {
    (order, skipping): DriverRead(_threads_page(order, skipping), literal=("offset", "limit"))
    for order in ORDERS for skipping in (False, True)
}
_THREADS_PAGE_DIGEST = {
    key: DriverRead(_digest_of(read.statement), literal=("offset", "limit")) for key, read in _THREADS_PAGE.items()
}
_THREADS_PAGE_WITH_DIGEST = {
    key: DriverRead(_with_digest(read.statement), literal=("offset", "limit")) for key, read in _THREADS_PAGE.items()
}


def threads_digest_column(order: str, skipping: bool, article_id):
    """The digest of a numbered page of the threads of the article `article_id` (an SQL expression), as
    _numbered_read reads it, made a column: the article page reads it in its article's statement, one round trip
    instead of two (articles.live_article). The page's offset and size are the parameters `offset` and `limit`."""
    return _digest_of(_threads_page(order, skipping, article_id)).scalar_subquery()


class ThreadsDigest(NamedTuple):
    """The digest of a numbered page of an article's threads, read with the article (threads_digest_column)."""

    order: str
    page: int
    per_page: int
    value: str | None  # None: no thread on that page


# Pages of threads kept per process, by their rows' digest (see _numbered_read).
THREAD_PAGE_MEMO = 256
_KEPT_THREAD_PAGES = "majlis_thread_pages"
# The orders by time walk their pages by keyset: the threads after or before a cursor (a top-level comment).
SEEKABLE = ("oldest", "newest")
_THREADS_SEEK = {later: DriverRead(_threads_seek(later), literal=("limit",)) for later in (True, False)}
# _root_order in Python, for the top-level comments read back (created_at and id make every order total).
_ROOT_SORT = {
    "oldest": (lambda c: (c.created_at, c.id), False),
    "newest": (lambda c: (c.created_at, c.id), True),
    "liked": (lambda c: (-c.like_count, c.created_at, c.id), False),
}


class Thread(NamedTuple):
    """A published top-level comment with its published replies (oldest first), shown two levels deep."""

    root: ShownComment
    replies: list[ShownComment]
    # reply id -> the name it answers, for replies to a reply (attached to the second level).
    mentions: dict[int, str]


# The query arguments of a page of threads: () for the first page, (("after", id),) or (("before", id),) for a
# page reached by keyset, (("page", n),) for a numbered page.
PageArgs = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of an article's threads, with the query arguments of the pages before and after it (None where
    there is none): in the orders by time, the first or the last thread shown as a cursor; in "most liked"
    (a ranking that moves with every like), a page number."""

    items: list[Thread]
    prev: PageArgs | None
    next: PageArgs | None
    # What its items are made of, where the database digested its rows: (order, the rows' digest). Two pages with
    # the same identity show the same threads in the same order.
    identity: tuple[str, str] | None = None
    # Made from the items once (a page kept by its digest is shown again and again): every comment shown, thread
    # by thread, and their ids; the top-level comments' ids; the names the replies answer, by reply id.
    comments: tuple[ShownComment, ...] = field(init=False)
    comment_ids: tuple[int, ...] = field(init=False)
    root_ids: frozenset[int] = field(init=False)
    mentions: Mapping[int, str] = field(init=False)

    def __post_init__(self) -> None:
        comments = tuple(c for t in self.items for c in (t.root, *t.replies))
        object.__setattr__(self, "comments", comments)
        object.__setattr__(self, "comment_ids", tuple(c.id for c in comments))
        object.__setattr__(self, "root_ids", frozenset(t.root.id for t in self.items))
        object.__setattr__(self, "mentions", MappingProxyType({k: v for t in self.items for k, v in t.mentions.items()}))


def _roots_query(article_id: int):
    return select(Comment).where(
        Comment.article_id == article_id, Comment.status == CommentStatus.PUBLISHED, Comment.root_id.is_(None)
    )


def _shown_rows(read: DriverRead, params: dict) -> list[ShownComment]:
    # Plain rows (no ORM object is built for what is only shown), fetched at once, ordered by the caller: an
    # ORDER BY over the whole set leads SQLite to walk every published comment of the site in date order.
    return [ShownComment(*row) for row in read.rows(params)]


def published_threads(article: Article, page: int, per_page: int, order: str = DEFAULT_ORDER,
                      after: int | None = None, before: int | None = None,
                      page_digest: ThreadsDigest | None = None) -> ThreadPage:
    """One page of the article's published threads: top-level comments in `order`, each with its replies.

    In the orders by time, the threads just after the top-level comment `after`, or just before `before`
    (keyset: the same cost at any depth; one thread more is read to tell whether another page follows);
    otherwise the numbered `page`. A cursor that leads nowhere (not a top-level comment of this article, or no
    thread beyond it any more) gives the last page (`after`) or the first (`before`). `page_digest`: the digest of
    a numbered page read with the article; used if it is of the page shown (the same order, page and size).
    """
    key, newest_first = _ROOT_SORT[order]

    def roots_of(rows: list[ShownComment]) -> list[ShownComment]:
        return sorted((c for c in rows if c.root_id is None), key=key, reverse=newest_first)

    digest = None
    seek = order in SEEKABLE and (after or before)
    if seek:
        later = bool(after) != newest_first  # after, oldest first, or before, newest first: later in time
        rows = _shown_rows(_THREADS_SEEK[later],
                           {"article_id": article.id, "cursor": after or before, "limit": per_page + 1})
        roots = roots_of(rows)
        if not roots:
            seek = False
            page = 1 if before else article.published_thread_count
    if seek:
        more = len(roots) > per_page
        roots = roots[:per_page] if after else roots[-per_page:]  # the extra thread is the farthest one
        prev = (("before", roots[0].id),) if after or more else None
        nxt = (("after", roots[-1].id),) if before or more else None
    else:
        pages = max(1, -(-article.published_thread_count // per_page))
        page = min(max(page, 1), pages)
        kept_as = (order, article.id, page, per_page, pages)  # and the rows' digest: the key of a kept page
        read = _numbered_read(order, page > 1, {"article_id": article.id, "offset": (page - 1) * per_page,
                                                "limit": per_page}, kept_as,
                              page_digest if page_digest and page_digest[:3] == (order, page, per_page) else None)
        if read.kept is not None:
            return read.kept
        rows, digest = read.rows, read.digest
        roots = roots_of(rows)
        if page == 1 or not roots:
            prev = None
        elif page == 2:
            prev = ()  # the first page's own address
        else:
            prev = (("before", roots[0].id),) if order in SEEKABLE else (("page", page - 1),)
        if page == pages or not roots:
            nxt = None
        else:
            nxt = (("after", roots[-1].id),) if order in SEEKABLE else (("page", page + 1),)
    replies: dict[int, list[ShownComment]] = {root.id: [] for root in roots}
    for reply in sorted((c for c in rows if c.root_id is not None), key=lambda c: (c.created_at, c.id)):
        if reply.root_id in replies:  # not the replies of the extra thread read past the page
            replies[reply.root_id].append(reply)
    names = names_answered([r for rs in replies.values() for r in rs])
    threads = [
        Thread(root, replies[root.id],
               {r.id: names[r.parent_id] for r in replies[root.id] if r.parent_id in names} if names else {})
        for root in roots
    ]
    thread_page = ThreadPage(items=threads, prev=prev, next=nxt, identity=(order, digest) if digest else None)
    if digest and not names:  # the names answered are read apart from the rows: a page showing them is not kept
        _kept_thread_pages().keep((*kept_as, digest), thread_page)
    return thread_page


class _NumberedRead(NamedTuple):
    rows: list[ShownComment]
    digest: str | None  # of the rows, when read with them
    kept: ThreadPage | None  # the page this process keeps for the rows' digest (then no rows were read)


def _kept_thread_pages() -> ProcessMemo:
    """The pages of threads this process keeps by their rows' digest (of size 0 when KEPT_BLOCKS is off)."""
    app = current_app
    memo = app.extensions.get(_KEPT_THREAD_PAGES)
    if memo is None:
        memo = app.extensions.setdefault(
            _KEPT_THREAD_PAGES, ProcessMemo(THREAD_PAGE_MEMO if app.config["KEPT_BLOCKS"] else 0))
    return memo


def threads_read_by_digest() -> bool:
    """Whether numbered pages of threads are read by their digest first (see _numbered_read): on PostgreSQL,
    where pages are kept (KEPT_BLOCKS)."""
    return bool(_kept_thread_pages().size) and db.engine.dialect.name == "postgresql"


def _numbered_read(order: str, skipping: bool, params: dict, kept_as: tuple,
                   digest: ThreadsDigest | None = None) -> _NumberedRead:
    """A numbered page of threads: its rows, or the page this process keeps for them.

    On PostgreSQL, where pages are kept (KEPT_BLOCKS), the database first gives the digest of the page's rows
    (one text, see _digest_of), unless it came with the article (`digest`): a page kept under it (and `kept_as`:
    the order, article, page and size, and the number of pages) is the one those rows make, and no row is read.
    Otherwise the rows are read, with their digest again (they may have changed in between), and
    published_threads keeps the page they make.

    Measured on PostgreSQL (a `/tmp` loop of 4,000 on bench_http.py's data, /proc/PID/stat): the digest costs
    the server what the rows do (178-192 µs against 185-205) and its client half (96-100 µs against 195-226),
    before the rows become objects, sorted and compared. SQLite reads its rows in process, with no socket
    between: they cost it less than any digest it can make (quoted values joined, 192 µs against 107).
    """
    if not threads_read_by_digest():
        return _NumberedRead(_shown_rows(_THREADS_PAGE[order, skipping], params), None, None)
    value = digest.value if digest else _THREADS_PAGE_DIGEST[order, skipping].rows(params)[0][0]
    if value is None:  # no thread on that page
        return _NumberedRead([], None, None)
    kept = _kept_thread_pages().find((*kept_as, value))
    if kept is not None:
        return _NumberedRead([], value, kept)
    rows = _THREADS_PAGE_WITH_DIGEST[order, skipping].rows(params)
    return _NumberedRead([ShownComment(*row[:-1]) for row in rows], rows[0][-1] if rows else None, None)


def names_answered(replies: list[Comment]) -> dict[int, str]:
    """Author names of the replies' parents that are themselves replies (the third level and deeper)."""
    wanted = {r.parent_id for r in replies if r.parent_id and r.parent_id != r.root_id}
    if not wanted:
        return {}
    rows = db.session.execute(select(Comment.id, Comment.author_name).where(Comment.id.in_(wanted)))
    return {ident: name for ident, name in rows}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a comment is shown: its article, the query arguments of the page of its thread in the order used."""

    slug: str
    args: PageArgs
    comment_id: int


def comment_location(comment_id: int, per_page: int, order: str = DEFAULT_ORDER) -> Location:
    """The page of the article on which a published comment (or its thread) appears in `order`.

    In the orders by time, the first page, or else the page that starts with its thread (after the thread just
    before it): one look-up of a page of index entries at any depth. In "most liked", the numbered page (the
    threads ahead of it counted).
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status is not CommentStatus.PUBLISHED:
        raise NotFound(comment_id)
    root = db.session.get(Comment, comment.root_id) if comment.root_id else comment
    article = db.session.get(Article, comment.article_id)
    if root is None or root.status is not CommentStatus.PUBLISHED or article.status is not ArticleStatus.PUBLISHED:
        raise NotFound(comment_id)
    if order in SEEKABLE:
        # The threads shown before it, nearest first, up to a page: fewer, and it is on the first page. Shown
        # before it means earlier in time when the oldest come first, later when the newest do.
        ahead = db.session.scalars(
            _roots_next_to(tuple_(root.created_at, root.id), later=order == "newest").limit(per_page),
            {"article_id": article.id},
        ).all()
        args = (("after", ahead[0]),) if len(ahead) == per_page else ()
        return Location(slug=article.slug, args=args, comment_id=comment.id)
    before = or_(
        Comment.like_count > root.like_count,
        and_(Comment.like_count == root.like_count,
             or_(Comment.created_at < root.created_at, and_(Comment.created_at == root.created_at, Comment.id < root.id))),
    )
    ahead = db.session.scalar(select(func.count()).select_from(_roots_query(article.id).where(before).subquery()))
    page = (ahead or 0) // per_page + 1
    return Location(slug=article.slug, args=(("page", page),) if page > 1 else (), comment_id=comment.id)


def get_comment(comment_id: int, status: CommentStatus | None = CommentStatus.PUBLISHED) -> Comment:
    """A comment on a published article (in `status`, unless None), or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or (status is not None and comment.status is not status):
        raise NotFound(comment_id)
    if db.session.get(Article, comment.article_id).status is not ArticleStatus.PUBLISHED:
        raise NotFound(comment_id)
    return comment


def _thread_shown(root_id):
    """Whether a reply in the thread of `root_id` (an id, or the column holding one) is visible: it is while the
    thread's top-level comment is published."""
    root = aliased(Comment)
    return select(root.id).where(root.id == root_id, root.status == CommentStatus.PUBLISHED).exists()


def refresh_counters(article_id: int, root_id: int | None = None) -> None:
    """Recount an article's visible comments and threads (and a thread's replies), once per change."""
    published = and_(Comment.article_id == article_id, Comment.status == CommentStatus.PUBLISHED)
    visible = and_(published, or_(Comment.root_id.is_(None), _thread_shown(Comment.root_id)))
    articles = Article.__table__
    db.session.execute(
        update(articles).where(articles.c.id == article_id).values(
            updated_at=articles.c.updated_at,  # the counts are not the article's text: its date stays (the feeds')
            published_comment_count=select(func.count()).select_from(Comment).where(visible).scalar_subquery(),
            published_thread_count=select(func.count()).select_from(Comment)
            .where(published, Comment.root_id.is_(None)).scalar_subquery(),
        )
    )
    if root_id:
        comments = Comment.__table__
        db.session.execute(
            update(comments).where(comments.c.id == root_id).values(
                reply_count=select(func.count()).select_from(Comment)
                .where(Comment.root_id == root_id, Comment.status == CommentStatus.PUBLISHED).scalar_subquery()
            )
        )
    db.session.commit()


def _count_arrival(comment: Comment) -> None:
    """Count a comment published on arrival where its article and its thread keep their numbers, in the
    transaction that stores it: one row each, added to (refresh_counters, which recounts every published comment
    of the article, is for the decisions that can change many at once: a top-level comment hidden hides its
    replies). Recounting at each new comment cost SQLite 1.5 ms on an article of 200 comments and 3.5 ms on one
    of 20,000, PostgreSQL 3.8 and 35 ms (a /tmp loop on bench_http.py's data)."""
    articles, comments = Article.__table__, Comment.__table__
    if comment.root_id is None:
        shown, threads = literal(1), articles.c.published_thread_count + 1
    else:
        shown, threads = case((_thread_shown(comment.root_id), 1), else_=0), articles.c.published_thread_count
        db.session.execute(update(comments).where(comments.c.id == comment.root_id)
                           .values(reply_count=comments.c.reply_count + 1))
    db.session.execute(update(articles).where(articles.c.id == comment.article_id).values(
        published_comment_count=articles.c.published_comment_count + shown, published_thread_count=threads,
        updated_at=articles.c.updated_at))  # as refresh_counters


def own_pending_comments(article: Article, ids: list[int]) -> list[Comment]:
    """The reader's own comments on this article that still await moderation."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids[-50:]), Comment.article_id == article.id, Comment.status == CommentStatus.PENDING)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def has_own_pending(article_id: int, ids: list[int]) -> bool:
    """True when one of these comments (the reader's own) awaits moderation on this article."""
    return db.session.scalar(
        select(Comment.id).where(
            Comment.id.in_(ids[-50:]), Comment.article_id == article_id, Comment.status == CommentStatus.PENDING
        ).limit(1)
    ) is not None


def own_comment(comment_id: int, own_ids: list[int], now: datetime | None = None) -> Comment:
    """The reader's own comment that they may still edit or withdraw, or NotAllowed."""
    comment = db.session.get(Comment, comment_id)
    window = current_app.config["COMMENT_EDIT_MINUTES"]
    if not may_change_own_comment(comment, own_ids, now or utcnow(), window):
        raise NotAllowed(comment_id)
    return comment


def screening_context(draft: CommentDraft, exclude_id: int | None = None) -> Context:
    """What the database knows about the circumstances of a comment (`exclude_id`: the one being edited).

    Four counts in one statement (one round trip), each served by an index: the author's approved comments,
    their recent ones (by e-mail or address), a recent identical text, an active ban. The first two are
    counted only as far as the screening's decisions need (whether there is an approved comment, whether the
    recent ones pass the flood limit): many readers behind one address, or a prolific author, would otherwise
    make every comment count thousands of rows.
    """
    now = utcnow()
    config = current_app.config
    statement = _screening_counts(bool(draft.address), exclude_id is not None)
    row = db.session.execute(statement, {
        "email": draft.author_email.lower(), "address": draft.address, "networks": networks_holding(draft.address),
        "exclude_id": exclude_id, "now": now,
        "window_start": now - timedelta(minutes=config["MODERATION_FLOOD_WINDOW_MINUTES"]),
        "recent_cap": config["MODERATION_FLOOD_LIMIT"] + 1,
        "day_ago": now - timedelta(days=1), "digest": body_digest(draft.body), "body": draft.body,
    }).one()
    return Context(
        author_approved_count=row[0] or 0,
        recent_duplicate=bool(row[2]),
        recent_count_author=row[1] or 0,
        banned=bool(row[3]),
    )


@functools.cache
def _screening_counts(by_address: bool, excluding: bool) -> Select:
    """The statement of screening_context, built once per shape (with or without an address, an excluded id)."""
    email = bindparam("email")
    others = Comment.id != bindparam("exclude_id") if excluding else true()
    approved = select(func.count()).select_from(select(Comment.id).where(
        func.lower(Comment.author_email) == email, Comment.status == CommentStatus.PUBLISHED, others
    ).limit(1).subquery())  # 0 or 1: whether there is one
    # One indexed look-up per way of recognising the author (e-mail, address), each stopped at the flood limit
    # plus one, their union counted once: over the limit exactly when all their recent comments are.
    same_author = [func.lower(Comment.author_email) == email]
    if by_address:
        same_author.append(Comment.address == bindparam("address"))
    capped = [
        select(Comment.id).where(who, Comment.created_at >= bindparam("window_start"), others)
        .limit(bindparam("recent_cap")).subquery()
        for who in same_author
    ]
    recent_ids = union(*(select(part.c.id) for part in capped)).subquery()
    recent = select(func.count()).select_from(recent_ids)
    duplicate = select(func.count()).select_from(Comment).where(
        Comment.body_digest == bindparam("digest"), Comment.created_at >= bindparam("day_ago"),
        Comment.body == bindparam("body"), others,
    )
    who = [func.lower(Ban.email) == email]
    if by_address:
        # The ban on the comment's own network, or on a wider one holding it (blog/net.py).
        who.append(Ban.address.in_(bindparam("networks", expanding=True)))
    bans = select(func.count()).select_from(Ban).where(or_(*who), Ban.in_force(bindparam("now")))
    return select(approved.scalar_subquery(), recent.scalar_subquery(), duplicate.scalar_subquery(),
                  bans.scalar_subquery())


def screening_signals(comment: Comment) -> list[str]:
    """The structural signals screening found on a comment: links, duplicate, flood, banned."""
    hits = (comment.screen_details or {}).get("hits", [])
    return sorted({str(h.get("term", "")).split(">")[0] for h in hits if h.get("signal")})


def verdict_details(verdict: Verdict) -> dict:
    """A verdict as JSON-ready data for the queue and the audit trail."""
    return {
        "action": verdict.action.value,
        "score": round(float(verdict.score), 4),
        "scored": verdict.scored,  # False: no learned model yet, the score is not one
        "hits": [
            {"rule": h.rule.value, "term": h.term, "severity": h.severity.value, "start": h.start, "end": h.end,
             "signal": h.signal}
            for h in verdict.hits
        ],
        "reasons": reason_records(verdict.reasons),
    }


def screened_columns(verdict: Verdict) -> dict:
    """A comment's columns that record its screening: the verdict, its details and its place in the queue."""
    rules, score = ",".join(verdict.rules), float(verdict.score)
    return {"screen_action": verdict.action.value, "screen_rules": rules, "screen_score": score,
            "screen_details": verdict_details(verdict), "risk": risk_of(score, rules)}


def reason_records(reasons: Iterable[Reason]) -> list[dict[str, str]]:
    """Reasons as JSON-ready records, {code, ar, fr, en} each: the queue's and the audit trail's."""
    # Written out: dataclasses.asdict copies each value deeply, about 1 % of a new comment's POST.
    return [{"code": r.code, "ar": r.ar, "fr": r.fr, "en": r.en} for r in reasons]


def audit_reasons(reasons: Sequence[Reason]) -> dict:
    """An automatic audit row's `reason` (its English record) and `reasons` (each interface language)."""
    return {"reason": " · ".join(reason.en for reason in reasons), "reasons": reason_records(reasons)}


@retry_transaction
def submit_comment(draft: CommentDraft) -> Comment:
    """Screen and store a new comment; its first status follows the verdict (a retried form gives the first one)."""
    key = form_key(draft)  # unique: a retried form fails to insert and finds the stored comment
    article = db.session.get(Article, draft.article_id)
    if article is None or article.status is not ArticleStatus.PUBLISHED:
        raise NotFound(draft.article_id)
    if not article.comments_open:
        raise CommentsClosed(article.slug)
    parent_id = root_id = None
    if draft.parent_id:
        parent = db.session.get(Comment, draft.parent_id)
        if parent is None or parent.article_id != article.id or parent.status is not CommentStatus.PUBLISHED:
            raise ReplyTargetGone(draft.parent_id)
        parent_id, root_id = parent.id, parent.root_id or parent.id
    verdict = get_screener().screen(draft.body, screening_context(draft))
    status = _STATUS_FOR_ACTION[verdict.action]
    now = utcnow()
    comment = Comment(
        article_id=article.id,
        parent_id=parent_id,
        root_id=root_id,
        notify=draft.notify,
        lang=draft.lang or None,
        author_name=draft.author_name,
        author_email=draft.author_email,
        address=draft.address,
        body=draft.body,
        status=status,
        created_at=now,
        decided_at=now if status is not CommentStatus.PENDING else None,
        form_key=key,
        # The screening's columns, and those whose default is not a plain value (_insert_new takes the others from
        # the model): the risk (among the screening's) and edited_at.
        **screened_columns(verdict),
        edited_at=None,
    )
    try:
        _insert_new(comment)
    except IntegrityError:
        db.session.rollback()
        if (stored := _already_stored(key)) is not None:
            return stored  # the same form, sent twice at once: the other request stored it
        raise
    _audit(comment, ActionKind.SCREEN, "", verdict, now)
    if status is CommentStatus.PUBLISHED:
        _count_arrival(comment)
    _commit_keeping_loaded()
    log.info("comment %s on article %s screened: %s (rules: %s, score %.3f)", comment.id, article.id,
             verdict.action.value, comment.screen_rules or "none", comment.screen_score)
    signals.comment_submitted.send(current_app._get_current_object(), comment=comment)
    return comment


def sent_before(draft: CommentDraft, own_ids: list[int]) -> Comment | None:
    """The reader's own comment, waiting or published, with this very text in the same place (the article, and the
    comment it answers): a form sent again with a new form token, as the page the back button brings back does
    with the text the browser kept in it. None when there is none (or no own comment to look among)."""
    if not own_ids:
        return None
    return db.session.scalar(
        select(Comment).where(
            Comment.id.in_(own_ids), Comment.article_id == draft.article_id,
            Comment.parent_id.is_(None) if draft.parent_id is None else Comment.parent_id == draft.parent_id,
            Comment.body_digest == body_digest(draft.body), Comment.body == draft.body,
            Comment.status.in_((CommentStatus.PENDING, CommentStatus.PUBLISHED)),
        ).limit(1)
    )


_COMMENT_INSERT = insert(Comment.__table__)
# (attribute, column) of every mapped column but the id, which the database gives.
_COMMENT_COLUMNS = tuple(
    (prop.key, prop.columns[0].key) for prop in inspect(Comment).column_attrs if prop.key != "id"
)
# attribute -> the model's plain default value (counters at 0, the version counter at 1, ...).
_COMMENT_DEFAULTS = {
    prop.key: prop.columns[0].default.arg
    for prop in inspect(Comment).column_attrs
    if prop.columns[0].default is not None and prop.columns[0].default.is_scalar
}


def _insert_new(comment: Comment) -> None:
    """Write a new comment's row as the object holds it and put the object in the session as a flush leaves it:
    persistent, with its id, nothing pending.

    A column the object holds no value for takes the model's plain default, set on the object too; the row is the
    same as the unit of work's (the text's digest is set by the model's event: tests/services/test_submission.py).
    A new comment's POST ran 9.18 M instructions through the unit of work, 8.29 M this way
    (bench/bench_instructions.py). A column with neither a value nor a plain default is an error here, not a NULL:
    a new column of that kind needs its value in submit_comment.
    """
    held = comment.__dict__
    for attr, value in _COMMENT_DEFAULTS.items():
        if attr not in held:
            setattr(comment, attr, value)
    missing = [attr for attr, _ in _COMMENT_COLUMNS if attr not in held]
    if missing:
        raise ValueError(f"a new comment's row needs a value for {missing}")
    result = db.session.execute(_COMMENT_INSERT, {column: held[attr] for attr, column in _COMMENT_COLUMNS})
    comment.id = result.inserted_primary_key[0]
    make_transient_to_detached(comment)
    db.session.add(comment)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: the comment just written is what the database has
    (its defaults were computed here), so the redirect, the log and the signals need not read it back."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


_AUDIT_INSERT = insert(ModerationAction.__table__)


def _audit(comment: Comment, action: ActionKind, before: str, verdict: Verdict | None, now: datetime,
           original: str | None = None) -> None:
    """Write the audit row of an automatic step on a written comment (the reader's own steps have no staff actor),
    in the session's transaction.

    An edit keeps the original text and the new one, as a moderator's edit does. The row is inserted as it is,
    with no ORM object: nothing reads it back in the request, and the unit of work cost a new comment's POST
    about 7 % of its instructions (10.03 M against 9.33 M, bench_instructions.py's case).
    """
    db.session.execute(_AUDIT_INSERT, dict(
        comment_id=comment.id,
        actor_id=None,
        action=action,
        rule=",".join(verdict.rules) if verdict else "",
        **(audit_reasons(verdict.reasons) if verdict else {"reason": "", "reasons": None}),
        from_status=before,
        to_status=comment.status.value,
        text_snapshot=comment.body if original is None else original,
        after_text=None if original is None else comment.body,
        created_at=now,
    ))


def _commit_or_conflict(comment_id: int) -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        current = db.session.get(Comment, comment_id)
        raise Conflict("—", current.status.value if current else "") from None


def edit_own_comment(comment_id: int, body: str, own_ids: list[int], now: datetime | None = None) -> Comment:
    """Replace the text of the reader's own comment and screen it again as if it were new."""
    now = now or utcnow()
    comment = own_comment(comment_id, own_ids, now)
    before = comment.status
    draft = CommentDraft(comment.article_id, comment.author_name, comment.author_email, body, comment.address)
    verdict = get_screener().screen(body, screening_context(draft, exclude_id=comment.id))
    status = _STATUS_FOR_ACTION[verdict.action]
    original = comment.body
    comment.body = body
    comment.edited_at = now
    comment.status = status
    if status is CommentStatus.PENDING:
        comment.decided_at = None
    elif status is not before:
        comment.decided_at = now
    for column, value in screened_columns(verdict).items():  # the risk among them: its place in the pending queue
        setattr(comment, column, value)
    _audit(comment, ActionKind.EDIT, before.value, verdict, now, original=original)
    _commit_or_conflict(comment_id)
    if CommentStatus.PUBLISHED in (before, status):
        refresh_counters(comment.article_id, comment.root_id)
    signals.comment_edited.send(current_app._get_current_object(), comment=comment, before=before, after=status)
    return comment


def withdraw_own_comment(comment_id: int, own_ids: list[int], now: datetime | None = None) -> Comment:
    """Take the reader's own comment back: it leaves the thread and the queue, with an audit row."""
    now = now or utcnow()
    comment = own_comment(comment_id, own_ids, now)
    before = comment.status
    comment.status = CommentStatus.WITHDRAWN
    comment.decided_at = now
    _audit(comment, ActionKind.WITHDRAW, before.value, None, now)
    _commit_or_conflict(comment_id)
    if before is CommentStatus.PUBLISHED:
        refresh_counters(comment.article_id, comment.root_id)
    signals.comment_withdrawn.send(current_app._get_current_object(), comment=comment, before=before)
    return comment
