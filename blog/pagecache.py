"""Page cache of the public article page, and its HTTP caching headers.

The page is rendered once per (article, version, comment page, sort, language) with placeholders in
place of what belongs to one reader (the CSRF token and the form token), stored in Flask-Caching
(Redis when REDIS_URL is set, so every app process shares it), and filled for each request.
Readers with something of their own on the page (their pending comments, flashed messages, a
logged-in staff member) get a page rendered for them alone, never stored.

Invalidation: each article has a version token (in Redis, or a file in the instance folder shared by
the workers of one host when the cache is in-process); the signals that change what the page
shows (a comment published or unpublished, the article changed) replace it, so every process reads
new keys at once and old entries simply expire.

Two kinds of cached answers:
- private: the reader has a session; their tokens are filled in; `Cache-Control: private, no-store`.
- shared: a GET without session or login cookie that came through the caching proxy
  (`X-Shared-Cache: 1`, set by deploy/nginx.conf): no token at all in the page (static/js/reader-tokens.js
  fetches them from /reader/tokens when the reader starts typing; without JS the first POST comes back
  with the text and fresh tokens), an ETag/Last-Modified with 304 answers, and a short proxy lifetime.
"""
from __future__ import annotations

import functools
import hashlib
import operator
import os
import re
import secrets
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

from flask import Flask, Response, current_app, g, request, session
from jinja2 import pass_context
from markupsafe import Markup

from . import signals
from .extensions import cache
from .security import remember_cookie, signed_in
from .signing import csrf_field, csrf_token

CSRF_PLACEHOLDER = "__majlis_csrf_placeholder__"
FORM_TOKEN_PLACEHOLDER = "__majlis_form_token_placeholder__"
STAMP_PLACEHOLDER = "__majlis_form_stamp_placeholder__"
# Query arguments that change the article page; every other argument shares the cached page.
VARY_ARGS = ("page", "order", "after", "before")
SHARED_HEADER = "X-Shared-Cache"
# In a request's WSGI environ: (root URL, slug, language, key) of a page the page front (blog/pagefront.py) did not find.
MISSED_KEY_ENVIRON = "majlis.page_cache_missed"
ALL_ARTICLES = "\x00all-articles"  # a version shared by every article page (bumped when any article is saved)
COMMENT_HTML_MEMO = 8192
DATE_MEMO = 8192
NEIGHBOURS_MEMO = 1024
PRIVATE_CACHE_CONTROL = "private, no-store"
COMMENT_FORM_MEMO = 256
SHARED_FORMS_MEMO = 16
THREAD_LIST_MEMO = 64
ARTICLE_BLOCK_MEMO = 256
SITE_HEADER_MEMO = 16
SITE_HEAD_MEMO = 16
PAGE_BLOCK_MEMO = 1024


def new_form_token() -> str:
    """A fresh random form token (the idempotency key of a submission), or its placeholder while caching."""
    if g.get("_pagecache_rendering"):
        return FORM_TOKEN_PLACEHOLDER
    return secrets.token_urlsafe(18)


def new_form_stamp() -> str:
    """The comment form's signed serving time (blog/abuse.py), or its placeholder while caching."""
    from .abuse import form_stamp

    if g.get("_pagecache_rendering"):
        return STAMP_PLACEHOLDER
    return form_stamp()


def _version_key(slug: str) -> str:
    return f"majlis:pagever:{slug}"


def _shared_store(app: Flask | None = None) -> bool:
    """True when the cache itself is shared by every process (Redis)."""
    return (app or current_app).config.get("CACHE_TYPE") == "RedisCache"


def cache_store(app: Flask):
    """The app's cache backend itself (what Flask-Caching's `cache` calls on), usable outside an app context."""
    return app.extensions["cache"][cache]


@functools.lru_cache(maxsize=4096)
def _version_path(instance_path: str, slug: str) -> str:
    return os.path.join(instance_path, "page-versions", hashlib.sha256(slug.encode()).hexdigest()[:32])


def article_version(slug: str) -> str:
    """The current version token of an article's cached pages.

    With Redis it is a key in Redis; otherwise (an in-process cache per worker) a file in the instance
    folder, whose identity every worker of the host reads with one stat() per request.
    """
    return article_versions(slug)[0]


def article_versions(*slugs: str, app: Flask | None = None) -> list[str]:
    """The version tokens of several articles (with Redis: in one round trip once they exist)."""
    app = app or current_app._get_current_object()
    if not _shared_store(app):
        versions = []
        for slug in slugs:
            try:
                stat = os.stat(_version_path(app.instance_path, slug))
            except FileNotFoundError:
                versions.append("0")
                continue
            versions.append(f"{stat.st_ino}.{stat.st_mtime_ns}")
        return versions
    store = cache_store(app)
    keys = [_version_key(slug) for slug in slugs]
    versions = store.get_many(*keys)
    for index, (key, version) in enumerate(zip(keys, versions)):
        if version is None:
            store.add(key, secrets.token_hex(6), timeout=0)  # the first reader of an article starts its version
            versions[index] = store.get(key) or "0"
    return versions


def invalidate_article(*slugs: str | None) -> None:
    """Drop every cached page of these articles, in every process sharing the cache or the instance folder."""
    for slug in slugs:
        if not slug:
            continue
        if _shared_store():
            cache.set(_version_key(slug), secrets.token_hex(6), timeout=0)
            continue
        path = Path(_version_path(current_app.instance_path, slug))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(8))
        os.replace(tmp, path)  # a new inode: every worker sees a new version at once


def reader_mode() -> str:
    """'personal' (render for this reader only), 'shared' (no reader data at all) or 'private'."""
    if request.method not in ("GET", "HEAD") or signed_in() or session.get("_flashes"):
        return "personal"
    has_session = current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies
    if (
        request.headers.get(SHARED_HEADER) == "1"
        and not has_session
        and remember_cookie(current_app.config) not in request.cookies
    ):
        return "shared"
    return "private"


@contextmanager
def _placeholders():
    field = csrf_field(current_app.config)
    saved = g.pop(field, None)
    g._pagecache_rendering = True
    g._pagecache_blocks = []
    setattr(g, field, CSRF_PLACEHOLDER)  # generate_csrf and signing.csrf_token return g.<field> when set
    try:
        yield g._pagecache_blocks
    finally:
        g.pop("_pagecache_rendering", None)
        g.pop("_pagecache_blocks", None)
        g.pop(field, None)
        if saved is not None:
            setattr(g, field, saved)


_PLACEHOLDERS = re.compile(f"({CSRF_PLACEHOLDER}|{FORM_TOKEN_PLACEHOLDER}|{STAMP_PLACEHOLDER})".encode())
_CSRF, _STAMP = CSRF_PLACEHOLDER.encode(), STAMP_PLACEHOLDER.encode()
# Where a kept block's bytes go in the page rendered for the cache (see spliced). Rendered text cannot hold it:
# a reader's or an editor's text has its "<" escaped, or is cleaned of NUL characters.
_BLOCK_MARK = "<\x00majlis-block\x00>"
_BLOCK_MARK_BYTES = _BLOCK_MARK.encode()


class KeptHTML(NamedTuple):
    """A block's HTML kept by the process, with its UTF-8 bytes cut at their placeholders and their digest,
    made once."""

    html: Markup
    parts: list[bytes]
    digest: bytes

    @classmethod
    def of(cls, html: str) -> "KeptHTML":
        data = html.encode()
        return cls(Markup(html), _PLACEHOLDERS.split(data), hashlib.sha256(data).digest())


def spliced(block: KeptHTML) -> Markup:
    """The block in a template: its HTML, or in the page rendered for the cache a mark where the page's parts
    take the block's own (a large kept block is then not copied into the page's text, encoded, cut and hashed
    again at each render)."""
    blocks = g.get("_pagecache_blocks")
    if blocks is None:
        return block.html
    blocks.append(block)
    return Markup(_BLOCK_MARK)


def _split(page: bytes, blocks: list[KeptHTML] = ()) -> list[bytes]:
    """The encoded page cut at its placeholders once, when it is stored: odd items are placeholders; each
    spliced block's parts in place of its mark.

    Kept as bytes, the page is neither decoded from the cache nor encoded again for each reader.
    """
    pieces = page.split(_BLOCK_MARK_BYTES) if blocks else [page]
    if len(pieces) != len(blocks) + 1:
        raise RuntimeError(f"{len(pieces) - 1} block marks in the page for {len(blocks)} spliced blocks")
    parts = _PLACEHOLDERS.split(pieces[0])
    for block, piece in zip(blocks, pieces[1:]):
        for more in (block.parts, _PLACEHOLDERS.split(piece)):
            parts[-1] += more[0]  # text meets text: one part
            parts.extend(more[1:])
    return parts


class Tokens(NamedTuple):
    """Makers of one reader's tokens: the signed CSRF token, the form's serving stamp, a form token."""

    csrf: Callable[[], str]
    stamp: Callable[[], str]
    form_token: Callable[[], str]


def _fill(parts: list[bytes], tokens: Tokens | None) -> bytes:
    """The stored page with this reader's tokens (or none at all, for a shared page) in one pass."""
    filled = parts.copy()
    if tokens is None:
        filled[1::2] = [b""] * (len(parts) // 2)
        return b"".join(filled)
    csrf = stamp = None
    for index in range(1, len(filled), 2):
        placeholder = filled[index]
        if placeholder == _CSRF:
            filled[index] = csrf = csrf or tokens.csrf().encode()
        elif placeholder == _STAMP:
            filled[index] = stamp = stamp or tokens.stamp().encode()
        else:
            filled[index] = tokens.form_token().encode()  # one idempotency key per form on the page
    return b"".join(filled)


def site_root(request) -> str:
    """What every link of a page starts with: scheme, host and script root (werkzeug's root_url, without the
    quoting it does again for each request object: about 15 µs, on the page front's every hit)."""
    return f"{request.scheme}://{request.host}{request.root_path}/"


def page_key(root_url: str, slug: str, language: str, args: Mapping[str, str], app: Flask | None = None) -> str:
    """The cache key of one article page as a reader asks for it.

    The request's root URL (scheme, host and script root) is part of it: every link on the page starts with
    the script root, and canonical and feed links are absolute URLs on the requested scheme and host.
    """
    query = "&".join(f"{name}={args.get(name, '')}" for name in VARY_ARGS)
    version, all_articles = article_versions(slug, ALL_ARTICLES, app=app)
    return f"majlis:page3:{root_url}:{slug}:{version}.{all_articles}:{language}:{query}"


def cached_article_page(
    slug: str,
    language: str,
    render: Callable[[], tuple[str, int]],
    render_personal: Callable[[], Response],
    personal: bool,
) -> Response:
    """The article page from the cache, filled for this reader.

    `render()` renders the reader-independent page and returns (html, article_id) (or aborts);
    `render_personal()` renders the page for this reader alone (never stored); `personal` tells whether
    this reader has anything of their own on the page (own comments, remembered details, reactions).
    """
    mode = reader_mode()
    if mode == "personal" or personal:
        return private_headers(render_personal())
    missed, root = request.environ.get(MISSED_KEY_ENVIRON), site_root(request)
    if missed is not None and missed[:3] == (root, slug, language):
        key, entry = missed[3], None  # the page front looked this key up a moment ago, in this request
    else:
        key = page_key(root, slug, language, request.args)
        entry = cache.get(key)
    hit = entry is not None
    if entry is None:
        entry = rendered_entry(key, render)
    tokens = None if mode == "shared" else Tokens(csrf_token, new_form_stamp, new_form_token)
    response = Response(_fill(entry["parts"], tokens), mimetype="text/html")
    response.headers["X-Page-Cache"] = "hit" if hit else "miss"
    if mode == "shared":
        return shared_headers(response, entry["etag"], entry["rendered_at"])
    return private_headers(response)


def rendered_entry(key: str, render: Callable[[], tuple[str, int]]) -> dict:
    """The page as every reader gets it, rendered by `render()` (placeholders where each reader's tokens go) and
    stored under `key`: its parts, its article, its validator and its time."""
    with _placeholders() as blocks:
        html, article_id = render()
    page = html.encode()  # once: the parts and the validator are both made from these bytes
    validator = hashlib.sha256(page)
    for block in blocks:
        validator.update(block.digest)
    entry = {
        "parts": _split(page, blocks),
        "article_id": article_id,
        "etag": validator.hexdigest()[:24],
        "rendered_at": int(time.time()),
    }
    cache.set(key, entry, timeout=current_app.config["PAGE_CACHE_SECONDS"])
    return entry


def shared_headers(response: Response, etag: str, last_modified: int) -> Response:
    """Headers of a page identical for every reader: validators, 304, a short proxy lifetime."""
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = shared_cache_control(current_app.config["SHARED_PAGE_SECONDS"])
    response.headers["Vary"] = "Cookie"
    return response.make_conditional(request)


def shared_cache_control(seconds: int) -> str:
    """Cache-Control of a shared page: a proxy keeps it `seconds`, browsers revalidate each time."""
    return f"public, max-age=0, s-maxage={seconds}, must-revalidate"


def private_headers(response: Response) -> Response:
    """Headers of a page that carries a reader's tokens or own comments: never stored by anyone else."""
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response.headers["Vary"] = "Cookie"
    return response


def _comment_submitted(sender, comment, **extra) -> None:
    from .models import CommentStatus

    if comment.status is CommentStatus.PUBLISHED:
        invalidate_article(comment.article.slug)


def _comment_decided(sender, comment, before, after, **extra) -> None:
    from .models import CommentStatus

    if CommentStatus.PUBLISHED in (before, after):
        invalidate_article(comment.article.slug)


def _comment_withdrawn(sender, comment, before, **extra) -> None:
    from .models import CommentStatus

    if before is CommentStatus.PUBLISHED:
        invalidate_article(comment.article.slug)


def _comment_reported(sender, comment, **extra) -> None:
    invalidate_article(comment.article.slug)  # reported past the threshold: hidden or marked on the page


def _article_changed(sender, article, old_slug: str | None = None, **extra) -> None:
    invalidate_article(article.slug, old_slug)


def memoize_filters(app) -> None:
    """Memoize the pure, costly template filters: a comment's sanitized HTML and a localized long date.

    Both depend only on their input (and the locale), so a page rendered cold re-uses what earlier pages
    of the same process already computed; bounded in size.
    """
    from flask_babel import get_locale

    env = app.jinja_env
    sanitize, long_date = env.filters["comment_html"], env.filters["long_date"]

    @functools.lru_cache(maxsize=COMMENT_HTML_MEMO)
    def comment_html(text: str):
        return sanitize(text)

    @functools.lru_cache(maxsize=DATE_MEMO)
    def localized(value, locale: str):
        return long_date(value)

    env.filters["comment_html"] = lambda text: comment_html(text) if isinstance(text, str) else sanitize(text)
    env.filters["long_date"] = lambda value: localized(value, str(get_locale())) if value else ""


def kept_memo(app, size: int) -> "ProcessMemo":
    """A ProcessMemo for rendered blocks of pages: of `size` entries, or none at all when the app's
    KEPT_BLOCKS is off (every block rendered each time, for measuring or debugging)."""
    return ProcessMemo(size if app.config["KEPT_BLOCKS"] else 0)


class ProcessMemo:
    """A bounded dict of computed values kept by one process for one app (the oldest entries go first)."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key, compute: Callable):
        """The value kept for `key`, else `compute()` kept (nothing is kept when the size is 0)."""
        value = self._values.get(key)
        if value is None:
            value = compute()
            self.keep(key, value)
        return value

    def find(self, key):
        """The value kept for `key`, or None."""
        return self._values.get(key)

    def keep(self, key, value) -> None:
        """Keep `value` for `key` (nothing is kept when the size is 0)."""
        if self.size:
            with self._lock:
                while len(self._values) >= self.size:
                    self._values.pop(next(iter(self._values)))
                self._values[key] = value


def _render_in(context, template: str, **values) -> Markup:
    """`template` rendered with the calling template's context (and `values` over it), as an include would.

    A block rendered to be kept holds its HTML whole: no spliced mark inside it (the mark would outlive the
    render whose page takes the block's bytes).
    """
    blocks = g.pop("_pagecache_blocks", None)
    try:
        return Markup(context.environment.get_template(template).render({**context.get_all(), **values}))
    finally:
        if blocks is not None:
            g._pagecache_blocks = blocks


# What public/_comment.html shows of a published comment (with the name it answers and the page's inputs).
_SHOWN_FIELDS = operator.attrgetter(
    "id", "version", "author_name", "body", "created_at", "edited_at", "like_count", "dislike_count"
)


def memoize_comment_fragments(app) -> None:
    """`comment_fragment(comment)` and `thread_items_block()` in templates: comments' HTML kept per process
    by all that it shows.

    A page rendered after a cache miss (a new comment approved, say) re-uses the unchanged comments of the
    earlier renders. The key holds every input of public/_comment.html: the comment's text, name, dates,
    version and counts, the name it answers, this reader's reaction and edit right, the article's slug and
    whether it takes replies, the settings and the language; a reader's own pending comments are never kept.
    At most COMMENT_FRAGMENTS entries (the oldest go first); 0 renders every comment each time.

    A whole page of threads (public/_thread_items.html) is kept too, keyed by all its rows as read (every
    shown field), thread by thread, and the names their replies answer, when it shows nothing of one reader
    (no own comment, reaction or edit right): the rows are read from the database for every render, and
    only an unchanged page is not rendered again.
    """
    memo = kept_memo(app, app.config["COMMENT_FRAGMENTS"])
    pages = kept_memo(app, THREAD_LIST_MEMO if app.config["COMMENT_FRAGMENTS"] else 0)

    def render(context, comment, pending: bool) -> Markup:
        return _render_in(context, "public/_comment.html", comment=comment, pending=pending)

    def shared_by_the_render(context) -> tuple:
        """What every comment of one render has in common: read once, kept on the render's own context."""
        try:
            return context._majlis_comment_inputs
        except AttributeError:
            article = context["article"]
            page = (context["lang"], request.script_root, article.slug, article.comments_open, context["dislikes_enabled"])
            context._majlis_comment_inputs = page, context["mentions"], context["reactions"], context["editable"]
            return context._majlis_comment_inputs

    @pass_context
    def comment_fragment(context, comment, pending: bool = False) -> Markup:
        if pending:
            return render(context, comment, pending)
        page, mentions, reactions, editable = shared_by_the_render(context)
        ident = comment.id
        key = (page, _SHOWN_FIELDS(comment), mentions.get(ident), reactions.get(ident, 0), ident in editable)
        return memo.get(key, lambda: render(context, comment, False))

    @pass_context
    def thread_items_block(context) -> Markup:
        thread = context["thread"]
        threads = thread.items

        def render_list() -> Markup:
            return _render_in(context, "public/_thread_items.html")

        if not threads or context.get("own_by_root"):
            return render_list()
        page, mentions, reactions, editable = shared_by_the_render(context)
        if reactions or editable:  # something of one reader's: rendered for them (each comment still kept)
            return render_list()
        # The rows themselves (every shown field, and a few more), thread by thread, or what the database digested
        # of them (services/comments.py ThreadPage.identity), and the names answered.
        rows = thread.identity or tuple((t.root, *t.replies) for t in threads)
        key = (page, rows, tuple(mentions.items()))
        return spliced(pages.get(key, lambda: KeptHTML.of(render_list())))

    app.jinja_env.globals["comment_fragment"] = comment_fragment
    app.jinja_env.globals["thread_items_block"] = thread_items_block


def memoize_article_block(app) -> None:
    """`article_block()` in templates: public/_article_text.html (the article and its neighbours' links), kept
    per process by all that it shows.

    The block holds nothing of one reader. Its key holds every input: the article's text, lead, body, cover,
    source, date, category, tags and comment count, its neighbours (the template's own, or the
    `article_neighbours` global's), the language and the script root. At most ARTICLE_BLOCK_MEMO entries.
    """
    memo = kept_memo(app, ARTICLE_BLOCK_MEMO)

    @pass_context
    def article_block(context) -> Markup:
        article = context["article"]
        around = context.get("neighbours") or context["article_neighbours"](article)
        category = article.category
        key = (
            context["lang"], request.script_root, article.id, article.slug, article.title, article.lead, article.body,
            article.cover_image, article.source, article.published_at, article.published_comment_count,
            category and (category.slug, category.name), tuple((tag.slug, tag.name) for tag in article.tags), around,
        )
        return memo.get(key, lambda: _render_in(context, "public/_article_text.html", neighbours=around))

    app.jinja_env.globals["article_block"] = article_block


def keep_block(app, name: str, template: str, inputs: Callable, size: int, every_reader_only: bool = False) -> None:
    """`name()` in templates: `template` rendered with the caller's context, kept per process by `inputs(context)`.

    `inputs` must return everything the block shows (the language and the script root included): it is the
    key. With `every_reader_only`, the block is kept only in the page rendered for every reader (no signed-in
    user, placeholder tokens) and rendered each time in any other. At most `size` entries (the oldest go first).
    """
    memo = kept_memo(app, size)

    @pass_context
    def block(context) -> Markup:
        if every_reader_only and not g.get("_pagecache_rendering"):
            return _render_in(context, template)
        return memo.get(inputs(context), lambda: _render_in(context, template))

    block.__name__ = name
    app.jinja_env.globals[name] = block


def keep_page_blocks(app) -> None:
    """The pages' small blocks, kept by what they show (see keep_block): the article page's header, forms,
    comments' heading, pager and head, and the site-wide part of every page's head."""

    def header(context) -> tuple:
        # The page rendered for every reader has no signed-in user and a placeholder token: the header shows
        # the language, the site's name, the script root and the site search's words (none on an article page).
        return context["lang"], context["site_name"], request.script_root, context.get("site_search")

    def shared_forms(context) -> tuple:
        # The page's one reaction form and its report template: the language's labels and rule names, and
        # the CSRF token, a placeholder in the page rendered for every reader (a reader's own page: their token).
        return context["lang"], request.script_root

    def comments_heading(context) -> tuple:
        article = context["article"]
        return (context["lang"], request.script_root, article.slug, article.published_comment_count,
                article.published_thread_count > 1, context.get("order"))

    def site_head(context) -> tuple:
        # Static and feed addresses (the feed's is absolute: scheme, host and script root), the site's name
        # and the interface's locale.
        return site_root(request), context["site_name"], str(context["current_locale"]())

    def article_head(context) -> tuple:
        article = context["article"]
        category = article.category
        return (site_root(request), bool(context.get("preview")), article.slug, article.title, article.lead,
                article.published_at, category and category.name, tuple(tag.name for tag in article.tags),
                article.cover_image)

    def pager(context) -> tuple:
        thread = context["thread"]
        return context["lang"], request.script_root, context["article"].slug, thread.prev, thread.next, context.get("order")

    keep_block(app, "site_header", "_site_header.html", header, SITE_HEADER_MEMO, every_reader_only=True)
    keep_block(app, "shared_forms_block", "public/_shared_forms.html", shared_forms, SHARED_FORMS_MEMO,
               every_reader_only=True)
    keep_block(app, "comments_heading", "public/_comments_heading.html", comments_heading, PAGE_BLOCK_MEMO)
    keep_block(app, "comment_pager", "public/_more.html", pager, PAGE_BLOCK_MEMO)
    keep_block(app, "site_head", "_site_head.html", site_head, SITE_HEAD_MEMO)
    keep_block(app, "article_head", "public/_article_head.html", article_head, ARTICLE_BLOCK_MEMO)


_TOKEN_FIELD_TYPES = ("HiddenField", "CSRFTokenField")
_PLACEHOLDER_VALUES = (CSRF_PLACEHOLDER, FORM_TOKEN_PLACEHOLDER, STAMP_PLACEHOLDER)


def _blank_for_every_reader(form) -> bool:
    """True when `form` shows nothing of one reader: rendered for every reader (its tokens are placeholders),
    not submitted, without error, and every field empty but the tokens, which hold their placeholders."""
    if not g.get("_pagecache_rendering") or form.is_submitted() or form.errors or form.form_errors:
        return False
    for item in form:
        shown = item._value() if item.type in _TOKEN_FIELD_TYPES else item.data  # what its value="" would hold
        if shown and shown not in _PLACEHOLDER_VALUES:
            return False
    return True


def memoize_comment_form(app, blank_form: Callable) -> None:
    """`comment_form_block(form)` in templates: public/_comment_form.html, the blank one kept per process.

    `form` None asks for the blank form of a page rendered for every reader (its tokens are placeholders):
    it is kept, and `blank_form()` is called only to render it when it is not. Any form given (remembered
    details, errors, a reader's text) or a page rendered for one reader is rendered each time, never kept.
    The key holds every input of the blank block: the language, the script root, the article's slug, the
    mail setting (the notification box) and the CSRF settings (the token field's presence and name).
    At most COMMENT_FORM_MEMO entries (the oldest go first).
    """
    memo = kept_memo(app, COMMENT_FORM_MEMO)

    def render(context, form) -> Markup:
        return _render_in(context, "public/_comment_form.html", form=form)

    def render_blank(context) -> Markup:
        form = blank_form()
        if not _blank_for_every_reader(form):  # never kept with anything of one reader in it
            raise RuntimeError("the blank comment form shows a reader's data")
        return render(context, form)

    @pass_context
    def comment_form_block(context, form=None) -> Markup:
        if form is not None or not g.get("_pagecache_rendering"):
            return render(context, blank_form() if form is None else form)
        config = current_app.config
        key = (
            context["lang"], request.script_root, context["article"].slug, config.get("MAIL_SERVER"),
            config.get("WTF_CSRF_ENABLED", True), csrf_field(config),
        )
        return memo.get(key, lambda: render_blank(context))

    app.jinja_env.globals["comment_form_block"] = comment_form_block


def article_set_memo_key(article_id: int) -> tuple:
    """A key for what depends on the set of live articles around one: it changes when any article is saved,
    and every minute (a scheduled article goes live when its time comes, without a save)."""
    return article_id, article_version(ALL_ARTICLES), int(time.time() // 60)


def _article_saved(sender, article, **extra) -> None:
    # The desk's save may change the slug (the former one must redirect) or the status: drop every article page.
    invalidate_article(ALL_ARTICLES)


def connect_signals() -> None:
    """Subscribe the cache to the signals that change what a cached page shows (idempotent)."""
    signals.comment_submitted.connect(_comment_submitted)
    signals.comment_decided.connect(_comment_decided)
    signals.comment_edited.connect(_comment_decided)  # same shape: comment, before, after
    signals.comment_withdrawn.connect(_comment_withdrawn)
    signals.comment_reported.connect(_comment_reported)
    signals.article_changed.connect(_article_changed)
    signals.article_saved.connect(_article_saved)
