"""Readers' pages: the front page, articles and the comment form."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import pagecache, select_language
from ..extensions import db
from ..forms import CommentForm
from ..models import Article, ArticleStatus
from ..net import shorten_address
from ..services import comments as comment_service
from ..services.errors import CommentsClosed, NotFound

bp = Blueprint("public", __name__)

OWN_COMMENTS_KEY = "own_comments"


def _page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


@bp.get("/")
def index():
    """The latest published articles."""
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = _page_arg()
    articles = db.session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return render_template(
        "public/index.html", articles=articles[:per_page], page=page, has_next=len(articles) > per_page
    )


def _render_article(article: Article, form: CommentForm, status: int = 200):
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    thread = comment_service.published_comments(article, _page_arg(), per_page)
    own = comment_service.own_pending_comments(article, session.get(OWN_COMMENTS_KEY, []))
    return render_template("public/article.html", article=article, thread=thread, own=own, form=form), status


def _published_or_404(slug: str) -> Article:
    try:
        return comment_service.published_article(slug)
    except NotFound:
        abort(404)


@bp.get("/articles/<slug>")
def article(slug: str):
    """An article with its published comments and the comment form (through the page cache)."""

    def render_shared() -> tuple[str, int]:
        found = _published_or_404(slug)
        per_page = current_app.config["COMMENTS_PER_PAGE"]
        thread = comment_service.published_comments(found, _page_arg(), per_page)
        html = render_template("public/article.html", article=found, thread=thread, own=[], form=CommentForm())
        return html, found.id

    def has_own(article_id: int) -> bool:
        ids = session.get(OWN_COMMENTS_KEY)
        return bool(ids) and comment_service.has_own_pending(article_id, ids)

    return pagecache.cached_article_page(
        slug, select_language(), render_shared,
        lambda: current_app.make_response(_render_article(_published_or_404(slug), CommentForm())), has_own,
    )


@bp.post("/articles/<slug>/comments")
def post_comment(slug: str):
    """Take a reader's comment: back to the form with the text on error, else redirect."""
    try:
        found = comment_service.published_article(slug)
    except NotFound:
        abort(404)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_article(found, form, status=422)
    parent_id = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
    draft = comment_service.CommentDraft(
        article_id=found.id,
        author_name=form.author_name.data,
        author_email=form.author_email.data,
        body=form.body.data,
        address=shorten_address(request.remote_addr),
        parent_id=parent_id,
        form_token=form.form_token.data or "",
    )
    try:
        comment = comment_service.submit_comment(draft)
    except CommentsClosed:
        form.body.errors = [*form.body.errors, _("التعليقات مغلقة على هذا المقال.")]
        return _render_article(found, form, status=403)
    session[OWN_COMMENTS_KEY] = [*session.get(OWN_COMMENTS_KEY, [])[-49:], comment.id]
    return redirect(url_for("public.article", slug=found.slug, _anchor=f"comment-{comment.id}"), code=303)


@bp.post("/language")
def set_language():
    """Remember the reader's interface language in a cookie and go back (a POST: no crawler sets it)."""
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    target = request.referrer if _same_site(request.referrer) else url_for("public.index")
    response = redirect(target)
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
