"""Admins: staff accounts and their roles, in the browser."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import EmptyForm, RoleForm, StaffForm
from ..models import Role
from ..security import admin_required
from ..services import users as user_service
from ..services.errors import LastAdmin, NotFound

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@admin_required
def _only_admins():
    """Every route here is for admins."""


def _users_page(form: StaffForm, status: int = 200):
    return render_template(
        "admin/users.html", users=user_service.staff(), form=form, role_form=RoleForm(), action_form=EmptyForm()
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
