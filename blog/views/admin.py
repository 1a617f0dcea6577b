"""Admins' pages: the moderation mode and the screening term lists, staff accounts and their roles."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import (
    EmptyForm, ExtraRolesForm, ModeForm, RoleForm, SeverityForm, StaffForm, StaffPasswordForm, TermForm,
    TermToggleForm,
)
from ..moderation.types import Mode, Rule, Severity
from ..models import Role
from ..security import role_required
from ..services import screening as screening_service
from ..services import terms as term_service
from ..services import users as user_service
from ..services.errors import InvalidTransition, LastAdmin, NotFound
from . import page_arg
from .auth import log_in

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(Role.ADMIN)
def _only_admins():
    """Every route of this blueprint is for admins."""


# The list's filters in the query string; not `lang`, which chooses the interface's language on every page.
FILTERS = ("q", "rule", "language")


def _filters() -> dict[str, str]:
    return {key: request.args[key][:120] for key in FILTERS if request.args.get(key)}


def _back():
    """The list as it was: its filters and its page."""
    page = page_arg()
    return redirect(url_for("admin.terms", page=page if page > 1 else None, **_filters()), code=303)


@bp.get("/terms")
def terms():
    """The term lists, filterable, with the forms to change them."""
    return _terms_page(TermForm())


def _terms_page(form: TermForm, status: int = 200):
    filters = _filters()
    listing = term_service.list_terms(
        page_arg(), current_app.config["QUEUE_PER_PAGE"], filters.get("q", ""), filters.get("rule", ""),
        filters.get("language", ""),
    )
    return render_template(
        "admin/terms.html", listing=listing, form=form, toggle_form=TermToggleForm(), severity_form=SeverityForm(),
        filters=filters, mode_form=ModeForm(mode=screening_service.moderation_mode().value),
        # Each term's rule and language by its name in the page's language, as the forms' choices give them.
        rule_labels={choice.value: choice.label for choice in form.rule.choices},
        lang_labels={choice.value: choice.label for choice in form.lang.choices},
    ), status


@bp.post("/moderation-mode")
def moderation_mode():
    """Pre- or post-moderation for new comments (e.g. pre-moderation through a tense news day)."""
    form = ModeForm()
    if not form.validate_on_submit():
        abort(400)
    screening_service.set_moderation_mode(Mode(form.mode.data))
    flash(_("تغيرت طريقة الإشراف، وتسري على التعليقات الجديدة خلال ثوان."), "success")
    return redirect(url_for("admin.terms"), code=303)


@bp.post("/terms")
def add_term():
    """Add a term to a list."""
    form = TermForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _terms_page(form, 422)  # the term typed stays in the form, with its message
    try:
        _term, new = term_service.add_term(term_service.TermDraft(
            text=form.text.data, rule=Rule(form.rule.data), severity=Severity(form.severity.data),
            lang=form.lang.data, stem=form.stem.data,
        ))
    except InvalidTransition:
        abort(400)
    flash(_("أضيفت الكلمة، ويسري مفعولها على التعليقات الجديدة.") if new else
          _("الكلمة في القائمة من قبل: أخذت الدرجة المختارة وهي مفعلة، ويسري ذلك على التعليقات الجديدة."), "success")
    return _back()


def _toggle(term_id: int, enabled: bool):
    if not TermToggleForm().validate_on_submit():
        abort(400)
    try:
        term_service.set_enabled(term_id, enabled)
    except NotFound:
        abort(404)
    flash(_("تم تحديث القائمة."), "success")
    return _back()


@bp.post("/terms/<int:term_id>/enable")
def enable_term(term_id: int):
    """Put a term back into use."""
    return _toggle(term_id, True)


@bp.post("/terms/<int:term_id>/disable")
def disable_term(term_id: int):
    """Stop using a term (it stays listed)."""
    return _toggle(term_id, False)


@bp.post("/terms/<int:term_id>/severity")
def term_severity(term_id: int):
    """Change a term's severity."""
    form = SeverityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        term_service.set_severity(term_id, Severity(form.severity.data))
    except NotFound:
        abort(404)
    flash(_("تم تحديث القائمة."), "success")
    return _back()


# --- Staff accounts ---------------------------------------------------------------------------

def _users_page(form: StaffForm, status: int = 200):
    return render_template(
        "admin/users.html", users=user_service.staff(), form=form, role_form=RoleForm(), action_form=EmptyForm(),
        extra_form=ExtraRolesForm(), password_form=StaffPasswordForm(), Role=Role,
    ), status


@bp.get("/users")
def users():
    """Every staff account with its role and state."""
    return _users_page(StaffForm())


@bp.post("/users")
def create_user():
    """Create a staff account."""
    form = StaffForm()
    if not form.validate_on_submit():
        return _users_page(form, 422)
    try:
        user_service.create_staff(form.email.data, form.display_name.data or "", Role(form.role.data), form.password.data)
    except user_service.EmailTaken:
        form.email.errors = [_("يوجد حساب بهذا البريد الإلكتروني.")]
        return _users_page(form, 409)
    flash(_("تم إنشاء الحساب."), "success")
    return redirect(url_for("admin.users"), code=303)


def _change(change, *args):
    try:
        change(*args)
    except NotFound:
        abort(404)
    except LastAdmin:
        flash(_("لا يمكن ترك الموقع دون مدير نشط."), "warning")
    else:
        flash(_("تم تسجيل التغيير."), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int):
    """Give an account another role (its sessions end)."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    return _change(user_service.set_role, user_id, Role(form.role.data))


@bp.post("/users/<int:user_id>/extra-roles")
def set_extra_roles(user_id: int):
    """Roles besides the main one, e.g. an editor who also moderates (its sessions end)."""
    form = ExtraRolesForm()
    if not form.validate_on_submit():
        abort(400)
    return _change(user_service.set_extra_roles, user_id, form.roles())


@bp.post("/users/<int:user_id>/password")
def set_password(user_id: int):
    """A new password for a staff member who forgot theirs (their sessions end; the admin tells them)."""
    form = StaffPasswordForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(" ".join(map(str, form.password.errors)), "warning")
        return redirect(url_for("admin.users", _anchor=f"user-{user_id}"), code=303)
    try:
        user = user_service.set_password(user_id, form.password.data)
    except NotFound:
        abort(404)
    if user.id == current_user.id:  # an admin's own: this browser stays logged in under the new session token
        log_in(user)
    flash(_("تم تعيين كلمة المرور الجديدة لحساب %(name)s. أبلغه بها: خرج من كل الأجهزة.", name=user.display_name),
          "success")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int):
    """Disable an account and end its sessions."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user_id == current_user.id:
        flash(_("لا يمكنك تعطيل حسابك."), "warning")
        return redirect(url_for("admin.users"), code=303)
    return _change(user_service.set_active, user_id, False)


@bp.post("/users/<int:user_id>/enable")
def enable(user_id: int):
    """Enable an account again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _change(user_service.set_active, user_id, True)
