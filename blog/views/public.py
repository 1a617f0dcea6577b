"""Readers' pages: the front page, articles and the comment form."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import pagecache, select_language
from ..extensions import db, limiter
from ..forms import RULE_CHOICES, CommentForm, ReportForm
from ..models import Article, ArticleStatus
from ..moderation.types import Rule
from ..net import shorten_address
from ..services import comments as comment_service
from ..services import reports as report_service
from ..services.errors import CommentsClosed, NotFound, ReplyTargetGone
from . import conversation
from .conversation import page_arg as _page_arg
from .reader import own_comment_ids, reader_id, remember_own_comment, remembered_details, store_details

bp = Blueprint("public", __name__)
bp.add_app_template_global(RULE_CHOICES, "report_rule_choices")


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
    return conversation.render_article(article, form, status)


def _published_or_404(slug: str) -> Article:
    try:
        return comment_service.published_article(slug)
    except NotFound:
        abort(404)


@bp.get("/articles/<slug>")
def article(slug: str):
    """An article with its published threads and the comment form (through the page cache)."""

    def render_shared() -> tuple[str, int]:
        found = _published_or_404(slug)
        return _render_article(found, conversation.new_comment_form()).get_data(as_text=True), found.id

    return pagecache.cached_article_page(
        slug, select_language(), render_shared,
        lambda: _render_article(_published_or_404(slug), conversation.new_comment_form()),
        personal=bool(own_comment_ids() or remembered_details() or reader_id()),
    )


@bp.post("/articles/<slug>/comments")
def post_comment(slug: str):
    """Take a reader's comment: back to the form with the text on error, else redirect."""
    try:
        found = comment_service.published_article(slug)
    except NotFound:
        abort(404)
    form = CommentForm()
    parent_id = form.reply_to()

    def again(status: int):
        if parent_id:
            return conversation.render_reply_page(found, parent_id, form, status)
        return _render_article(found, form, status)

    if not form.validate_on_submit():
        return again(422)
    draft = comment_service.CommentDraft(
        article_id=found.id,
        author_name=form.author_name.data,
        author_email=form.author_email.data,
        body=form.body.data,
        address=shorten_address(request.remote_addr),
        parent_id=parent_id,
        form_token=form.form_token.data or "",
        notify=bool(form.notify.data),
    )
    try:
        comment = comment_service.submit_comment(draft)
    except CommentsClosed:
        form.body.errors = [*form.body.errors, _("التعليقات مغلقة على هذا المقال.")]
        return _render_article(found, form, status=403)
    except ReplyTargetGone:
        form.parent_id.data = ""
        form.body.errors = [*form.body.errors, _("التعليق الذي ترد عليه لم يعد متاحا. يمكنك نشر نصك تعليقا جديدا.")]
        return _render_article(found, form, status=422)
    remember_own_comment(comment.id)
    response = redirect(conversation.after_post_url(comment), code=303)
    store_details(response, draft.author_name, draft.author_email, bool(form.remember.data))
    return response


@bp.post("/comments/<int:comment_id>/report")
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"])
def report_comment(comment_id: int):
    """A reader reports a published comment for a rule; enough reports send it back to the queue."""
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = report_service.report_comment(comment_id, Rule(form.rule.data), shorten_address(request.remote_addr))
    except NotFound:
        abort(404)
    flash(_("شكرا، وصل بلاغك وسيراجعه المشرفون.") if outcome.counted else _("سبق أن وصلنا بلاغ منك عن هذا التعليق."),
          "success" if outcome.counted else "warning")
    anchor = "comments" if outcome.sent_back and outcome.comment.status.value != "published" else f"comment-{comment_id}"
    return redirect(url_for("public.article", slug=outcome.comment.article.slug, _anchor=anchor), code=303)


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
