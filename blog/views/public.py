"""Readers' pages: the front page, articles and the comment form."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (
    Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import LANGUAGE_COOKIE, abuse, pagecache, select_language
from ..extensions import csrf, limiter
from ..forms import RULE_CHOICES, CommentForm, ReportForm
from ..models import Article, ArticleStatus, CommentStatus, utcnow
from ..moderation.types import Rule
from ..net import shorten_address
from ..sanitize import OWN_UPLOAD_RE
from ..services import articles as article_service
from ..services import comments as comment_service
from ..services import reports as report_service
from ..services.errors import CommentsClosed, Moved, NotFound, ReplyTargetGone
from ..services.retry import reads_only
from ..services.uploads import upload_folder
from . import conversation, page_arg, same_site, with_lang, with_page_language
from .reader import own_comment_ids, reader_id, remember_own_comment, remembered_details, store_details

bp = Blueprint("public", __name__)
NEVER = datetime.max.replace(tzinfo=timezone.utc)
bp.add_app_template_global(RULE_CHOICES, "report_rule_choices")


@bp.before_app_request
def _publish_due_articles():
    """Before any write, scheduled articles whose time has come become published (no cron needed).

    Reads need no write: they select with Article.live(), which counts those articles as published.
    """
    if request.method == "POST" and _scheduled_article_due():
        article_service.publish_due()


def _scheduled_article_due() -> bool:
    """Whether a scheduled article's time has come; the next such time is kept per process until an
    article is saved (the desk's saves and publish_due itself change the articles' version)."""
    memo = current_app.extensions["majlis_next_scheduled"]
    next_at = memo.get(pagecache.article_version(pagecache.ALL_ARTICLES),
                       lambda: article_service.next_scheduled_at() or NEVER)
    return next_at <= utcnow()


def _per_page() -> int:
    return current_app.config["ARTICLES_PER_PAGE"]


@bp.get("/")
@reads_only
def index():
    """The latest published articles."""
    return render_template("public/index.html", listing=_existing(article_service.latest(page_arg(), _per_page())))


def _existing(listing):
    """A listing's page, or a 404 for a page past its end (an old link): not an empty page that says nothing
    has been published, or found."""
    if listing.page.page > 1 and not listing.page.items:
        abort(404)
    return listing


def _listing_of(find, slug: str):
    try:
        listing = find(slug, page_arg(), _per_page())
    except NotFound:
        abort(404)
    return render_template("public/index.html", listing=_existing(listing))


@bp.get("/category/<slug>")
@reads_only
def category(slug: str):
    """The published articles of a category."""
    return _listing_of(article_service.in_category, slug)


@bp.get("/tag/<slug>")
@reads_only
def tag(slug: str):
    """The published articles carrying a tag."""
    return _listing_of(article_service.with_tag, slug)


@bp.get("/search")
@reads_only
def search():
    """Search the published articles; hamza forms and diacritics do not matter."""
    query = request.args.get("q", "").strip()[:200]
    listing = article_service.search(query, page_arg(), _per_page())  # past its end: its last page
    return render_template("public/search.html", listing=listing, query=query, site_search=query)


def _render_article(article: Article, form: CommentForm, status: int = 200):
    return conversation.render_article(article, form, status)


# What a reader is told when the form is refused before screening (blog/abuse.py).
_REFUSAL_MESSAGES = {
    abuse.Refusal.HONEYPOT: _l("لم يُقبل التعليق: ملئ حقل مخفي لا يملؤه إلا برنامج آلي. أعد الإرسال دون ملئه."),
    abuse.Refusal.TOO_FAST: _l("أُرسل النموذج بسرعة كبيرة. انتظر بضع ثوان ثم أعد الإرسال، ونصك محفوظ."),
    abuse.Refusal.STALE_FORM: _l("انتهت صلاحية النموذج. أعد الإرسال، ونصك محفوظ."),
    abuse.Refusal.ADDRESS_RATE: _l("أُرسلت تعليقات كثيرة من عنوانك في وقت قصير."),
    abuse.Refusal.EMAIL_RATE: _l("أرسلت تعليقات كثيرة في وقت قصير."),
}
_RATE_REFUSALS = {abuse.Refusal.ADDRESS_RATE, abuse.Refusal.EMAIL_RATE}


def _live_or_404(slug: str, threads: tuple[str, int, int] | None = None) -> article_service.ShownArticle:
    """The live article with this slug (a scheduled one whose time has come is published now); `threads` as
    article_service.live_article takes it."""
    try:
        found = article_service.live_article(slug, threads)
    except Moved as moved:
        abort(redirect(url_for("public.article", slug=moved.slug), code=301))
    except NotFound:
        abort(404)
    if found.status is ArticleStatus.SCHEDULED:
        article_service.publish_due()  # its time has come: store it as published for every other route
    return found


def shared_article_page(slug: str) -> tuple[str, int]:
    """The article page as every reader gets it, for the page cache: its HTML and the article's id (a 404 for no
    live article, a redirect for a former slug). The view and the page front (blog/pagefront.py) both render it."""
    found = _live_or_404(slug, conversation.numbered_page_asked())
    return conversation.article_html(found), found.id


@bp.get("/articles/<slug>")
def article(slug: str):
    """An article with its published threads and the comment form (through the page cache); a former slug redirects."""
    return pagecache.cached_article_page(
        slug, select_language(), lambda: shared_article_page(slug),
        lambda: _render_article(_live_or_404(slug), conversation.new_comment_form()),
        personal=bool(own_comment_ids() or remembered_details() or reader_id()),
    )


@bp.app_template_global("article_neighbours")
def article_neighbours(article: Article) -> article_service.Neighbours:
    """The published articles before and after this one (for the article page's links), kept per process."""
    memo = current_app.extensions["majlis_neighbours"]
    return memo.get(pagecache.article_set_memo_key(article.id), lambda: article_service.neighbours(article))


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
    refused = abuse.check_comment_form(
        honeypot=form.website.data or "", stamp=form.started.data, address=request.remote_addr or "",
        email=form.author_email.data,
    )
    if refused:
        message = str(_REFUSAL_MESSAGES[refused.reason])
        if refused.reason in _RATE_REFUSALS:  # the wait, its noun agreeing with its number (Arabic has six forms)
            message += " " + ngettext("أعد المحاولة بعد %(num)d ثانية.", "أعد المحاولة بعد %(num)d ثوان.",
                                      refused.retry_after)
        form.form_errors.append(message)
        if abuse.fresh_stamp_needed(form.started.data):
            form.started.data = abuse.form_stamp()
        response = again(429 if refused.reason in _RATE_REFUSALS else 422)
        if refused.reason in _RATE_REFUSALS:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    draft = comment_service.CommentDraft(
        article_id=found.id,
        author_name=form.author_name.data,
        author_email=form.author_email.data,
        body=form.body.data,
        address=shorten_address(request.remote_addr),
        parent_id=parent_id,
        form_token=form.form_token.data or "",
        notify=bool(form.notify.data),
        lang=select_language(),
    )
    earlier = comment_service.sent_before(draft, own_comment_ids())
    if earlier is not None:  # the same text sent again, say from the page the back button brought back
        flash(_("وصل تعليقك هذا من قبل، فلم يُرسل مرة ثانية."), "warning")
        return redirect(with_page_language(conversation.after_post_url(earlier)), code=303)
    try:
        comment = comment_service.submit_comment(draft)
    except CommentsClosed:
        form.body.errors = [*form.body.errors, _("التعليقات مغلقة على هذا المقال.")]
        return _render_article(found, form, status=403)
    except ReplyTargetGone:
        form.parent_id.data = ""
        form.body.errors = [*form.body.errors, _("التعليق الذي ترد عليه لم يعد متاحا. يمكنك نشر نصك تعليقا جديدا.")]
        return _render_article(found, form, status=422)
    if "banned" in comment_service.screening_signals(comment):
        # Stored as rejected for the moderators; the reader is told why and keeps the text.
        form.form_errors.append(_("لا يمكنك التعليق على هذا الموقع حاليا: تم حظر عنوانك أو بريدك الإلكتروني."))
        return again(403)
    remember_own_comment(comment.id)
    if comment.status is CommentStatus.PUBLISHED:  # a pending one says so on the page, under its text
        flash(_("نُشر تعليقك."), "success")
    response = redirect(with_page_language(conversation.after_post_url(comment)), code=303)
    store_details(response, draft.author_name, draft.author_email, bool(form.remember.data))
    return response


@bp.get("/comments/<int:comment_id>/report")
def report_form(comment_id: int):
    """The report form of one published comment (the page behind the report link when scripts are off)."""
    try:
        comment = comment_service.get_comment(comment_id)
    except NotFound:
        abort(404)
    return render_template("public/report.html", comment=comment, article=comment.article)


@bp.post("/comments/<int:comment_id>/report")
@limiter.limit(lambda: current_app.config["REPORT_RATE_LIMIT"])
def report_comment(comment_id: int):
    """A reader reports a published comment for a rule; enough reports send it back to the queue."""
    form = ReportForm()
    if not form.validate_on_submit():
        if form.csrf_token.data and not request.form.get("rule"):  # none chosen (a browser that lets it through)
            flash(_("اختر المخالفة."), "warning")
            return redirect(url_for("public.report_form", comment_id=comment_id), code=303)
        abort(400)
    try:
        outcome = report_service.report_comment(comment_id, Rule(form.rule.data), shorten_address(request.remote_addr))
    except NotFound:
        abort(404)
    flash(_("شكرا، وصل بلاغك وسيراجعه المشرفون.") if outcome.counted else _("سبق أن وصلنا بلاغ عن هذا التعليق منك أو من شبكتك، وكل شبكة تُحسب مرة واحدة. شكرا."),
          "success" if outcome.counted else "warning")
    anchor = "comments" if outcome.sent_back and outcome.comment.status.value != "published" else f"comment-{comment_id}"
    return redirect(url_for("public.article", slug=outcome.comment.article.slug, _anchor=anchor), code=303)


@bp.post("/language")
@csrf.exempt
def set_language():
    """Remember the reader's interface language in a cookie and go back (a POST: no crawler sets it).

    No CSRF token: another site could at most choose a reader's interface language, whereas a token made the switch
    fail on every page shared without one (a proxy's copy) or opened before the session ended."""
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    # Back to the page, without its `?lang=`, which would outrank the language just chosen.
    target = with_lang(request.referrer, None) if same_site(request.referrer) else url_for("public.index")
    response = redirect(target)
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure)
    return response


@bp.get("/uploads/<name>")
def upload(name: str):
    """An image uploaded by an editor."""
    if not OWN_UPLOAD_RE.match("/uploads/" + name):
        abort(404)
    response = send_from_directory(upload_folder(), name, max_age=365 * 24 * 3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def _xml(template: str, mimetype: str, **context):
    response = make_response(render_template(template, **context))
    response.mimetype = mimetype
    return response


@bp.get("/feed.atom")
@reads_only
def feed():
    """The Atom feed of the latest articles."""
    listing = article_service.feed(None, current_app.config["FEED_SIZE"])
    return _xml("public/feed.xml", "application/atom+xml", listing=listing,
                self_url=url_for("public.feed", _external=True))


@bp.get("/category/<slug>/feed.atom")
@reads_only
def category_feed(slug: str):
    """The Atom feed of one category."""
    try:
        listing = article_service.feed(slug, current_app.config["FEED_SIZE"])
    except NotFound:
        abort(404)
    return _xml("public/feed.xml", "application/atom+xml", listing=listing,
                self_url=url_for("public.category_feed", slug=slug, _external=True))


@bp.get("/sitemap.xml")
@reads_only
def sitemap():
    """Every published article and category, for search engines."""
    articles, categories = article_service.sitemap()
    # The front page changes when an article it lists is published or edited: its latest such moment.
    shown = articles[:_per_page()]
    front_changed = max((moment for a in shown for moment in (a.published_at, a.updated_at) if moment), default=None)
    return _xml("public/sitemap.xml", "application/xml", articles=articles, categories=categories,
                front_changed=front_changed)


@bp.get("/robots.txt")
def robots():
    """Keep crawlers out of the staff pages and point them at the sitemap."""
    lines = ["User-agent: *"] + [f"Disallow: {p}/" for p in ("/desk", "/admin", "/moderation", "/auth")]
    lines.append("Sitemap: " + url_for("public.sitemap", _external=True))
    response = make_response("\n".join(lines) + "\n")
    response.mimetype = "text/plain"
    return response
