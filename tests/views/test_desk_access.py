"""Who may use the desk (/desk) and the admin pages (/admin); admins manage accounts in the browser."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Article, ArticleRevision, ArticleStatus, Role, User, utcnow
from tests.conftest import csrf_token, login, make_user


def routes(app, prefix: str):
    """Every (method, url) under a prefix, with sample ids filled in."""
    with app.app_context():
        article = Article(title="مقال", slug="maqal", status=ArticleStatus.DRAFT, published_at=utcnow())
        db.session.add(article)
        db.session.flush()
        revision = ArticleRevision(article_id=article.id, number=1, title="مقال")
        db.session.add(revision)
        db.session.commit()
        ids = {"article_id": article.id, "revision_id": revision.id, "user_id": 1}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        url = rule.rule
        for name, value in ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        url = re.sub(r"<int:\w+>", "1", url)  # other ids (e.g. screening terms): any number will do
        assert "<" not in url, f"no sample argument for {rule.rule}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize(("prefix", "refused", "allowed"), [
    ("/desk", [Role.MODERATOR], [Role.EDITOR, Role.ADMIN]),
    ("/admin", [Role.MODERATOR, Role.EDITOR], [Role.ADMIN]),
])
def test_staff_pages_refuse_anonymous_users_and_wrong_roles(app, staff_client, prefix, refused, allowed):
    found = list(routes(app, prefix))
    assert len(found) >= (8 if prefix == "/desk" else 4)
    anonymous = app.test_client()
    for method, url in found:
        response = anonymous.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], (method, url)
        else:
            assert response.status_code in (400, 401), (method, url, response.status_code)
    for role in refused:
        client = staff_client(role)
        for method, url in found:
            assert client.open(url, method=method).status_code in (400, 403), (role, method, url)
    for role in allowed:
        client = staff_client(role)
        for method, url in found:
            if method == "GET":
                assert client.get(url).status_code == 200, (role, url)
    with app.app_context():
        # Nothing the refused requests did left a trace.
        assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 1
        assert db.session.scalars(select(Article)).one().title == "مقال"


def test_editors_cannot_moderate_unless_given_the_moderator_role(app, staff_client):
    editor = staff_client(Role.EDITOR)
    assert editor.get("/moderation/").status_code == 403
    assert staff_client(Role.MODERATOR).get("/moderation/").status_code == 200


def test_editors_land_on_the_desk_after_login(app):
    make_user(app, Role.EDITOR, "writer@example.org")
    response = login(app.test_client(), "writer@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"


def admin_page(client):
    html = client.get("/admin/users").get_data(as_text=True)
    return html, csrf_token(html)


def test_admin_creates_an_account_and_changes_its_role(app, staff_client):
    admin = staff_client(Role.ADMIN)
    html, token = admin_page(admin)
    response = admin.post("/admin/users", data={
        "email": "Nadia@Example.org", "display_name": "نادية", "role": "editor", "password": "a long password",
        "csrf_token": token,
    })
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
        assert user.role is Role.EDITOR and user.display_name == "نادية" and user.check_password("a long password")
        user_id = user.id
    nadia = app.test_client()
    assert login(nadia, "nadia@example.org", "a long password").status_code == 302
    assert nadia.get("/moderation/").status_code == 403
    assert nadia.get("/desk/").status_code == 200

    # Made a moderator: her old session ends, and after logging in again she moderates but no longer edits.
    assert admin.post(f"/admin/users/{user_id}/role", data={"role": "moderator", "csrf_token": token}).status_code == 303
    assert nadia.get("/desk/").status_code == 302
    assert login(nadia, "nadia@example.org", "a long password").status_code == 302
    assert nadia.get("/moderation/").status_code == 200
    assert nadia.get("/desk/").status_code == 403

    # Disabled: logged out and cannot log in.
    assert admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token}).status_code == 303
    assert nadia.get("/moderation/").status_code == 302
    refused = login(nadia, "nadia@example.org", "a long password")
    assert refused.status_code == 401 and "هذا الحساب معطل" in refused.get_data(as_text=True)  # not "wrong password"
    wrong = login(nadia, "nadia@example.org", "not her password")
    assert wrong.status_code == 401 and "هذا الحساب معطل" not in wrong.get_data(as_text=True)  # says nothing more
    assert admin.post(f"/admin/users/{user_id}/enable", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(User, user_id).active is True


def test_admin_form_errors_keep_what_was_typed(app, staff_client):
    admin = staff_client(Role.ADMIN)
    _html, token = admin_page(admin)
    response = admin.post("/admin/users", data={
        "email": "not-an-email", "display_name": "سعيد", "role": "editor", "password": "short", "csrf_token": token,
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "عنوان البريد الإلكتروني غير صالح." in html and "8 أحرف على الأقل" in html
    assert 'value="سعيد"' in html and 'value="not-an-email"' in html
    make_user(app, Role.EDITOR, "taken@example.org")
    response = admin.post("/admin/users", data={
        "email": "taken@example.org", "display_name": "", "role": "editor", "password": "long enough pw", "csrf_token": token,
    })
    assert response.status_code == 409 and "يوجد حساب بهذا البريد الإلكتروني." in response.get_data(as_text=True)
    # The address asked for is the colleague's, not the admin's own ("Your e-mail" would say otherwise).
    response = admin.post("/admin/users?lang=en", data={
        "email": "", "display_name": "", "role": "editor", "password": "long enough pw", "csrf_token": token,
    })
    assert response.status_code == 422 and "The e-mail address is required." in response.get_data(as_text=True)


def test_the_last_admin_cannot_be_demoted_or_disabled(app):
    make_user(app, Role.ADMIN, "only-admin@example.org")
    admin = app.test_client()
    login(admin, "only-admin@example.org")
    html, token = admin_page(admin)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "only-admin@example.org"))
    response = admin.post(f"/admin/users/{admin_id}/role", data={"role": "editor", "csrf_token": token}, follow_redirects=True)
    assert "لا يمكن ترك الموقع دون مدير نشط." in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{admin_id}/disable", data={"csrf_token": token}, follow_redirects=True)
    assert "لا يمكنك تعطيل حسابك." in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, admin_id)
        assert user.role is Role.ADMIN and user.active
    assert admin.post("/admin/users/999999/role", data={"role": "editor", "csrf_token": token}).status_code == 404
    assert re.search(r'id="user-\d+"', html)
