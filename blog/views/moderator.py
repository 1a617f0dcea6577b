"""The moderation queue and the decisions taken in it."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import DecisionForm, RejectForm
from ..models import ActionKind
from ..moderation.types import Rule
from ..security import moderator_required
from ..services import moderation as moderation_service
from ..services.errors import Conflict, InvalidTransition, NotFound

bp = Blueprint("moderator", __name__, url_prefix="/moderation")


@bp.before_request
@moderator_required
def _only_moderators():
    """Every route of this blueprint is for moderators (and admins)."""


@bp.get("/")
def queue():
    """Pending comments, with their screening verdicts."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    pending = moderation_service.pending_queue(page, current_app.config["QUEUE_PER_PAGE"])
    return render_template(
        "moderator/queue.html", pending=pending, decision_form=DecisionForm(), reject_form=RejectForm()
    )


def _decide(comment_id: int, action: ActionKind, form: DecisionForm, rule: Rule | None = None, note: str = ""):
    version = form.version.data
    decision = moderation_service.Decision(
        comment_id=comment_id,
        action=action,
        seen_version=int(version) if (version or "").isdigit() else None,
        rule=rule,
        note=note,
    )
    try:
        moderation_service.decide(decision, current_user)
    except NotFound:
        abort(404)
    except Conflict as conflict:
        flash(_("سبقك %(name)s إلى هذا التعليق: %(status)s.", name=conflict.actor_name, status=conflict.status), "warning")
    except InvalidTransition:
        flash(_("لا ينطبق هذا القرار على حالة التعليق الحالية."), "warning")
    else:
        flash(_("تم تسجيل القرار."), "success")
    return redirect(url_for("moderator.queue", page=request.args.get("page", 1)), code=303)


@bp.post("/comments/<int:comment_id>/approve")
def approve(comment_id: int):
    """Publish a comment."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(comment_id, ActionKind.APPROVE, form)


@bp.post("/comments/<int:comment_id>/reject")
def reject(comment_id: int):
    """Reject a comment for a named rule."""
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("اختر القاعدة التي يخالفها التعليق."), "warning")
        return redirect(url_for("moderator.queue"), code=303)
    return _decide(comment_id, ActionKind.REJECT, form, Rule(form.rule.data), form.note.data or "")


@bp.post("/comments/<int:comment_id>/spam")
def spam(comment_id: int):
    """Mark a comment as spam."""
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    return _decide(comment_id, ActionKind.SPAM, form, Rule.SPAM)
