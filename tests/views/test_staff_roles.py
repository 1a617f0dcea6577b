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
