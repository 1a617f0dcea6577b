"""The moderators' workbench: queues, a thread view, decisions, bans, the audit trail and the dashboard."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..forms import RULE_CHOICES, BanForm, BulkForm, DecisionForm, EditForm, RejectForm
from ..models import ActionKind, Article, Comment
from ..moderation.types import Rule
from ..sanitize import highlight_hits
from ..security import moderator_required
from ..services import bans as ban_service
from ..services import dashboard as dashboard_service
from ..services import moderation as moderation_service
from ..services import queue as queue_service
from ..services.errors import Conflict, InvalidTransition, NotFound
from . import as_id, page_arg, sent_by_fetch, site_time_to_utc

bp = Blueprint("moderator", __name__, url_prefix="/moderation")

STATUS_LABELS = {
    "pending": _l("في الانتظار"), "published": _l("منشور"), "rejected": _l("مرفوض"), "spam": _l("رسالة مزعجة"),
    "withdrawn": _l("سحبه صاحبه"),
}
ACTION_LABELS = {
    "screen": _l("الفرز الآلي"), "approve": _l("قبول"), "reject": _l("رفض"), "spam": _l("مزعج"), "undo": _l("تراجع"),
    "edit": _l("تعديل"), "report": _l("بلاغات القراء"), "keep": _l("إبقاء بعد البلاغات"),
    "withdraw": _l("سحب صاحبه"),
}


@bp.before_request
@moderator_required
def _only_moderators():
    """Every route of this blueprint is for moderators (and admins)."""


@bp.context_processor
def _workbench_globals():
    return {"queue_counts": queue_service.queue_counts(), "queues": queue_service.QUEUES,
            "rule_labels": dict(RULE_CHOICES), "status_label": _status_label,
            "action_label": _action_label, "undone_by": moderation_service.undone_by, "waited": _waited}


@bp.app_template_filter("highlight")
def _highlight(text: str, hits: list, labels: dict | None = None):
    return highlight_hits(text, hits, labels)


@bp.app_template_filter("dictsum")
def _dictsum(values: dict) -> float:
    return sum(values.values())


@bp.app_template_filter("multiply")
def _multiply(value: float, factor: float) -> float:
    return value * factor


@bp.app_template_filter("reject_keys")
def _reject_keys(args: dict, *keys: str) -> dict:
    return {k: v for k, v in args.items() if k not in keys}


def _waited(since: datetime, now: datetime) -> str:
    return format_timedelta(now - since, threshold=1.1)


def _status_label(status: str) -> str:
    return str(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def _action_label(action: str) -> str:
    return str(ACTION_LABELS[action]) if action in ACTION_LABELS else action


# --- reading ---------------------------------------------------------------------------------------

def _int_arg(name: str) -> int | None:
    return as_id(request.args.get(name))


def _date_arg(name: str, end: bool = False) -> datetime | None:
    """The filter's day (`?since=2026-05-03`) as the UTC moment it starts (or, with `end`, the next day's start);
    a value that is no day is not applied, and the page says so."""
    given = request.args.get(name, "").strip()
    try:
        day = datetime.strptime(given, "%Y-%m-%d").date()
    except ValueError:
        if given:
            # Both left to right (isolated): in an Arabic sentence "2026-05-03" would read "03-05-2026".
            flash(_("التاريخ «%(value)s» غير صالح، فلم يُطبّق. اكتبه هكذا: %(example)s.",
                    value=f"\u2066{given[:40]}\u2069", example="\u20662026-05-03\u2069"), "warning")
        return None
    try:  # the site's day (BABEL_DEFAULT_TIMEZONE), as the pages show every moment
        return site_time_to_utc(datetime.combine(day + timedelta(days=1) if end else day, time.min))
    except OverflowError:
        return None  # the ends of the calendar: no bound


def _queue_query(queue: str) -> queue_service.QueueQuery:
    rule = request.args.get("rule", "")
    order = request.args.get("order", "risk")
    return queue_service.QueueQuery(
        queue=queue,
        order=order if order in queue_service.ORDERS else "risk",
        article_id=_int_arg("article"),
        rule=rule if rule in {r.value for r in Rule} else "",
        author=request.args.get("author", "").strip()[:254],
        since=_date_arg("since"),
        until=_date_arg("until", end=True),
        search=request.args.get("q", "").strip()[:200],
    )


def _forms() -> dict:
    return {"decision_form": DecisionForm(), "reject_form": RejectForm(), "bulk_form": BulkForm(),
            "ban_form": BanForm()}


def _cards(comments: list[Comment]) -> dict:
    """What the comment cards of a page show besides each comment: its author's record, the rules readers named
    in its reports, the time now, and the decision forms."""
    return {"histories": queue_service.author_histories(comments), "reports": queue_service.reports_of(comments),
            "now": datetime.now(timezone.utc), **_forms()}


@bp.get("/")
@bp.get("/queue/<queue>")
def queue(queue: str = "pending"):
    """A queue of comments with their screening verdicts, filters and keyset pages."""
    if queue not in queue_service.QUEUES:
        abort(404)
    query = _queue_query(queue)
    page = queue_service.queue_page(query, request.args.get("after"), current_app.config["QUEUE_PER_PAGE"])
    articles = db.session.execute(db.select(Article.id, Article.title).order_by(Article.id.desc()).limit(200)).all()
    return render_template(
        "moderator/queue.html", page=page, query=query, articles=articles, **_cards(page.items),
    )


@bp.get("/articles/<int:article_id>")
def thread(article_id: int):
    """An article's whole thread, every status, to moderate in context, a page at a time (`around`: the page of
    that comment)."""
    article = db.session.get(Article, article_id)
    if article is None:
        abort(404)
    per_page = current_app.config["THREAD_PER_PAGE"]
    around = db.session.get(Comment, _int_arg("around") or 0)  # a card's link: the page that shows its comment
    if around is not None and around.article_id == article_id:
        page = queue_service.thread_page_of(around, per_page)
    else:
        page = page_arg()
    shown = queue_service.article_thread(article_id, page, per_page)
    return render_template(
        "moderator/thread.html", article=article, comments=shown.items, thread=shown, **_cards(shown.items),
    )


@bp.get("/comments/<int:comment_id>")
def comment(comment_id: int):
    """One comment with its full audit history and the edit form."""
    found = db.session.get(Comment, comment_id)
    if found is None:
        abort(404)
    form = EditForm(data={"body": found.body, "version": found.version})
    return _render_comment(found, form)


def _render_comment(found: Comment, form: EditForm, status: int = 200):
    return render_template(
        "moderator/comment.html", comment=found, edit_form=form, history=queue_service.comment_history(found.id),
        **_cards([found]),
    ), status


# --- deciding --------------------------------------------------------------------------------------

def _back():
    target = request.form.get("next", "")
    if not (target.startswith("/moderation/") and "//" not in target and "\\" not in target):
        target = url_for("moderator.queue")
    return redirect(target, code=303)


def _answer(ok: bool, message: str, comment: Comment | None = None, code: int = 200):
    """A JSON answer for fetch() callers, or a flash and a redirect (POST/redirect/GET) for plain forms."""
    if sent_by_fetch():
        body = {"ok": ok, "message": message, "counts": queue_service.queue_counts()}
        if comment is not None:
            body.update(_card_state(comment))
        return jsonify(body), code
    flash(message, "success" if ok else "warning")
    return _back()


def _card_state(comment: Comment) -> dict:
    """What the workbench's script changes on a comment's card after a decision."""
    return {"id": comment.id, "status": comment.status.value, "version": comment.version,
            "status_label": _status_label(comment.status.value)}


def _seen_version(form) -> int | None:
    return as_id(form.version.data)


def _conflict_message(conflict: Conflict) -> str:
    if conflict.actor_id is not None and conflict.actor_id == current_user.id:  # a second click, or another tab
        return _("قررت في هذا التعليق من قبل: %(status)s.", status=_status_label(conflict.status))
    return _("سبقك %(name)s إلى هذا التعليق: %(status)s.", name=conflict.actor_name,
             status=_status_label(conflict.status))


def _run(call):
    """Run a decision; map the service's errors to a message and a status code."""
    try:
        comment = call()
    except NotFound:
        abort(404)
    except Conflict as conflict:
        return _answer(False, _conflict_message(conflict), db.session.get(Comment, request.view_args["comment_id"]),
                       409)
    except InvalidTransition:
        db.session.rollback()
        return _answer(False, _("لا ينطبق هذا القرار على حالة التعليق الحالية."), None, 409)
    return _recorded(comment)


def _recorded(comment: Comment):
    return _answer(True, _("تم تسجيل القرار."), comment)


def _decide(comment_id: int, action: ActionKind, form, rule: Rule | None = None, note: str = ""):
    decision = moderation_service.Decision(comment_id, action, _seen_version(form), rule, note)
    return _run(lambda: moderation_service.decide(decision, current_user))


@bp.post("/comments/<int:comment_id>/approve")
def approve(comment_id: int):
    """Publish a comment (or keep a reported one published)."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(comment_id, ActionKind.APPROVE, form)


@bp.post("/comments/<int:comment_id>/reject")
def reject(comment_id: int):
    """Reject a comment for a named rule, with an optional note."""
    form = RejectForm()
    if not form.validate_on_submit():
        return _answer(False, _("اختر القاعدة التي يخالفها التعليق."), None, 422)
    return _decide(comment_id, ActionKind.REJECT, form, Rule(form.rule.data), (form.note.data or "").strip())


@bp.post("/comments/<int:comment_id>/spam")
def spam(comment_id: int):
    """Mark a comment as spam."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(comment_id, ActionKind.SPAM, form, Rule.SPAM)


@bp.post("/comments/<int:comment_id>/undo")
def undo(comment_id: int):
    """Undo the comment's last decision."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(lambda: moderation_service.undo_last(comment_id, _seen_version(form), current_user))


@bp.post("/comments/<int:comment_id>/edit")
def edit(comment_id: int):
    """Correct a comment's text; the original stays in the audit trail."""
    found = db.session.get(Comment, comment_id)
    if found is None:
        abort(404)
    form = EditForm()
    if not form.validate_on_submit():
        return _render_comment(found, form, 422)
    try:
        comment = moderation_service.edit_comment(
            comment_id, _seen_version(form), form.body.data, (form.note.data or "").strip(), current_user)
    except NotFound:
        abort(404)
    except Conflict as conflict:
        # Another moderator acted since the page was drawn: their change stays, and this moderator's text comes
        # back in the form (the page shows the comment as it is now) to compare and save again.
        db.session.rollback()
        form.body.errors = [*form.body.errors, _conflict_message(conflict), _(
            "نصك محفوظ أدناه ولم يُسجَّل بعد: قارنه بالتعليق كما هو الآن ثم احفظ من جديد.")]
        return _render_comment(db.session.get(Comment, comment_id), form, 409)
    except InvalidTransition:  # the same text as stored: nothing to record
        db.session.rollback()
        form.body.errors = [*form.body.errors, _("لم يتغير النص: لا شيء لحفظه.")]
        return _render_comment(db.session.get(Comment, comment_id), form, 422)
    return _recorded(comment)


def _bulk(action: ActionKind):
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    rule = {ActionKind.APPROVE: None, ActionKind.SPAM: Rule.SPAM}.get(
        action, Rule(form.rule.data) if form.rule.data in {r.value for r in Rule} else None)
    if action is ActionKind.REJECT and rule is None:
        return _answer(False, _("اختر القاعدة التي يخالفها التعليق."), None, 422)
    if form.author.data:
        targets = moderation_service.pending_from_author(form.author.data)
    else:
        chosen = {}  # each comment once, however often its box was sent
        for value in request.form.getlist("ids"):
            ident, _sep, version = value.partition(":")
            if (comment_id := as_id(ident)) is not None:
                chosen.setdefault(comment_id, as_id(version))
        targets = list(chosen.items())
    if not targets:
        return _answer(False, _("لم تختر أي تعليق."), None, 422)
    decisions = [moderation_service.Decision(i, action, v, rule) for i, v in targets]
    result = moderation_service.decide_many(decisions, current_user)
    message = ngettext("طُبق القرار على %(num)d تعليق، وتُرك %(skipped)d.", "طُبق القرار على %(num)d تعليقات، وتُرك %(skipped)d.",
                       len(result.decided), skipped=len(result.skipped))
    if sent_by_fetch():
        return jsonify({"ok": bool(result.decided), "message": message, "decided": result.decided,
                        "cards": [_card_state(comment) for comment in result.comments],
                        "skipped": [i for i, _why in result.skipped], "counts": queue_service.queue_counts()})
    flash(message, "success" if result.decided else "warning")
    return _back()


@bp.post("/bulk/approve")
def bulk_approve():
    """Approve the selected comments (or every pending one of an author)."""
    return _bulk(ActionKind.APPROVE)


@bp.post("/bulk/reject")
def bulk_reject():
    """Reject the selected comments for one rule."""
    return _bulk(ActionKind.REJECT)


@bp.post("/bulk/spam")
def bulk_spam():
    """Mark the selected comments as spam."""
    return _bulk(ActionKind.SPAM)


# --- bans ------------------------------------------------------------------------------------------

@bp.get("/bans")
def bans():
    """Bans in force and past, and the form to add one."""
    form = BanForm(data={"email": request.args.get("email", "")[:254], "address": request.args.get("address", "")[:64]})
    return _bans_page(form)


def _bans_page(form: BanForm, status: int = 200):
    shown = ban_service.bans(page_arg(), current_app.config["BANS_PER_PAGE"])
    return render_template("moderator/bans.html", bans=shown, form=form, now=datetime.now(timezone.utc),
                           decision_form=DecisionForm()), status


@bp.post("/bans")
def add_ban():
    """Ban an e-mail and/or address for a period or for good."""
    form = BanForm()
    if not form.validate_on_submit():
        return _bans_page(form, 422)
    until = None if form.duration.data == "forever" else datetime.now(timezone.utc) + timedelta(
        days=int(form.duration.data))
    try:
        ban_service.ban(ban_service.BanRequest(form.email.data or "", form.address.data or "", until,
                                               form.reason.data), current_user)
    except InvalidTransition:
        return _answer(False, _("أدخل البريد الإلكتروني أو العنوان أو كليهما."), None, 422)
    return _answer(True, _("تم الحظر."))


@bp.post("/bans/<int:ban_id>/lift")
def lift_ban(ban_id: int):
    """Lift a ban."""
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        ban_service.lift(ban_id, current_user)
    except NotFound:
        abort(404)
    except InvalidTransition:
        return _answer(False, _("رُفع هذا الحظر من قبل."), None, 409)
    return _answer(True, _("رُفع الحظر."))


# --- audit and dashboard ---------------------------------------------------------------------------

@bp.get("/audit")
def audit():
    """Every decision, newest first, filtered by moderator, action, rule, comment and date."""
    action = request.args.get("action", "")
    rule = request.args.get("rule", "")
    query = queue_service.AuditQuery(
        actor_id=_int_arg("actor"),
        action=action if action in {a.value for a in ActionKind} else "",
        rule=rule if rule in {r.value for r in Rule} else "",
        comment_id=_int_arg("comment"),
        since=_date_arg("since"),
        until=_date_arg("until", end=True),
    )
    page = queue_service.audit_page(query, _int_arg("before"), current_app.config["QUEUE_PER_PAGE"])
    return render_template("moderator/audit.html", page=page, query=query, actions=[a.value for a in ActionKind],
                           staff=queue_service.staff_members())


@bp.get("/dashboard")
def dashboard():
    """The last 30 days at a glance: queue size, time to decision, decisions per rule, overturned."""
    return render_template("moderator/dashboard.html", stats=dashboard_service.last_days(30))
