"""Staff passwords: one's own changed in the browser, a forgotten one set by an admin or on the command line."""
from __future__ import annotations

import re

import pytest

from blog.extensions import db
from blog.models import Role, User
from tests.conftest import PASSWORD, csrf_token, login, make_user
from tests.security.test_rate_limits_and_abuse import TOO_MANY_LOGINS, enable_limits

NEW = "a new and longer password"


def change(client, current: str, new: str = NEW, confirm: str | None = None):
    token = csrf_token(client.get("/auth/password").get_data(as_text=True))
    return client.post("/auth/password", data={
        "csrf_token": token, "current": current, "new": new, "confirm": new if confirm is None else confirm})


def logged_in(client) -> bool:
    response = client.get("/moderation/")
    return response.status_code == 200


def test_a_staff_member_changes_their_password_and_their_other_browsers_are_logged_out(app):
    make_user(app, Role.MODERATOR, "mod@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert login(client, "mod@example.org").status_code == 302
    page = laptop.get("/moderation/").get_data(as_text=True)
    assert 'href="/auth/password"' in page  # reachable from every staff page's header

    response = change(laptop, PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/moderation/"
    assert "تم تغيير كلمة المرور" in laptop.get("/moderation/").get_data(as_text=True)
    assert logged_in(laptop)
    assert not logged_in(phone)
    assert login(app.test_client(), "mod@example.org").status_code == 401  # the old password
    assert login(phone, "mod@example.org", NEW).status_code == 302
    assert logged_in(phone)


def test_a_wrong_current_password_or_a_mismatch_changes_nothing_and_says_why(app):
    make_user(app, Role.EDITOR, "ed@example.org")
    client = app.test_client()
    assert login(client, "ed@example.org").status_code == 302
    with app.app_context():
        before = db.session.scalar(db.select(User.password_hash).where(User.email == "ed@example.org"))

    response = change(client, "not my password")
    assert response.status_code == 422
    assert "كلمة المرور الحالية غير صحيحة." in response.get_data(as_text=True)

    response = change(client, PASSWORD, confirm="something else entirely")
    assert response.status_code == 422
    assert "كلمتا المرور غير متطابقتين." in response.get_data(as_text=True)

    response = change(client, PASSWORD, new="short", confirm="short")
    assert response.status_code == 422
    assert "8 أحرف على الأقل" in response.get_data(as_text=True)

    with app.app_context():
        assert db.session.scalar(db.select(User.password_hash).where(User.email == "ed@example.org")) == before
    assert client.get("/desk/").status_code == 200  # still logged in


def test_the_form_speaks_the_staff_members_language(app):
    make_user(app, Role.EDITOR, "fr@example.org")
    client = app.test_client()
    assert login(client, "fr@example.org").status_code == 302
    token = csrf_token(client.get("/auth/password").get_data(as_text=True))
    client.post("/language", data={"lang": "fr", "csrf_token": token})
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Mot de passe actuel" in page and "Retapez le nouveau mot de passe" in page
    response = change(client, PASSWORD, confirm="another one altogether")
    assert "Les deux mots de passe ne correspondent pas." in response.get_data(as_text=True)


def test_wrong_current_passwords_count_toward_the_login_lockout(app):
    """The form is no way around the login's limit on guessing: its failures count against the same account."""
    enable_limits(app, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="100 per 15 minutes")
    make_user(app, Role.MODERATOR, "guessed@example.org")
    client = app.test_client()
    assert login(client, "guessed@example.org").status_code == 302
    for _ in range(3):
        assert change(client, "a wrong guess").status_code == 422
    response = change(client, PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert TOO_MANY_LOGINS in response.get_data(as_text=True)
    assert login(app.test_client(), "guessed@example.org").status_code == 429
    assert login(app.test_client(), "guessed@example.org", NEW).status_code == 429


def test_an_admin_sets_a_forgotten_password_and_the_accounts_sessions_end(app, staff_client):
    user_id = make_user(app, Role.MODERATOR, "forgot@example.org")
    moderator = app.test_client()
    assert login(moderator, "forgot@example.org").status_code == 302
    admin = staff_client(Role.ADMIN)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert f'action="/admin/users/{user_id}/password"' in page
    token = csrf_token(page)

    response = admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": "short"})
    assert response.status_code == 303
    assert "8 أحرف على الأقل" in admin.get("/admin/users").get_data(as_text=True)
    response = admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token})
    assert response.status_code == 303
    assert "كلمة المرور مطلوبة." in admin.get("/admin/users").get_data(as_text=True)
    assert logged_in(moderator)

    response = admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": NEW})
    assert response.status_code == 303
    assert "تم تعيين كلمة المرور الجديدة لحساب forgot." in admin.get("/admin/users").get_data(as_text=True)
    assert not logged_in(moderator)
    assert login(moderator, "forgot@example.org").status_code == 401
    assert login(moderator, "forgot@example.org", NEW).status_code == 302
    assert admin.get("/admin/users").status_code == 200  # the admin's own session is untouched

    assert admin.post("/admin/users/999999/password", data={"csrf_token": token, "password": NEW}).status_code == 404


def test_an_admins_own_row_leads_to_their_own_password_page(app, staff_client):
    admin = staff_client(Role.ADMIN)  # the only account: no form that would set its password blind
    page = admin.get("/admin/users").get_data(as_text=True)
    assert re.search(r'action="/admin/users/\d+/password"', page) is None
    assert page.count('href="/auth/password"') == 2  # the header's link and the row's


def test_the_command_line_sets_a_password_for_an_admin_locked_out(app, runner):
    make_user(app, Role.ADMIN, "only.admin@example.org")
    result = runner.invoke(args=["users", "set-password", "Only.Admin@example.org", "--password", NEW])
    assert result.exit_code == 0, result.output
    assert "password set for only.admin@example.org" in result.output
    assert login(app.test_client(), "only.admin@example.org", NEW).status_code == 302
    assert login(app.test_client(), "only.admin@example.org").status_code == 401

    result = runner.invoke(args=["users", "set-password", "only.admin@example.org", "--password", "short"])
    assert result.exit_code != 0 and "at least 8 characters" in result.output
    result = runner.invoke(args=["users", "set-password", "nobody@example.org", "--password", NEW])
    assert result.exit_code != 0 and "no account nobody@example.org" in result.output
    result = runner.invoke(args=["users", "set-password", "only.admin@example.org"], input=f"{NEW}2\n{NEW}2\n")
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "only.admin@example.org", f"{NEW}2").status_code == 302


SESSION_ENDED = "انتهت جلستك"


def test_a_session_ended_by_a_change_to_the_account_says_so_at_the_login_form(app, staff_client):
    """A role changed by an admin ends the account's sessions: the next page leads to the login form with a word
    of why (once), not a bare form; someone who was never logged in gets the form alone, in their language."""
    user_id = make_user(app, Role.MODERATOR, "moved@example.org")
    moderator = app.test_client()
    assert login(moderator, "moved@example.org").status_code == 302
    admin = staff_client(Role.ADMIN)
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    assert admin.post(f"/admin/users/{user_id}/role", data={"csrf_token": token, "role": "editor"}).status_code == 303

    response = moderator.get("/moderation/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")
    assert SESSION_ENDED in moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert SESSION_ENDED not in moderator.get("/auth/login").get_data(as_text=True)

    stranger = app.test_client()
    for path in ("/auth/password", "/moderation/"):
        page = stranger.get(path, follow_redirects=True).get_data(as_text=True)
        assert "دخول المشرفين" in page and SESSION_ENDED not in page and "Please log in" not in page


def end_sessions(app, email: str) -> None:
    with app.app_context():
        from blog.services.accounts import rotate_session_token

        rotate_session_token(db.session.scalar(db.select(User).where(User.email == email)))


def test_a_form_sent_after_the_session_ended_gets_the_login_form_and_then_the_page_it_was_on(app):
    """A POST cannot be replayed after logging in: the login form comes at once, with the word of why, and leads
    back to the page the form was sent from; a page's script is told where the login form is."""
    make_user(app, Role.MODERATOR, "late@example.org")
    client = app.test_client()
    assert login(client, "late@example.org").status_code == 302
    token = csrf_token(client.get("/moderation/?order=oldest").get_data(as_text=True))
    end_sessions(app, "late@example.org")
    for n, action in enumerate(("/moderation/comments/1/approve", "/auth/logout-everywhere")):
        response = client.post(action, data={"csrf_token": token},
                               headers={"Referer": "http://localhost/moderation/?order=oldest"})
        html = response.get_data(as_text=True)
        assert response.status_code == 401 and "دخول المشرفين" in html
        assert 'action="/auth/login?next=/moderation/?order%3Doldest"' in html
        assert (SESSION_ENDED in html) is (n == 0)  # the word of why is said once
    response = client.post("/auth/login?next=/moderation/?order%3Doldest", data={
        "csrf_token": csrf_token(html), "email": "late@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/?order=oldest"

    token = csrf_token(client.get("/moderation/").get_data(as_text=True))  # the login renewed the session
    end_sessions(app, "late@example.org")
    response = client.post("/moderation/comments/1/approve", data={"csrf_token": token},
                           headers={"X-Requested-With": "fetch", "Referer": "http://localhost/moderation/"})
    assert response.status_code == 401 and response.get_json() == {"login": "/auth/login?next=/moderation/"}
    assert SESSION_ENDED in client.get("/auth/login").get_data(as_text=True)
    # A Referer from another site is not followed.
    response = client.post("/moderation/bulk/approve", data={"csrf_token": token},
                           headers={"Referer": "https://evil.example/moderation/"})
    assert response.status_code == 401 and 'action="/auth/login"' in response.get_data(as_text=True)


@pytest.mark.parametrize("ended_by", ["logout", "cookies cleared"])
def test_a_decision_sent_after_logging_out_or_with_the_cookies_gone_leads_to_the_login_form(app, ended_by):
    """Logging out in another tab, or the browser's cookies cleared, takes the session's CSRF secret with it: the
    queue's script is told where the login form is, as when the session ends otherwise, not "page expired"."""
    make_user(app, Role.MODERATOR, "gone@example.org")
    client = app.test_client()
    assert login(client, "gone@example.org").status_code == 302
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    if ended_by == "logout":
        assert client.post("/auth/logout", data={"csrf_token": token}).status_code in (302, 303)
    else:
        client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    response = client.post("/moderation/comments/1/approve", data={"csrf_token": token},
                           headers={"X-Requested-With": "fetch", "Referer": "http://localhost/moderation/"})
    assert response.status_code == 401 and response.get_json() == {"login": "/auth/login?next=/moderation/"}
    form = client.post("/moderation/comments/1/approve", data={"csrf_token": token})
    assert form.status_code == 401 and "دخول المشرفين" in form.get_data(as_text=True)
    # A reader's expired page is still told so (no login involved).
    reader = app.test_client()
    refused = reader.post("/comments/1/reaction", data={"csrf_token": "stale", "value": "like"},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 400 and "انتهت صلاحية الصفحة" in refused.get_json()["error"]


def test_a_password_of_spaces_alone_is_refused(app, runner):
    make_user(app, Role.MODERATOR, "blank@example.org")
    client = app.test_client()
    assert login(client, "blank@example.org").status_code == 302
    refused = change(client, PASSWORD, new=" " * 12)
    assert refused.status_code == 422 and "كلمة المرور لا تكون فراغات وحدها." in refused.get_data(as_text=True)
    assert login(app.test_client(), "blank@example.org").status_code == 302  # the password is unchanged
    result = runner.invoke(args=["users", "create", "cli.blank@example.org", "--role", "moderator",
                                 "--password", " " * 10])
    assert result.exit_code != 0 and "spaces alone" in result.output
