"""Readers' conversation: threads and their pages, replies, reactions, own comments, permalinks, unsubscribe."""
from __future__ import annotations

from flask import (
    Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _

from ..extensions import csrf, limiter
from ..forms import CommentForm, CommentTextForm, EmptyForm, ReactionForm
from ..models import Article, Comment, CommentStatus, utcnow
from ..net import shorten_address
from ..notifications import notifications_on, read_unsubscribe_token, unsubscribe as stop_notifications
from ..pagecache import VARY_ARGS
from ..sanitize import clean_text
from ..security import may_change_own_comment
from ..services import comments as comment_service
from ..services import reactions as reaction_service
from ..services.articles import ShownArticle
from ..services.errors import Conflict, NotAllowed, NotFound, ReactionsDisabled
from ..services.retry import reads_only
from . import as_id, page_arg, wants_json
from .reader import (
    own_comment_ids, private, reader_id, remembered_details, set_reader_cookie,
)

bp = Blueprint("conversation", __name__)


def cursor_arg(name: str) -> int | None:
    """A keyset cursor in the query (`after` or `before`: a top-level comment's id), or None."""
    return as_id(request.args.get(name))


def order_arg() -> str:
    """The `order` query argument: oldest (default), newest or liked."""
    order = request.args.get("order", "")
    return order if order in comment_service.ORDERS else comment_service.DEFAULT_ORDER


def _order_param(order: str) -> str | None:
    return None if order == comment_service.DEFAULT_ORDER else order


def article_url(slug: str, args: comment_service.PageArgs = (), order: str = comment_service.DEFAULT_ORDER,
                anchor: str = "comments") -> str:
    """The article page showing one page of its threads (`args`: its query arguments), scrolled to `anchor`."""
    return url_for("public.article", slug=slug, **dict(args), order=_order_param(order), _anchor=anchor)


def new_comment_form() -> CommentForm:
    """A comment form, filled with the name and e-mail this browser asked us to remember."""
    form = CommentForm()
    details = remembered_details()
    if details and not form.is_submitted():
        form.author_name.data, form.author_email.data = details
        form.remember.data = True
    return form


def numbered_page_asked() -> tuple[str, int, int] | None:
    """The (order, page, size) of the numbered page of threads this request asks for, where such pages are read by
    their digest (comment_service.threads_read_by_digest); None otherwise, or for a page reached by keyset
    (`after` or `before`)."""
    if not comment_service.threads_read_by_digest() or cursor_arg("after") or cursor_arg("before"):
        return None
    return order_arg(), page_arg(), current_app.config["COMMENTS_PER_PAGE"]


def thread_context(article: Article, page: int, order: str,
                   digest: comment_service.ThreadsDigest | None = None) -> dict:
    """What the comment thread templates need: one page of threads, this reader's own comments and reactions.
    `digest`: a page's digest read with the article (published_threads)."""
    config = current_app.config
    thread = comment_service.published_threads(article, page, config["COMMENTS_PER_PAGE"], order,
                                                after=cursor_arg("after"), before=cursor_arg("before"),
                                                page_digest=digest)
    own_ids = own_comment_ids()
    own = comment_service.own_pending_comments(article, own_ids)
    shown_roots = thread.root_ids
    own_by_root: dict[int, list[Comment]] = {}
    own_loose = []
    for comment in own:
        if comment.root_id in shown_roots:
            own_by_root.setdefault(comment.root_id, []).append(comment)
        else:
            own_loose.append(comment)
    answered = comment_service.names_answered(own)
    mentions = {**thread.mentions, **answered} if answered else thread.mentions
    now, window = utcnow(), config["COMMENT_EDIT_MINUTES"]
    editable = (
        {c.id for c in (*thread.comments, *own) if may_change_own_comment(c, own_ids, now, window)} if own_ids else set()
    )
    return {
        "thread": thread,
        "order": order,
        "orders": comment_service.ORDERS,
        "own_by_root": own_by_root,
        "own_loose": own_loose,
        "mentions": mentions,
        "editable": editable,
        "reactions": reaction_service.readers_reactions(thread.comment_ids, reader_id()),
        "dislikes_enabled": config["REACTIONS_DISLIKE_ENABLED"],
        "personal": bool(own_ids),
    }


def _personal(response, context: dict):
    if context["personal"] or remembered_details() or request.method == "POST":
        private(response)
    return response


def _article_page(article: Article, form: CommentForm | None,
                  digest: comment_service.ThreadsDigest | None = None) -> tuple[str, dict]:
    context = thread_context(article, page_arg(), order_arg(), digest)
    return render_template("public/article.html", article=article, form=form, **context), context


def article_html(article: ShownArticle) -> str:
    """The article page's HTML alone, as every reader gets it, for the page cache (which makes each response).

    Its comment form is the blank one, kept once rendered (comment_form_block in blog/pagecache.py).
    """
    return _article_page(article, None, article.threads_digest)[0]


def render_article(article: Article, form: CommentForm, status: int = 200):
    """The article page with one page of its threads and the comment form."""
    html, context = _article_page(article, form)
    return _personal(make_response(html, status), context)


def render_reply_page(article: Article, parent_id: int, form: CommentForm, status: int = 200):
    """The page that answers one published comment (the reply form without JavaScript)."""
    try:
        parent = comment_service.get_comment(parent_id)
    except NotFound:
        parent = None
    if parent is None or parent.article_id != article.id:
        if status == 200:
            abort(404)
        # The comment answered vanished while the reader typed: keep their text on the article page.
        form.parent_id.data = ""
        return render_article(article, form, status)
    if not article.comments_open:
        abort(403)
    form.parent_id.data = str(parent.id)
    html = render_template("public/reply.html", article=article, parent=parent, form=form)
    return private(make_response(html, status))


def after_post_url(comment: Comment) -> str:
    """Where a reader lands after posting or editing a comment: the page that shows it."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    anchor = f"comment-{comment.id}"
    target = comment.id if comment.status is CommentStatus.PUBLISHED else comment.root_id
    article = comment.article
    if target:
        try:
            found = comment_service.comment_location(target, per_page)
        except NotFound:
            return article_url(article.slug, anchor=anchor)
        return article_url(found.slug, found.args, anchor=anchor)
    return article_url(article.slug, anchor=anchor)


def _published_article(slug: str) -> Article:
    try:
        return comment_service.published_article(slug)
    except NotFound:
        abort(404)


# Sent by static/js/comments.js when it asks for a page of threads to append in place.
FRAGMENT_HEADER = "X-Majlis-Fragment"


@bp.get("/articles/<slug>/comments")
@reads_only
def thread_page(slug: str):
    """One page of threads as an HTML fragment (what "more comments" appends in place).

    Only the page's script asks for the fragment; a browser that opens this address (a bookmark, a link shared,
    the language switch going back after a comment form sent back here) gets the article page at that page of
    its threads, not a bare list without the site around it.
    """
    if not request.headers.get(FRAGMENT_HEADER):
        args = {name: request.args[name] for name in VARY_ARGS if name in request.args}  # what chooses the page
        response = redirect(url_for("public.article", slug=slug, **args, _anchor="comments"))
    else:
        article = _published_article(slug)
        context = thread_context(article, page_arg(), order_arg())
        response = _personal(make_response(render_template("public/_thread_page.html", article=article, **context)),
                             context)
    response.vary.add(FRAGMENT_HEADER)
    return response


@bp.get("/articles/<slug>/comments/<int:comment_id>/reply")
@reads_only
def reply(slug: str, comment_id: int):
    """Answer a published comment on a page of its own."""
    article = _published_article(slug)
    return render_reply_page(article, comment_id, new_comment_form())


@bp.get("/comments/<int:comment_id>")
@reads_only
def permalink(comment_id: int):
    """A comment's permanent address: redirect to the page and anchor that show it."""
    order = order_arg()
    try:
        found = comment_service.comment_location(comment_id, current_app.config["COMMENTS_PER_PAGE"], order)
    except NotFound:
        own = _own_pending(comment_id)
        if own is None:
            abort(404)
        return redirect(after_post_url(own))
    return redirect(article_url(found.slug, found.args, order, anchor=f"comment-{found.comment_id}"))


def _own_pending(comment_id: int) -> Comment | None:
    if comment_id not in own_comment_ids():
        return None
    try:
        return comment_service.get_comment(comment_id, CommentStatus.PENDING)
    except NotFound:
        return None


@bp.post("/comments/<int:comment_id>/reaction")
@limiter.limit(lambda: current_app.config["REACTION_RATE_LIMIT"])
def react(comment_id: int):
    """Like, dislike or take back a reaction: JSON counts for scripts, else back to the comment."""
    form = ReactionForm()
    if not form.validate_on_submit():
        abort(400)
    ident = reader_id(create=True)
    try:
        result = reaction_service.react(
            comment_id, ident, reaction_service.VALUES[form.value.data], shorten_address(request.remote_addr)
        )
    except NotFound:
        if wants_json():  # withdrawn, rejected or hidden since the page was drawn: said under the buttons
            return jsonify(error=_("لم يعد هذا التعليق منشورا.")), 404
        abort(404)
    except ReactionsDisabled:
        abort(400)
    if wants_json():
        response = jsonify(comment=result.comment_id, likes=result.likes, dislikes=result.dislikes, mine=result.mine)
    else:
        response = redirect(url_for("conversation.permalink", comment_id=comment_id), code=303)
    set_reader_cookie(response, ident)
    return response


@bp.errorhandler(429)
def too_many(error):
    """Flood of reactions from one address: a clear answer, not a stack trace."""
    message = _("طلبات كثيرة في وقت قصير. انتظر قليلا ثم أعد المحاولة.")
    if wants_json():
        return jsonify(error=message), 429
    return render_template("public/notice.html", title=_("مهلا"), message=message), 429


def _own_or_refuse(comment_id: int, sent: str | None = None) -> Comment:
    """The reader's own comment while they may change it; else a 403 page saying why, with the text they `sent`
    (an edit sent after its window closed) shown back to keep."""
    try:
        return comment_service.own_comment(comment_id, own_comment_ids())
    except NotAllowed:
        abort(make_response(render_template(
            "public/notice.html", title=_("لا يمكن تعديل هذا التعليق"),
            message=_("يمكنك تعديل تعليقك أو سحبه من هذا المتصفح ما دام في انتظار المراجعة، أو خلال %(n)d دقيقة بعد نشره.",
                      n=current_app.config["COMMENT_EDIT_MINUTES"]),
            kept=clean_text(sent or "").strip(),
        ), 403))


def _render_edit(comment: Comment, form: CommentTextForm, status: int = 200):
    html = render_template("public/edit_comment.html", comment=comment, article=comment.article, form=form,
                           withdraw_form=EmptyForm(), window=current_app.config["COMMENT_EDIT_MINUTES"])
    return private(make_response(html, status))


@bp.get("/comments/<int:comment_id>/edit")
def edit_form(comment_id: int):
    """The reader's own comment in a form, while it may still change."""
    comment = _own_or_refuse(comment_id)
    return _render_edit(comment, CommentTextForm(body=comment.body))


@bp.post("/comments/<int:comment_id>/edit")
def edit(comment_id: int):
    """Save the new text of the reader's own comment; it is screened again."""
    comment = _own_or_refuse(comment_id, request.form.get("body"))
    form = CommentTextForm()
    if not form.validate_on_submit():
        return _render_edit(comment, form, 422)
    try:
        comment = comment_service.edit_own_comment(comment_id, form.body.data, own_comment_ids())
    except NotAllowed:
        return _own_or_refuse(comment_id, form.body.data)
    except Conflict:
        flash(_("تغيّر تعليقك في الأثناء (قرار مشرف). راجعه وأعد المحاولة."), "warning")
        return redirect(url_for("conversation.permalink", comment_id=comment_id), code=303)
    messages = {
        CommentStatus.PUBLISHED: _("حُفظ التعديل."),
        CommentStatus.PENDING: _("حُفظ التعديل، وسيُراجَع تعليقك قبل نشره."),
    }
    flash(messages.get(comment.status, _("حُفظ التعديل، لكن النص الجديد لا يوافق شروط النشر فلن يُنشر.")))
    return redirect(after_post_url(comment), code=303)


@bp.post("/comments/<int:comment_id>/withdraw")
def withdraw(comment_id: int):
    """Take the reader's own comment back."""
    comment = _own_or_refuse(comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    slug = comment.article.slug
    if request.form.get("confirm") != "y":  # the box that says it is for good (the page's form requires it)
        flash(_("لم يُسحب تعليقك: أشر على «نعم، أريد سحب تعليقي نهائيا» ثم اضغط «اسحب تعليقي»."), "warning")
        return redirect(url_for("conversation.edit_form", comment_id=comment_id), code=303)
    try:
        comment_service.withdraw_own_comment(comment_id, own_comment_ids())
    except NotAllowed:
        return _own_or_refuse(comment_id)
    except Conflict:
        flash(_("تغيّر تعليقك في الأثناء (قرار مشرف). راجعه وأعد المحاولة."), "warning")
        return redirect(article_url(slug), code=303)
    flash(_("سُحب تعليقك."))
    return redirect(article_url(slug), code=303)


def _unsubscribe_target(token: str) -> int:
    comment_id = read_unsubscribe_token(token)
    if comment_id is None:
        abort(make_response(render_template(
            "public/notice.html", title=_("رابط غير صالح"), message=_("رابط إلغاء الاشتراك هذا غير صالح."),
        ), 400))
    return comment_id


def _already_unsubscribed():
    """The notice of a link whose e-mails are already stopped (opened again, or a second one-click POST)."""
    return render_template(
        "public/notice.html", title=_("الاشتراك ملغى من قبل"),
        message=_("لم تعد تصلك رسائل عن هذا التعليق: أُلغي الاشتراك من قبل."),
    )


@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe_form(token: str):
    """Ask before stopping (link scanners open links; only the button stops the e-mail); a link opened again once
    they are stopped says so, without a button."""
    if not notifications_on(_unsubscribe_target(token)):
        return _already_unsubscribed()
    return render_template("public/unsubscribe.html", token=token)


@bp.post("/notifications/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """Stop the e-mail about one comment: one click (RFC 8058), authorized by the signed token alone."""
    if not stop_notifications(_unsubscribe_target(token)):
        return _already_unsubscribed()
    return render_template(
        "public/notice.html", title=_("أُلغي الاشتراك"), message=_("لن تصلك رسائل أخرى عن هذا التعليق."),
    )
