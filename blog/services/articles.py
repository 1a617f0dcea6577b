"""Articles: editors write, schedule, publish and restore them; readers list, search and read them."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, and_, bindparam, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import signals
from ..extensions import db
from ..models import (
    Article, ArticleRevision, ArticleSlug, ArticleStatus, ArticleTerm, Category, Comment, CommentStatus, Tag, User,
    utcnow,
)
from ..models.types import holds_text
from ..slugs import SLUG_MAX, name_key, short_id, slugify
from ..textsearch import article_terms, query_terms, whole_words
from .comments import ORDERS, Page, ThreadsDigest, threads_digest_column
from .errors import ArticleChanged, Moved, NameTaken, NotFound, SlugTaken
from .reads import DriverRead
from .retry import reading_connection


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    """What an editor submitted, already validated for shape (times in UTC)."""

    title: str
    lead: str = ""
    body: str = ""
    source: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.DRAFT
    publish_at: datetime | None = None
    comments_open: bool = True
    slug: str = ""                 # empty: keep the current one (or make one from the title)
    cover_image: str | None = None  # None: keep; "": remove; a name: the new upload
    form_token: str = ""            # a new article's form: its idempotency key (the same form sent twice, one article)


@dataclass(frozen=True, slots=True)
class EditorFilters:
    """The filters of the editors' list."""

    status: ArticleStatus | None = None
    category_id: int | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class EditorRow:
    """One line of the editors' list: the article and its comment counts."""

    article: Article
    pending: int
    published: int


class ArticleLink(NamedTuple):
    """What a link to another article needs."""

    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class Neighbours:
    """The live articles published just before and just after one (their slug and title)."""

    previous: ArticleLink | None = None
    next: ArticleLink | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """A page of live articles and what it lists (a category, a tag, a search)."""

    page: Page | OpenPage
    category: Category | None = None
    tag: Tag | None = None
    query: str = ""
    terms: list[tuple[str, ...]] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OpenPage:
    """One page of a public listing, read without counting the whole list: one row more tells whether a next
    page exists (a page past the end is empty, with its link back)."""

    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def open_page(query: Select, page: int, per_page: int) -> OpenPage:
    """One page of a select (its order included), by offset, with whether another follows: no count."""
    page = max(page, 1)
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).unique().all()
    return OpenPage(items=list(rows[:per_page]), page=page, has_next=len(rows) > per_page)


def paginate(query: Select, page: int, per_page: int) -> Page:
    """One page of a select (its order included), with the total count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).unique().all()
    return Page(items=list(rows), page=page, pages=pages, total=total)


def _slug_in_use(slug: str, article_id: int | None) -> bool:
    owner = db.session.scalar(select(Article.id).where(Article.slug == slug))
    if owner is not None and owner != article_id:
        return True
    former = db.session.scalar(select(ArticleSlug.article_id).where(ArticleSlug.slug == slug))
    return former is not None and former != article_id


def unique_slug(base: str, article_id: int | None = None) -> str:
    """`base` if free, else base-2, base-3...; a short id when the title gives no Latin letters."""
    base = base or short_id()
    candidate, n = base, 1
    while _slug_in_use(candidate, article_id):
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
    return candidate


def _name_slug(name: str) -> str:
    """The address a new category or tag takes from its name (a number follows when it is taken)."""
    return slugify(name, 60) or short_id()


def preview(draft: ArticleDraft, article: Article | None) -> ShownArticle:
    """The page of `draft` (the form of `article`, or of a new one) as readers would see it once saved; nothing is
    written for it."""
    def label(model, name: str) -> Label:
        found = _existing(model, name)  # as the save will name it
        return Label(found.slug, found.name) if found else Label(slug=_name_slug(name), name=name)

    keep_cover = draft.cover_image is None and article is not None
    return ShownArticle(
        id=article.id if article else None,
        slug=draft.slug or (article.slug if article else slugify(draft.title) or short_id()),
        title=draft.title, lead=draft.lead, body=draft.body, source=draft.source,
        cover_image=article.cover_image if keep_cover else (draft.cover_image or ""),
        status=draft.status,
        published_at=draft.publish_at or (article and article.published_at) or utcnow(),
        comments_open=draft.comments_open,
        published_comment_count=article.published_comment_count if article else 0,
        published_thread_count=article.published_thread_count if article else 0,
        category=label(Category, draft.category) if draft.category else None,
        tags=tuple(sorted((label(Tag, name) for name in draft.tags), key=lambda tag: tag.name)),
    )


def _existing(model, name: str):
    """The category or tag with this name, or with another spelling of it (name_key: letter case, tatweel,
    harakat), or None. Spellings of one name give one address base: the others are looked for at that base."""
    found = db.session.scalar(select(model).where(model.name == name))
    if found is None:
        base, key = _name_slug(name), name_key(name)
        found = next((row for row in db.session.scalars(
            select(model).where(or_(model.slug == base, model.slug.like(base + "-%"))).order_by(model.id)
        ) if name_key(row.name) == key), None)
    return found


def _named(model, name: str):
    """The category or tag with this name (or another spelling of it, _existing), created (with a slug) when new."""
    found = _existing(model, name)
    if found is None:
        base = _name_slug(name)
        slug, n = base, 1
        while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
            n += 1
            slug = f"{base}-{n}"
        found = model(name=name, slug=slug)
        db.session.add(found)
        db.session.flush()
    return found


def reindex(article: Article) -> None:
    """Rewrite the article's search terms from its title, lead, body and address (caller commits)."""
    db.session.execute(delete(ArticleTerm).where(ArticleTerm.article_id == article.id))
    terms = article_terms(article.title, article.lead, article.body, article.slug)
    if terms:
        db.session.execute(
            ArticleTerm.__table__.insert(), [{"article_id": article.id, "term": t} for t in sorted(terms)]
        )


def _published_at(draft: ArticleDraft, current: datetime | None, now: datetime) -> datetime | None:
    """The date the article bears: the editor's, else the one it had; published with no date, it keeps a date gone
    by and takes now for one still to come (a scheduled article published at once is dated when it went out)."""
    if draft.status is ArticleStatus.PUBLISHED:
        if draft.publish_at:
            return draft.publish_at
        return current if current is not None and current <= now else now
    if draft.status is ArticleStatus.SCHEDULED:
        return draft.publish_at or current or now
    return draft.publish_at or current


def _apply(article: Article, draft: ArticleDraft, now: datetime) -> None:
    article.title = draft.title
    article.lead = draft.lead
    article.body = draft.body
    article.source = draft.source
    article.comments_open = draft.comments_open
    article.status = draft.status
    article.published_at = _published_at(draft, article.published_at, now)
    article.category = _named(Category, draft.category) if draft.category else None
    article.tags = [_named(Tag, name) for name in dict.fromkeys(draft.tags)]
    if draft.cover_image is not None:
        article.cover_image = draft.cover_image
    article.updated_at = now


def _record_revision(article: Article, editor: User | None, note: str = "") -> ArticleRevision:
    number = (db.session.scalar(
        select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
    ) or 0) + 1
    revision = ArticleRevision(
        article_id=article.id, number=number, title=article.title, lead=article.lead, body=article.body,
        source=article.source, status=article.status.value, category=article.category.name if article.category else "",
        tags="\n".join(sorted(tag.name for tag in article.tags)), author_id=editor.id if editor else None, note=note,
    )
    db.session.add(revision)
    return revision


def _change_slug(article: Article, wanted: str) -> None:
    if not wanted or wanted == article.slug:
        return
    if _slug_in_use(wanted, article.id):
        raise SlugTaken(wanted)
    db.session.execute(delete(ArticleSlug).where(ArticleSlug.slug == wanted))
    db.session.add(ArticleSlug(slug=article.slug, article_id=article.id))
    article.slug = wanted


def _saved(article: Article) -> Article:
    db.session.commit()
    signals.article_saved.send(current_app._get_current_object(), article=article)
    return article


# --- editors -------------------------------------------------------------------------------------

def create_article(draft: ArticleDraft, editor: User) -> Article:
    """Store a new article and its first revision; the slug comes from the title unless given.

    The same form sent again (its `form_token`: a double click, a retry on a slow connection) gives the article it
    stored, also when both arrive at once (the one that loses the race on a unique column finds the other's). So
    does the same text sent by the same editor within SAME_ARTICLE_MINUTES, not saved since: the form the browser's
    Back button refilled, under a new form token."""
    key = f"{editor.id}:{draft.form_token}"[:64] if draft.form_token else None
    if key and (stored := _by_form_key(key)) is not None:
        return stored
    now = utcnow()
    if (stored := _just_stored(draft, editor, now)) is not None:
        return stored
    if draft.slug and _slug_in_use(draft.slug, None):
        raise SlugTaken(draft.slug)
    article = Article(
        slug=draft.slug or unique_slug(slugify(draft.title)), author_id=editor.id, created_at=now, version=1,
        cover_image="", form_key=key,
    )
    _apply(article, draft, now)
    db.session.add(article)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if key and (stored := _by_form_key(key)) is not None:
            return stored
        raise
    reindex(article)
    _record_revision(article, editor)
    return _saved(article)


def _by_form_key(key: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.form_key == key))


SAME_ARTICLE_MINUTES = 30


def _just_stored(draft: ArticleDraft, editor: User, now: datetime) -> Article | None:
    """The article this editor stored within SAME_ARTICLE_MINUTES from the same form as `draft` (every field the
    same), not saved since."""
    return next((
        article for article in db.session.scalars(
            select(Article).where(
                Article.author_id == editor.id, Article.created_at >= now - timedelta(minutes=SAME_ARTICLE_MINUTES),
                Article.version == 1, Article.title == draft.title, Article.body == draft.body,
            ).order_by(Article.id.desc()).limit(5)
        ) if _holds(article, draft)
    ), None)


def editable_article(article_id: int) -> Article:
    """Any article, whatever its status, for the desk; or NotFound."""
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(article_id)
    return article


def update_article(article_id: int, draft: ArticleDraft, editor: User, seen_version: int) -> Article:
    """Save an editor's changes made on `seen_version`; ArticleChanged if someone saved in between."""
    article = editable_article(article_id)
    claimed = db.session.execute(
        update(Article)
        .where(Article.id == article_id, Article.version == seen_version)
        .values(version=seen_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        current = editable_article(article_id)
        if _saved_already(current, draft, editor):  # the same form sent twice (a double click, a retry)
            return current
        raise ArticleChanged(current)
    article.version = seen_version + 1
    try:
        _change_slug(article, draft.slug)
    except SlugTaken:
        db.session.rollback()
        raise
    _apply(article, draft, utcnow())
    reindex(article)
    _record_revision(article, editor)
    return _saved(article)


def _saved_already(article: Article, draft: ArticleDraft, editor: User) -> bool:
    """Whether the article's last save was this editor's, with what `draft` holds: sent again, it changes nothing
    (and is no conflict with another editor)."""
    last = db.session.scalars(
        select(ArticleRevision).where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number.desc()).limit(1)
    ).first()
    return last is not None and last.author_id == editor.id and _holds(article, draft)


def _holds(article: Article, draft: ArticleDraft) -> bool:
    """Whether saving `draft` would leave the article as it is (a new cover image is always a change)."""
    category = article.category.name if article.category else ""
    return (
        draft.cover_image in (None, article.cover_image)
        and (draft.title, draft.lead, draft.body, draft.source, draft.status, draft.comments_open)
        == (article.title, article.lead, article.body, article.source, article.status, article.comments_open)
        and draft.slug in ("", article.slug) and name_key(draft.category) == name_key(category)
        and {name_key(name) for name in draft.tags} == {name_key(tag.name) for tag in article.tags}
        and (draft.publish_at is None or draft.publish_at == article.published_at)
    )


def revisions(article_id: int) -> list[ArticleRevision]:
    """Every saved revision of an article, newest first."""
    return list(db.session.scalars(
        select(ArticleRevision).where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc())
    ))


# What a revision holds, in the order the revisions page names what changed.
REVISION_FIELDS = ("title", "lead", "body", "source", "status", "category", "tags")


def revision_changes(newest_first: list[ArticleRevision]) -> dict[int, list[str]]:
    """For each revision (by id), the REVISION_FIELDS its save changed from the revision before it; none for the
    first. A field one of the two did not keep (the category and tags of revisions saved before they were kept)
    is not named."""
    def held(revision: ArticleRevision, name: str):
        return set(revision.tag_names) if name == "tags" and revision.tags is not None else getattr(revision, name)

    return {
        revision.id: [name for name in REVISION_FIELDS if None not in (held(revision, name), held(before, name))
                      and held(revision, name) != held(before, name)]
        for revision, before in zip(newest_first, newest_first[1:])
    }


def restore_revision(article_id: int, revision_id: int, editor: User) -> Article:
    """Put a revision's text back as the current text (itself recorded as a new revision)."""
    article = editable_article(article_id)
    revision = db.session.get(ArticleRevision, revision_id)
    if revision is None or revision.article_id != article.id:
        raise NotFound(revision_id)
    article.title, article.lead, article.body, article.source = (
        revision.title, revision.lead, revision.body, revision.source
    )
    article.version = Article.version + 1
    article.updated_at = utcnow()
    db.session.flush()
    reindex(article)
    _record_revision(article, editor, note=f"#{revision.number}")
    return _saved(article)


def editor_list(filters: EditorFilters, page: int, per_page: int) -> Page:
    """Articles for the desk, newest first, with their pending and published comment counts."""
    publish_due()
    query = select(Article)
    if filters.status is not None:
        query = query.where(Article.status == filters.status)
    if filters.category_id is not None:
        query = query.where(Article.category_id == filters.category_id)
    if filters.text:
        query = query.where(holds_text(Article.title, filters.text))
    result = paginate(query.order_by(Article.updated_at.desc(), Article.id.desc()), page, per_page)
    ids = [a.id for a in result.items]
    pending = dict(db.session.execute(
        select(Comment.article_id, func.count())
        .where(Comment.article_id.in_(ids), Comment.status == CommentStatus.PENDING)
        .group_by(Comment.article_id)
    ).all()) if ids else {}
    rows = [EditorRow(a, pending.get(a.id, 0), a.published_comment_count) for a in result.items]
    return Page(items=rows, page=result.page, pages=result.pages, total=result.total)


def categories() -> list[Category]:
    """Every category, by name."""
    return list(db.session.scalars(select(Category).order_by(Category.name)))


class CategoryRow(NamedTuple):
    """A category on the desk's list of them: how many articles it holds, and how many readers can see."""

    id: int
    name: str
    slug: str
    articles: int
    live: int


def category_rows(now: datetime | None = None) -> list[CategoryRow]:
    """Every category, by name, with its articles counted (all of them, and the live ones)."""
    live = func.count(Article.id).filter(Article.live(now or utcnow()))
    rows = db.session.execute(
        select(Category.id, Category.name, Category.slug, func.count(Article.id), live)
        .outerjoin(Article, Article.category_id == Category.id)
        .group_by(Category.id, Category.name, Category.slug).order_by(Category.name)
    )
    return [CategoryRow(*row) for row in rows]


def _category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(category_id)
    return category


def rename_category(category_id: int, name: str) -> Category:
    """Give a category a new name; its address stays (links to it keep working). NameTaken if another bears it."""
    category = _category(category_id)
    if name != category.name:
        key = name_key(name)  # another spelling of another category's name is that name (the list is short)
        if any(name_key(other) == key
               for other in db.session.scalars(select(Category.name).where(Category.id != category_id))):
            raise NameTaken(name)
        category.name = name
        db.session.commit()
        signals.article_saved.send(current_app._get_current_object(), article=None)  # every page naming it
    return category


def delete_category(category_id: int, move_to: int | None = None) -> int:
    """Delete a category; its articles move to the category `move_to` (a merge), or to none. Returns how many moved.

    Readers following the deleted category's address get a 404; its articles keep their own."""
    category = _category(category_id)
    target = _category(move_to).id if move_to and move_to != category_id else None
    moved = db.session.execute(
        update(Article).where(Article.category_id == category.id).values(category_id=target)
    ).rowcount
    db.session.delete(category)
    db.session.commit()
    signals.article_saved.send(current_app._get_current_object(), article=None)
    return moved


def publish_due(now: datetime | None = None) -> int:
    """Flip scheduled articles whose time has come to published; returns how many (no cron needed)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Article.id).where(Article.status == ArticleStatus.SCHEDULED, Article.published_at <= now)
    ).all()
    if not due:
        db.session.rollback()  # a read only: no write lock taken for nothing
        return 0
    count = db.session.execute(
        update(Article)
        .where(Article.id.in_(due), Article.status == ArticleStatus.SCHEDULED)
        .values(status=ArticleStatus.PUBLISHED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    for article in db.session.scalars(select(Article).where(Article.id.in_(due))):
        signals.article_saved.send(current_app._get_current_object(), article=article)
    return count


def next_scheduled_at() -> datetime | None:
    """When the next scheduled article goes live (None when nothing is scheduled)."""
    return db.session.scalar(select(func.min(Article.published_at)).where(Article.status == ArticleStatus.SCHEDULED))


# --- readers -------------------------------------------------------------------------------------

def _live(*columns) -> Select:
    """Articles readers see now (or just these columns of them), for listings newest first (walked by date)."""
    return select(*(columns or (Article,))).where(Article.live(utcnow(), by_date=True))


def _newest_first(query: Select) -> Select:
    return query.order_by(Article.published_at.desc(), Article.id.desc())


class Label(NamedTuple):
    """A category or tag as an article page shows it."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class ShownArticle:
    """A live article as its page shows it, read as plain rows (no ORM object), with its category and tags; or an
    editor's text not saved yet, as it would be shown (`preview`)."""

    id: int | None  # None: a new article's preview
    slug: str
    title: str
    lead: str
    body: str
    source: str
    cover_image: str
    status: ArticleStatus
    published_at: datetime | None
    comments_open: bool
    published_comment_count: int
    published_thread_count: int
    category: Label | None
    tags: tuple[Label, ...]
    # The digest of the page of its threads the reader asked for, read with it (see live_article).
    threads_digest: ThreadsDigest | None = None


_SHOWN_ARTICLE = tuple(
    getattr(Article, f.name) for f in fields(ShownArticle) if f.name not in ("category", "tags", "threads_digest")
)


def _live_by_slug(*also) -> Select:
    """The live article at the parameter `slug`, with its category and its tags in the same statement (one row per
    tag, in the order the relationship gives them), and the columns `also` (in each row)."""
    return (
        select(*_SHOWN_ARTICLE, Category.slug, Category.name, Tag.slug, Tag.name, *also)
        .outerjoin(Category, Category.id == Article.category_id)
        .outerjoin(Article.tags)
        .where(Article.live(bindparam("now")), Article.slug == bindparam("slug"))
        .order_by(Tag.name)
    )


# The article page's article: built once (the time and the slug are bound per call) and run on the driver's
# cursor (blog/services/reads.py). Where pages of threads are read by their digest, the digest of the page
# asked for is a last column: an uncorrelated subquery (its article found again by slug), which PostgreSQL
# evaluates once, not once per tag.
_LIVE_BY_SLUG = DriverRead(_live_by_slug())
_by_slug = aliased(Article, name="threads_article")
_LIVE_WITH_THREADS_DIGEST = {
    (order, skipping): DriverRead(_live_by_slug(threads_digest_column(
        order, skipping, select(_by_slug.id).where(_by_slug.slug == bindparam("slug")).scalar_subquery()
    )), literal=("offset", "limit"))
    for order in ORDERS for skipping in (False, True)
}


def live_article(slug: str, threads: tuple[str, int, int] | None = None) -> ShownArticle:
    """The article readers see at this slug; Moved for a former slug; NotFound otherwise.

    `threads`: the (order, page, size) of the numbered page of its threads the reader asked for, where those are
    read by their digest (comments.threads_read_by_digest): the page's digest is read in the same statement, and
    the page needs no round trip of its own when this process keeps it. Measured on bench_http.py's data: in a
    `/tmp` loop of 3,000 (/proc/PID/stat of the server's process), 160-177 µs of the server's CPU and 62-70 of
    the client's, against 197-217 and 122-133 for the two statements; under `wrk` (two gunicorn servers, cold
    page, 16 alternating pairs), x1.07 the requests per second, 105 µs less of the workers' CPU per request and
    23 µs less of PostgreSQL's.
    """
    params = {"now": utcnow(), "slug": slug}
    if threads:
        order, page, per_page = threads
        rows = _LIVE_WITH_THREADS_DIGEST[order, page > 1].rows(
            {**params, "offset": (page - 1) * per_page, "limit": per_page})
    else:
        rows = _LIVE_BY_SLUG.rows(params)
    if rows:
        first = rows[0]
        size = len(_SHOWN_ARTICLE)
        category = Label(*first[size:size + 2]) if first[size] is not None else None
        tags = tuple(Label(*row[size + 2:size + 4]) for row in rows if row[size + 2] is not None)
        digest = ThreadsDigest(order, page, per_page, first[size + 4]) if threads else None
        return ShownArticle(*first[:size], category, tags, digest)
    current = db.session.scalar(
        select(Article).join(ArticleSlug, ArticleSlug.article_id == Article.id)
        .where(ArticleSlug.slug == slug, Article.live(utcnow()))
    )
    if current is not None:
        raise Moved(current.slug)
    raise NotFound(slug)


def latest(page: int, per_page: int) -> Listing:
    """The front page: live articles, newest first."""
    return Listing(open_page(_newest_first(_live()), page, per_page))


def in_category(slug: str, page: int, per_page: int) -> Listing:
    """Live articles of a category, newest first."""
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(slug)
    query = _newest_first(_live().where(Article.category_id == category.id))
    return Listing(open_page(query, page, per_page), category=category)


def with_tag(slug: str, page: int, per_page: int) -> Listing:
    """Live articles carrying a tag, newest first."""
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        raise NotFound(slug)
    query = _newest_first(_live().where(Article.tags.any(Tag.id == tag.id)))
    return Listing(open_page(query, page, per_page), tag=tag)


def search(text: str, page: int, per_page: int) -> Listing:
    """Live articles holding every word of the query (as a prefix), hamza and diacritics ignored: first those that
    hold the most of its words whole ("fes" before "festival"), each group newest first."""
    terms = query_terms(text)
    if not terms:
        return Listing(Page(items=[], page=1, pages=1, total=0), query=text)
    query = _live()
    for ways in terms:
        # A range on the indexed column per way of reading the word: prefix matches the term index serves on every
        # backend.
        query = query.where(Article.id.in_(
            select(ArticleTerm.article_id).where(or_(*(
                and_(ArticleTerm.term >= term, ArticleTerm.term < _after_prefix(term)) for term in ways
            )))
        ))
    whole = sum(
        case((exists().where(ArticleTerm.article_id == Article.id, ArticleTerm.term.in_(forms)), 1), else_=0)
        for forms in whole_words(text)
    )
    query = query.order_by(whole.desc(), Article.published_at.desc(), Article.id.desc())
    return Listing(paginate(query, page, per_page), query=text, terms=terms)


def _after_prefix(term: str) -> str:
    """The smallest string greater than every string that starts with `term` (in code point order)."""
    return term[:-1] + chr(ord(term[-1]) + 1)


def neighbours(article: Article) -> Neighbours:
    """The live articles just before and just after this one in publication order."""
    if article.published_at is None:
        return Neighbours()
    at, ident = article.published_at, article.id
    before = or_(Article.published_at < at, and_(Article.published_at == at, Article.id < ident))
    after = or_(Article.published_at > at, and_(Article.published_at == at, Article.id > ident))
    link = _live(Article.slug, Article.title)
    reads = reading_connection()  # a page's reads: no transaction on PostgreSQL
    previous = reads.execute(_newest_first(link.where(before)).limit(1)).first()
    following = reads.execute(
        link.where(after).order_by(Article.published_at.asc(), Article.id.asc()).limit(1)
    ).first()
    return Neighbours(previous=previous and ArticleLink(*previous), next=following and ArticleLink(*following))


def feed(category_slug: str | None, size: int) -> Listing:
    """The newest live articles for the Atom feed, of one category or all."""
    if category_slug:
        return in_category(category_slug, 1, size)
    return latest(1, size)


def sitemap() -> tuple[list[Article], list[Category]]:
    """Every live article (newest first) and every category, for sitemap.xml."""
    articles = list(db.session.scalars(_newest_first(_live())))
    return articles, categories()
