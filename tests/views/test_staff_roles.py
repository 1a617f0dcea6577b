"""A staff account may hold several roles: an editor moderates only with the moderator role too."""
from __future__ import annotations

from sqlalchemy import select

from blog.extensions import db
from blog.models import Role, User
from tests.conftest import PASSWORD, csrf_token, login, make_user


def test_an_editor_moderates_only_once_given_the_moderator_role(app, staff_client):
    editor_id = make_user(app, Role.EDITOR, "ed@example.org")
    editor = app.test_client()
    assert login(editor, "ed@example.org").status_code == 302
    assert editor.get("/desk/").status_code == 200
    assert editor.get("/moderation/").status_code == 403

    admin = staff_client(Role.ADMIN)
    token = csrf_token(admin.get("/admin/users").get_data(as_text=True))
    response = admin.post(f"/admin/users/{editor_id}/extra-roles", data={"csrf_token": token, "also_moderator": "y"})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, editor_id)
        assert user.roles == {Role.EDITOR, Role.MODERATOR} and user.role is Role.EDITOR
    # The change ended the old session; after logging in again the editor reaches both desks.
    assert editor.get("/moderation/").status_code in (302, 401)
    assert login(editor, "ed@example.org").status_code == 302
    assert editor.get("/moderation/").status_code == 200
    assert editor.get("/desk/").status_code == 200
    assert editor.get("/admin/users").status_code == 403

    # Unticking removes it again.
    response = admin.post(f"/admin/users/{editor_id}/extra-roles", data={"csrf_token": token})
    assert response.status_code == 303
    assert login(editor, "ed@example.org").status_code == 302
    assert editor.get("/moderation/").status_code == 403
    with app.app_context():
        assert db.session.get(User, editor_id).roles == {Role.EDITOR}


def test_cli_creates_an_editor_who_also_moderates(app, runner):
    result = runner.invoke(args=["users", "create", "both@example.org", "--role", "editor", "--also", "moderator",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "editor+moderator both@example.org" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "both@example.org"))
        assert user.has_role(Role.MODERATOR) and user.has_role(Role.EDITOR) and not user.has_role(Role.ADMIN)


def test_staff_forms_leave_checking_to_the_site_which_answers_in_the_pages_language(app, staff_client):
    """The browser's own checks speak the browser's language, not the page's: these forms leave them off
    (novalidate), and the site says what is missing, in the page's language."""
    import re

    from blog.models import Article, ArticleStatus, Comment, CommentStatus, utcnow

    admin = staff_client(Role.ADMIN)
    with app.app_context():
        article = Article(title="مقال", slug="maqal", body="نص", status=ArticleStatus.PUBLISHED, published_at=utcnow())
        db.session.add(article)
        db.session.flush()
        comment = Comment(article_id=article.id, author_name="س", author_email="s@example.org", body="نص التعليق",
                          status=CommentStatus.PENDING, screen_details={})
        db.session.add(comment)
        db.session.commit()
        comment_id = comment.id
    user_id = make_user(app, Role.EDITOR, "forgot@example.org")  # a colleague who forgot their password
    forms = {"/admin/users": f'action="/admin/users/{user_id}/password" novalidate>',
             "/admin/terms": 'action="/admin/terms" class="filters" novalidate>',
             "/moderation/bans": 'action="/moderation/bans" novalidate>',
             f"/moderation/comments/{comment_id}": f'action="/moderation/comments/{comment_id}/edit" novalidate>'}
    for page, form in forms.items():
        assert form in admin.get(page).get_data(as_text=True), page
    token = csrf_token(admin.get("/admin/terms").get_data(as_text=True))
    short = admin.post(f"/admin/users/{user_id}/password?lang=fr", data={"csrf_token": token, "password": "court"},
                       follow_redirects=True).get_data(as_text=True)
    assert re.search(r"8 caractères", short)
    empty_term = admin.post("/admin/terms?lang=fr", data={"csrf_token": token, "text": "", "rule": "insult",
                                                         "severity": "hold", "lang": "ar"}).get_data(as_text=True)
    assert "Saisissez le mot." in empty_term
