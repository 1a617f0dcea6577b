"""Staff login and logout."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from ..extensions import db
from ..forms import LoginForm
from ..models import Role, User

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Compared against when the account does not exist, so both failures take the same time.
_DUMMY = User(password_hash="scrypt:32768:8:1$aaaaaaaaaaaaaaaa$" + "0" * 128)


def _landing(user: User) -> str:
    """Where a staff member starts: editors at the desk, everyone else at the queue."""
    return url_for("editor.index") if user.role is Role.EDITOR else url_for("moderator.queue")


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a staff member in; the same message for unknown account and wrong password."""
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.lower()))
        ok = (user or _DUMMY).check_password(form.password.data)
        if user is not None and ok and user.is_active:
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or _landing(user))
        form.password.errors.append(_("البريد الإلكتروني أو كلمة المرور غير صحيحة."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
@login_required
def logout():
    """Log out of this browser."""
    logout_user()
    session.clear()
    flash(_("تم تسجيل الخروج."))
    return redirect(url_for("public.index"))
