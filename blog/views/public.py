"""Readers' pages: the front page, articles and the comment form."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import abuse
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


# What a reader is told when the form is refused before screening (blog/abuse.py).
_REFUSAL_MESSAGES = {
    abuse.Refusal.HONEYPOT: _l("لم يُقبل التعليق: ملئ حقل مخفي لا يملؤه إلا برنامج آلي. أعد الإرسال دون ملئه."),
    abuse.Refusal.TOO_FAST: _l("أُرسل النموذج بسرعة كبيرة. انتظر بضع ثوان ثم أعد الإرسال، ونصك محفوظ."),
    abuse.Refusal.STALE_FORM: _l("انتهت صلاحية النموذج. أعد الإرسال، ونصك محفوظ."),
    abuse.Refusal.ADDRESS_RATE: _l("أُرسلت تعليقات كثيرة من عنوانك في وقت قصير. أعد المحاولة بعد %(seconds)d ثانية."),
    abuse.Refusal.EMAIL_RATE: _l("أرسلت تعليقات كثيرة في وقت قصير. أعد المحاولة بعد %(seconds)d ثانية."),
}
_RATE_REFUSALS = {abuse.Refusal.ADDRESS_RATE, abuse.Refusal.EMAIL_RATE}


def _render_article(article: Article, form: CommentForm, status: int = 200, headers: dict | None = None):
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    thread = comment_service.published_comments(article, _page_arg(), per_page)
    own = comment_service.own_pending_comments(article, session.get(OWN_COMMENTS_KEY, []))
    if abuse.fresh_stamp_needed(form.started.data):
        form.started.data = abuse.form_stamp()
    hints = {comment.id: comment_service.screening_signals(comment) for comment in own}
    return (
        render_template("public/article.html", article=article, thread=thread, own=own, hints=hints, form=form),
        status,
        headers or {},
    )


@bp.get("/articles/<slug>")
def article(slug: str):
    """An article with its published comments and the comment form."""
    try:
        found = comment_service.published_article(slug)
    except NotFound:
        abort(404)
    return _render_article(found, CommentForm())


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
    refused = abuse.check_comment_form(
        honeypot=form.website.data or "", stamp=form.started.data, address=request.remote_addr or "",
        email=form.author_email.data,
    )
    if refused:
        form.form_errors.append(_REFUSAL_MESSAGES[refused.reason] % {"seconds": refused.retry_after})
        if refused.reason in _RATE_REFUSALS:
            return _render_article(found, form, 429, {"Retry-After": str(refused.retry_after)})
        return _render_article(found, form, 422)
    parent_id = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
    draft = comment_service.CommentDraft(
        article_id=found.id,
        author_name=form.author_name.data,
        author_email=form.author_email.data,
        body=form.body.data,
        address=shorten_address(request.remote_addr),
        parent_id=parent_id,
    )
    try:
        comment = comment_service.submit_comment(draft)
    except CommentsClosed:
        form.body.errors = [*form.body.errors, _("التعليقات مغلقة على هذا المقال.")]
        return _render_article(found, form, status=403)
    if "banned" in comment_service.screening_signals(comment):
        # Stored as rejected for the moderators; the reader is told why and keeps the text.
        form.form_errors.append(_("لا يمكنك التعليق على هذا الموقع حاليا: تم حظر عنوانك أو بريدك الإلكتروني."))
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
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure)
    return response


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
