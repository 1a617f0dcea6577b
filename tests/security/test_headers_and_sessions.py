"""Security headers on every kind of answer; session cookie flags; session renewal; log out everywhere."""
from __future__ import annotations

import re
from pathlib import Path

from blog.extensions import db
from blog.models import Role, User
from tests.conftest import PASSWORD, csrf_token, login, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def assert_security_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in csp.split(";")) if d)
    assert directives.get("script-src") == "'self'", where
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "*" not in csp, where
    assert directives.get("frame-ancestors") == "'none'", where
    assert directives.get("object-src") == "'none'", where
    assert directives.get("base-uri") == "'self'" and directives.get("form-action") == "'self'", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", where


def test_every_kind_of_answer_carries_the_security_headers(app, world):
    client = app.test_client()
    answers = {
        "page": client.get("/"),
        "article": client.get(f"/articles/{world['slug']}"),
        "static": client.get("/static/css/site.css"),
        "not found": client.get("/nowhere"),
        "redirect": client.get("/moderation/"),
        "csrf": client.post(f"/articles/{world['slug']}/comments", data={"body": "نص"}),
        "method": client.open("/", method="BREW"),
        "too large": client.post("/language", data={"lang": "x" * 300_000}),
    }
    assert [r.status_code for r in answers.values()] == [200, 200, 200, 404, 302, 400, 405, 413]
    for where, response in answers.items():
        assert_security_headers(response, where)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS means nothing there


def test_templates_have_no_inline_script_style_or_event_handler():
    """The CSP forbids them; this keeps templates from relying on them (a broken page would be the result)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text) or re.search(
            r"<[^>]+\son[a-z]+\s*=", text
        ):
            offenders.append(path.name)
    assert not offenders


def session_cookie(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def login_response(app, base_url="http://localhost", headers=None):
    make_user(app, Role.MODERATOR, "cookie@example.org")
    client = app.test_client()
    token = csrf_token(client.get("/auth/login", base_url=base_url, headers=headers).get_data(as_text=True))
    return client.post(
        "/auth/login", data={"email": "cookie@example.org", "password": PASSWORD, "csrf_token": token},
        base_url=base_url, headers=headers,
    )


def test_session_cookie_is_httponly_lax_and_not_secure_over_plain_http(app):
    cookie = session_cookie(login_response(app))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(app):
    # Over HTTPS Flask-WTF also checks that the Referer is this site, as a browser sends it.
    response = login_response(app, base_url="https://localhost", headers={"Referer": "https://localhost/auth/login"})
    assert response.status_code == 302
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_trusted_proxy_forwarded_https_makes_the_cookie_secure(app):
    from blog import create_app

    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    headers = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/auth/login"}
    cookie = session_cookie(login_response(proxied, headers=headers))
    assert "Secure" in cookie


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(app):
    response = login_response(app, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Secure" not in session_cookie(response)
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_secure_setting_forces_secure(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in session_cookie(login_response(app))


def test_login_renews_the_session(app, world):
    """What the session held before login (a reader's state, the CSRF secret) does not survive it."""
    make_user(app, Role.MODERATOR, "renew@example.org")
    client = app.test_client()
    page = client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    response = client.post(f"/articles/{world['slug']}/comments", data={
        "author_name": "قارئ", "author_email": "renew.reader@example.org", "body": "تعليق قبل الدخول",
        "csrf_token": csrf_token(page),
    })
    assert response.status_code == 303
    old_token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    with client.session_transaction() as before:
        assert before.get("own_comments")
    assert login(client, "renew@example.org").status_code == 302
    with client.session_transaction() as after:
        assert "own_comments" not in after
        assert after.get("_user_id", "").startswith(tuple("0123456789"))
    # The token of the session before login no longer passes.
    assert client.post(f"/articles/{world['slug']}/comments", data={
        "author_name": "قارئ", "author_email": "renew.reader@example.org", "body": "تعليق بالرمز القديم",
        "csrf_token": old_token}).status_code == 400


def test_log_out_everywhere_ends_every_session_of_the_account(app):
    user_id = make_user(app, Role.MODERATOR, "everywhere@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert login(client, "everywhere@example.org").status_code == 302
        assert client.get("/moderation/").status_code == 200
    with app.app_context():
        old = db.session.get(User, user_id).session_token
    token = csrf_token(laptop.get("/moderation/").get_data(as_text=True))
    response = laptop.post("/auth/logout-everywhere", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.get(User, user_id).session_token != old
    for client in (laptop, phone):
        response = client.get("/moderation/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    # Logging in again works, with the new token.
    assert login(phone, "everywhere@example.org").status_code == 302
    assert phone.get("/moderation/").status_code == 200


def test_plain_logout_ends_only_this_browser(app):
    make_user(app, Role.MODERATOR, "one@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert login(client, "one@example.org").status_code == 302
    token = csrf_token(laptop.get("/moderation/").get_data(as_text=True))
    assert laptop.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert laptop.get("/moderation/").status_code == 302
    assert phone.get("/moderation/").status_code == 200


def test_staff_pages_are_not_cached(app, staff_client):
    client = staff_client(Role.MODERATOR)
    response = client.get("/moderation/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_passwords_are_hashed_with_scrypt(app):
    user_id = make_user(app, Role.EDITOR, "hash@example.org")
    with app.app_context():
        stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_a_staff_session_unused_for_staff_idle_hours_ends_with_a_word(app):
    """A newsroom computer left signed in: past STAFF_IDLE_HOURS without a request, the session ends and the
    login form says why; used within them, it goes on (and the time of use moves on)."""
    import time

    from blog import STAFF_SEEN_KEY

    make_user(app, Role.EDITOR, "idle@example.org")
    client = app.test_client()
    assert login(client, "idle@example.org").status_code == 302
    assert client.get("/desk/").status_code == 200
    hours = app.config["STAFF_IDLE_HOURS"]
    with client.session_transaction() as session:
        session[STAFF_SEEN_KEY] = int(time.time() - hours * 3600 + 120)  # two minutes before the end
    assert client.get("/desk/").status_code == 200
    with client.session_transaction() as session:
        assert session[STAFF_SEEN_KEY] >= int(time.time()) - 5  # used: the time moved on
        session[STAFF_SEEN_KEY] = int(time.time() - hours * 3600 - 60)
    response = client.get("/desk/", follow_redirects=True)
    assert "/auth/login" in response.request.path and "انتهت جلستك بعد مدة دون نشاط" in response.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302  # ended: not back by itself


def test_logging_out_ends_that_login_for_every_copy_of_its_cookie_and_no_other(app):
    """A staff member's cookie copied elsewhere (a shared computer's profile, a stolen cookie) stops working when
    they log out; their login on another computer goes on. A login ends by itself after STAFF_SESSION_DAYS."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from blog.models import StaffSession, utcnow

    user_id = make_user(app, Role.EDITOR, "copied@example.org")
    desk, other = app.test_client(), app.test_client()
    for client in (desk, other):
        assert login(client, "copied@example.org").status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", desk.get_cookie("session").value)
    assert copy.get("/desk/").status_code == 200
    token = csrf_token(desk.get("/desk/").get_data(as_text=True))
    assert desk.post("/auth/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert copy.get("/desk/").status_code == 302  # to the login form
    assert other.get("/desk/").status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(StaffSession).where(StaffSession.user_id == user_id)).all()) == 1
        db.session.execute(update(StaffSession).values(
            created_at=utcnow() - timedelta(days=app.config["STAFF_SESSION_DAYS"], minutes=1)))
        db.session.commit()
    assert other.get("/desk/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "copied@example.org").status_code == 302 and fresh.get("/desk/").status_code == 200
    with app.app_context():  # the logins past the limit went when the next one began
        assert len(db.session.scalars(select(StaffSession).where(StaffSession.user_id == user_id)).all()) == 1
