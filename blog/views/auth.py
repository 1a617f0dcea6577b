"""Staff login and logout, and a staff member's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from .. import throttle
from ..extensions import db
from ..forms import EmptyForm, LoginForm, PasswordForm
from ..models import Role, User
from ..services import accounts
from . import same_site, sent_by_fetch, wants_json

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Compared against when the account does not exist, so both failures take the same time.
_DUMMY = User(password_hash="scrypt:32768:8:1$aaaaaaaaaaaaaaaa$" + "0" * 128)


def _landing(user: User) -> str:
    """Where a staff member starts: editors at the desk, everyone else at the queue."""
    return url_for("editor.index") if user.role is Role.EDITOR else url_for("moderator.queue")


def _safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after login, or None (no host, scheme, backslash or control character)."""
    if not target or len(target) > 2000 or any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return None


def _password_limits(email: str) -> tuple[tuple[str, str, str], ...]:
    """The limits on failed password attempts, per address and per account: a failed login or a wrong current
    password. Only failures are counted; once a limit is reached even the right password waits. A staff member
    who logs in often, or colleagues behind one office address, are never locked out by success."""
    return (("login-address", "LOGIN_LIMIT_PER_ADDRESS", request.remote_addr or "-"),
            ("login-account", "LOGIN_LIMIT_PER_ACCOUNT", email))


def _count_failure(limits) -> None:
    for limit in limits:
        throttle.hit(*limit)


def _refused(limits, field) -> dict[str, str] | None:
    """When failed attempts have reached one of `limits`: the field gets the message, the answer gets its
    Retry-After header (returned); None otherwise."""
    exceeded = next(filter(None, (throttle.reached(*limit) for limit in limits)), None)
    if exceeded is None:
        return None
    field.errors.append(_(
        "محاولات كثيرة لتسجيل الدخول. أعد المحاولة بعد %(minutes)d دقيقة.",
        minutes=max(1, -(-exceeded.retry_after // 60)),
    ))
    return {"Retry-After": str(exceeded.retry_after)}


def _referring_path() -> str | None:
    """The path (and query) of the page of this site a request was sent from, if it says."""
    if not same_site(request.referrer):
        return None
    parts = urlsplit(request.referrer)
    return _safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def to_login():
    """The answer to someone not logged in at a staff page or action. A session that ended meanwhile (a new role
    or password, logged out everywhere, the account disabled) is told so, once. A GET goes to the login form and
    back after it; a page's script is told where to send its reader (the JSON answer); a form sent meanwhile
    gets the login form at once, and after it the page the form was on (a POST cannot be replayed)."""
    if session.pop("_user_id", None) is not None:
        flash(_("انتهت جلستك: تغير حسابك (الدور أو كلمة المرور) أو خرجت من كل الأجهزة. سجل الدخول من جديد."),
              "warning")
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    login_form = url_for("auth.login", next=_referring_path())
    if sent_by_fetch() or wants_json():
        return jsonify(login=login_form), 401
    return render_template("auth/login.html", form=LoginForm(formdata=None), action=login_form), 401


def log_in(user) -> None:
    """Log this browser in to `user`'s account: a login of its own (accounts.start_session), then Flask-Login's."""
    accounts.start_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a staff member in; the same message for unknown account and wrong password."""
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        limits = _password_limits(form.email.data)
        refused = _refused(limits, form.password)
        if refused:
            return render_template("auth/login.html", form=form), 429, refused
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.lower()))
        ok = (user or _DUMMY).check_password(form.password.data)
        if user is not None and ok and user.is_active:
            session.clear()
            log_in(user)
            return redirect(_safe_next(request.args.get("next")) or _landing(user))
        _count_failure(limits)
        if user is not None and ok:  # the right password: telling them the account is disabled reveals nothing
            form.password.errors.append(_("هذا الحساب معطل. اطلب من مدير الموقع إعادة تفعيله."))
        else:
            form.password.errors.append(_("البريد الإلكتروني أو كلمة المرور غير صحيحة."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
@login_required
def logout():
    """Log out of this browser (and of any copy of its cookie)."""
    accounts.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("تم تسجيل الخروج."))
    return redirect(url_for("public.index"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Log out of every browser and device: the account's session token changes."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    accounts.rotate_session_token(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("تم تسجيل الخروج من كل الأجهزة."))
    return redirect(url_for("public.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """A staff member's own password: the current one, then the new one twice. Every other browser logged in to
    the account is logged out; this one stays, under the account's new session token."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        limits = _password_limits(user.email)
        refused = _refused(limits, form.current)
        if refused:
            return render_template("auth/password.html", form=form), 429, refused
        try:
            accounts.change_password(user, form.current.data, form.new.data)
        except accounts.WrongPassword:
            _count_failure(limits)
            form.current.errors.append(_("كلمة المرور الحالية غير صحيحة."))
        else:
            log_in(user)
            flash(_("تم تغيير كلمة المرور، وخرجت الأجهزة الأخرى من الحساب."), "success")
            return redirect(_landing(user), code=303)
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
