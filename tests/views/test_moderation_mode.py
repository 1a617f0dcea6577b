"""Pre- or post-moderation, chosen by an admin in the browser: new comments follow it in every app process."""
from __future__ import annotations

from blog import create_app
from blog.extensions import db
from blog.models import Comment, CommentStatus, Role
from blog.moderation.types import Mode
from blog.services.screening import get_screener
from tests.conftest import csrf_token
from tests.workbench import CLEAN


def post_clean(app, article, n: int) -> Comment:
    reader = app.test_client()
    page = reader.get(f"/articles/{article['slug']}").get_data(as_text=True)
    body = f"{CLEAN} ({n})"
    response = reader.post(f"/articles/{article['slug']}/comments", data={
        "author_name": "قارئ جديد", "author_email": f"new.reader{n}@example.org", "body": body,
        "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalars(db.select(Comment).where(Comment.body == body)).one()


def checked(html: str) -> str:
    pre, post = 'value="pre" checked', 'value="post" checked'
    assert (pre in html) != (post in html), "exactly one mode is ticked"
    return "pre" if pre in html else "post"


def test_an_admin_switches_the_moderation_mode_and_new_comments_follow_it(app, article, staff_client):
    app.config["MODERATION_MODE"] = "pre"
    admin = staff_client(Role.ADMIN)
    page = admin.get("/admin/terms").get_data(as_text=True)
    assert checked(page) == "pre" and "طريقة الإشراف" in page
    held = post_clean(app, article, 1)
    assert held.status is CommentStatus.PENDING
    assert [r["code"] for r in held.screen_details["reasons"]] == ["pre_moderation"]

    response = admin.post("/admin/moderation-mode", data={"csrf_token": csrf_token(page), "mode": "post"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/terms"
    page = admin.get("/admin/terms").get_data(as_text=True)
    assert checked(page) == "post" and "تغيرت طريقة الإشراف" in page
    assert post_clean(app, article, 2).status is CommentStatus.PUBLISHED
    with app.app_context():
        assert db.session.get(Comment, held.id).status is CommentStatus.PENDING  # nothing decided changes

    admin.post("/admin/moderation-mode", data={"csrf_token": csrf_token(page), "mode": "pre"})
    assert post_clean(app, article, 3).status is CommentStatus.PENDING
    assert admin.post("/admin/moderation-mode", data={"csrf_token": csrf_token(page), "mode": "never"}).status_code == 400


def test_another_app_process_on_the_same_database_follows_the_choice(app, staff_client):
    """Each process keeps its screener; the choice reaches the others through the database within
    TERMS_REFRESH_SECONDS, as a change to the term lists does."""
    other = create_app({key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "MODEL_PATH")}
                       | {"TESTING": True, "TERMS_REFRESH_SECONDS": 0, "MODERATION_MODE": "pre"})
    with other.app_context():
        assert get_screener().settings.mode is Mode.PRE
    admin = staff_client(Role.ADMIN)
    token = csrf_token(admin.get("/admin/terms").get_data(as_text=True))
    assert admin.post("/admin/moderation-mode", data={"csrf_token": token, "mode": "post"}).status_code == 303
    with other.app_context():
        assert get_screener().settings.mode is Mode.POST
        db.session.remove()
        db.engine.dispose()
