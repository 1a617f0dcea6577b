"""A reader's own comment: edit or withdraw it from the same browser, within the window; remembered details."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from blog.extensions import db
from blog.models import ActionKind, Article, Comment, CommentStatus, ModerationAction, utcnow
from tests.conftest import csrf_token
from tests.views.conversation_helpers import CLEAN, post_comment, post_moderation


def _mine(app):
    with app.app_context():
        return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


def _audit(app, comment_id, action):
    with app.app_context():
        return db.session.scalars(
            select(ModerationAction).where(ModerationAction.comment_id == comment_id, ModerationAction.action == action)
        ).all()


def _edit(client, comment_id, body):
    token = csrf_token(client.get(f"/comments/{comment_id}/edit").get_data(as_text=True))
    return client.post(f"/comments/{comment_id}/edit", data={"body": body, "csrf_token": token})


def _set_times(app, comment_id, minutes_ago):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.created_at = comment.decided_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.commit()


def test_pending_comment_is_edited_by_its_author_only(app, client, article):
    post_comment(client, article["slug"])
    mine = _mine(app)
    page = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert f'href="/comments/{mine.id}/edit"' in page
    form = client.get(f"/comments/{mine.id}/edit")
    assert form.status_code == 200 and CLEAN in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "private, no-store"

    response = _edit(client, mine.id, "نص معدل قبل المراجعة.")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#comment-{mine.id}")
    edited = _mine(app)
    assert edited.body == "نص معدل قبل المراجعة." and edited.edited_at is not None
    assert edited.status is CommentStatus.PENDING
    [audit] = _audit(app, mine.id, ActionKind.EDIT)
    assert audit.from_status == "pending" and audit.to_status == "pending"
    assert audit.text_snapshot == CLEAN and audit.after_text == edited.body  # like a moderator's edit
    assert audit.actor_id is None

    # Another browser: no link, no form, no edit.
    stranger = app.test_client()
    assert f"/comments/{mine.id}/edit" not in stranger.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert stranger.get(f"/comments/{mine.id}/edit").status_code == 403
    token = csrf_token(stranger.get(f"/articles/{article['slug']}").get_data(as_text=True))
    assert stranger.post(f"/comments/{mine.id}/edit", data={"body": "اختراق", "csrf_token": token}).status_code == 403
    assert stranger.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token}).status_code == 403
    assert _mine(app).body == "نص معدل قبل المراجعة."


def test_an_empty_edit_keeps_the_form_and_changes_nothing(app, client, article):
    post_comment(client, article["slug"])
    mine = _mine(app)
    response = _edit(client, mine.id, "   ")
    assert response.status_code == 422 and "التعليق مطلوب." in response.get_data(as_text=True)
    assert "<title>خطأ: تعديل تعليقك · مجلس</title>" in response.get_data(as_text=True)  # said first, in the title
    assert _mine(app).body == CLEAN and not _audit(app, mine.id, ActionKind.EDIT)


def test_published_comment_edit_window_before_and_after_it_ends(app, client, article):
    post_moderation(app)
    app.config["COMMENT_EDIT_MINUTES"] = 10
    post_comment(client, article["slug"])
    mine = _mine(app)
    assert mine.status is CommentStatus.PUBLISHED
    _set_times(app, mine.id, minutes_ago=9)
    assert client.get(f"/comments/{mine.id}/edit").status_code == 200
    response = _edit(client, mine.id, "تعديل داخل المهلة، نص نظيف.")
    assert response.status_code == 303
    assert _mine(app).body == "تعديل داخل المهلة، نص نظيف."

    _set_times(app, mine.id, minutes_ago=11)
    page = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert f"/comments/{mine.id}/edit" not in page
    refused = client.get(f"/comments/{mine.id}/edit")
    assert refused.status_code == 403 and "10 دقيقة" in refused.get_data(as_text=True)
    token = csrf_token(page)
    late = client.post(f"/comments/{mine.id}/edit", data={"body": "نص متأخر كتبته بعناية", "csrf_token": token})
    assert late.status_code == 403  # ... and the text sent is shown back, to keep
    assert 'readonly rows="6" dir="auto">نص متأخر كتبته بعناية</textarea>' in late.get_data(as_text=True)
    assert client.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token}).status_code == 403
    assert _mine(app).body == "تعديل داخل المهلة، نص نظيف." and len(_audit(app, mine.id, ActionKind.EDIT)) == 1


def test_the_edited_text_is_screened_again(app, client, article):
    post_moderation(app)
    post_comment(client, article["slug"])
    mine = _mine(app)
    assert mine.status is CommentStatus.PUBLISHED
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 1
    response = _edit(client, mine.id, "المسؤول ديالكم حمار وما كيفهم والو")
    assert response.status_code == 303
    screened = _mine(app)
    assert screened.status is not CommentStatus.PUBLISHED and "insult" in screened.screen_rules
    [audit] = _audit(app, mine.id, ActionKind.EDIT)
    assert audit.from_status == "published" and audit.to_status == screened.status.value and "insult" in audit.rule
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 0
    assert "حمار" not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)


def test_a_clean_edit_of_a_published_comment_goes_to_the_queue_in_pre_moderation(app, client, article, staff_client):
    from blog.models import Role

    post_comment(client, article["slug"])
    mine = _mine(app)
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    moderator.post(f"/moderation/comments/{mine.id}/approve", data={"csrf_token": token})
    assert _mine(app).status is CommentStatus.PUBLISHED
    _edit(client, mine.id, "نص جديد لم يره أي مشرف بعد.")
    assert _mine(app).status is CommentStatus.PENDING
    assert "نص جديد لم يره أي مشرف بعد." in moderator.get("/moderation/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 0


def test_withdrawing_removes_the_comment_with_an_audit_row(app, client, article):
    post_moderation(app)
    post_comment(client, article["slug"])
    mine = _mine(app)
    token = csrf_token(client.get(f"/comments/{mine.id}/edit").get_data(as_text=True))
    assert client.post(f"/comments/{mine.id}/withdraw", data={}).status_code == 400  # no CSRF
    # Without the box that says it is for good, nothing happens: back to the form with a message.
    unsure = client.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token})
    assert unsure.status_code == 303 and unsure.headers["Location"] == f"/comments/{mine.id}/edit"
    assert _mine(app).status is CommentStatus.PUBLISHED
    assert "لم يُسحب تعليقك" in client.get(unsure.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 303 and response.headers["Location"] == f"/articles/{article['slug']}#comments"
    assert _mine(app).status is CommentStatus.WITHDRAWN
    [audit] = _audit(app, mine.id, ActionKind.WITHDRAW)
    assert audit.from_status == "published" and audit.to_status == "withdrawn" and audit.text_snapshot == CLEAN
    with app.app_context():
        assert db.session.get(Article, article["id"]).published_comment_count == 0
    assert CLEAN not in client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert client.get(f"/comments/{mine.id}").status_code == 404
    assert client.post(f"/comments/{mine.id}/withdraw", data={"csrf_token": token, "confirm": "y"}).status_code == 403


def test_details_are_remembered_only_with_the_box(app, client, article):
    slug = article["slug"]
    post_comment(client, slug, author_name="نادية", author_email="nadia@example.org")
    assert client.get_cookie("majlis_details") is None
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "nadia@example.org" not in page

    response = post_comment(client, slug, author_name="نادية", author_email="nadia@example.org", remember="y",
                            body="تعليق ثان مع التذكر.")
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("majlis_details=")]
    assert len(cookie) == 1 and "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]
    assert "nadia" not in cookie[0]  # signed and encoded, not the address in clear
    again = client.get(f"/articles/{slug}")
    html = again.get_data(as_text=True)
    assert 'value="نادية"' in html and 'value="nadia@example.org"' in html
    assert '<input checked id="remember" name="remember" type="checkbox"' in html
    assert again.headers["Cache-Control"] == "private, no-store"
    # Another browser gets nothing of it.
    assert "nadia@example.org" not in app.test_client().get(f"/articles/{slug}").get_data(as_text=True)

    # Unticking the box forgets them.
    response = post_comment(client, slug, author_name="نادية", author_email="nadia@example.org", body="ثالث بلا تذكر.")
    assert any(h.startswith("majlis_details=;") for h in response.headers.getlist("Set-Cookie"))
    assert "nadia@example.org" not in client.get(f"/articles/{slug}").get_data(as_text=True)


def test_a_tampered_details_cookie_is_ignored(app, client, article):
    client.set_cookie("majlis_details", "WyJ4IiwieEB5LnoiXQ.forged")
    html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert "x@y.z" not in html


def test_a_reader_s_own_comments_outlive_the_browser_session(app, client, article):
    """The session that lists a reader's own comments is kept past the browser's closing: opened again (only the
    cookies with an expiry kept), the browser still shows its comment awaiting moderation and may edit it."""
    post_comment(client, article["slug"], body="تعليقي قبل إغلاق المتصفح.")
    mine = _mine(app)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie.expires is not None  # a session cookie (no expiry) would be gone with the browser
    reopened = app.test_client()  # a browser opened again: what was kept with an expiry
    reopened.set_cookie(cookie.key, cookie.value)
    page = reopened.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert "تعليقي قبل إغلاق المتصفح." in page and "في انتظار المراجعة" in page
    assert reopened.get(f"/comments/{mine.id}/edit").status_code == 200
