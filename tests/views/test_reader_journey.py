"""A reader's journey through the test client: article, validation, pending comment, publication."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import ActionKind, Comment, CommentStatus, ModerationAction, Role
from tests.conftest import csrf_token

GOOD = {"author_name": "فاطمة", "author_email": "fatima@example.org", "body": "مقال مفيد، شكرا على هذه المعلومات."}


def post_comment(client, slug, **fields):
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    data = {**GOOD, **fields, "csrf_token": csrf_token(page)}
    return client.post(f"/articles/{slug}/comments", data=data)


def count_comments(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_article_page_shows_everything_a_reader_needs(client, article):
    response = client.get(f"/articles/{article['slug']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "مقال للاختبار عن التعاونيات" in html
    assert "<p>الفقرة الأولى.</p>" in html and "<p>الفقرة الثانية.</p>" in html
    assert "لن يتم نشر عنوان بريدك الإلكتروني" in html
    assert "شروط النشر" in html and "مهاجمة للأديان" in html and "تحريض عنصري" in html
    assert 'name="author_name"' in html and 'name="author_email"' in html and 'name="body"' in html
    assert 'name="csrf_token"' in html
    assert "لا تعليقات بعد" in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"author_name": ""}, "author_name", "الاسم مطلوب."),
        ({"author_name": "   "}, "author_name", "الاسم مطلوب."),
        ({"author_name": "س" * 81}, "author_name", "الاسم طويل جدا"),
        ({"author_name": "\u202e\u200f"}, "author_name", "الاسم مطلوب."),
        ({"author_email": ""}, "author_email", "البريد الإلكتروني مطلوب."),
        ({"author_email": "not-an-email"}, "author_email", "عنوان البريد الإلكتروني غير صالح."),
        ({"author_email": "a@b"}, "author_email", "عنوان البريد الإلكتروني غير صالح."),
        ({"body": ""}, "body", "التعليق مطلوب."),
        ({"body": " \n "}, "body", "التعليق مطلوب."),
        ({"body": "ت" * 5001}, "body", "التعليق طويل جدا"),
        ({"body": "\u200b\u200b\u200f \u2066"}, "body", "التعليق مطلوب."),  # characters nobody sees
        ({"body": "\u2800\u2800 \u3164"}, "body", "التعليق مطلوب."),  # letters drawn as nothing (braille, Hangul)
        ({"author_name": "\u115f\u2800"}, "author_name", "الاسم مطلوب."),
    ],
)
def test_each_validation_failure_keeps_the_text_and_explains_in_arabic(app, client, article, fields, field, message):
    response = post_comment(client, article["slug"], **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    # Whatever the reader typed in the other fields comes back.
    for name, value in GOOD.items():
        if name not in fields:
            assert value in html
    if "body" not in fields:
        assert GOOD["body"] in html
    elif fields["body"].strip():
        assert fields["body"] in html
    assert count_comments(app) == 0


def test_a_form_sent_back_with_errors_says_so_first_in_the_page_title(app, client, article):
    """The title is what a screen reader announces first, and the page that comes back looks like the one sent
    (WCAG 3.3.1): it begins with "خطأ:" on the article page and the reply page, and only then."""
    from tests.views.conversation_helpers import add_comment

    assert "<title>مقال للاختبار عن التعاونيات · مجلس</title>" in client.get(f"/articles/{article['slug']}").get_data(
        as_text=True)
    refused = post_comment(client, article["slug"], body="")
    assert refused.status_code == 422
    assert "<title>خطأ: مقال للاختبار عن التعاونيات · مجلس</title>" in refused.get_data(as_text=True)
    french = app.test_client()
    french.get("/?lang=fr")
    assert "<title>Erreur\u00a0: مقال للاختبار عن التعاونيات · مجلس</title>" in post_comment(
        french, article["slug"], body="").get_data(as_text=True)
    parent = add_comment(app, article["id"], "Karim", "تعليق يرد عليه أحد.")
    reply = post_comment(client, article["slug"], body="", parent_id=str(parent))
    assert reply.status_code == 422
    assert "<title>خطأ: رد على \u2068Karim\u2069 · مجلس</title>" in reply.get_data(as_text=True)
    assert "<title>خطأ:" not in client.get(f"/articles/{article['slug']}/comments/{parent}/reply").get_data(
        as_text=True)


def test_a_page_opened_in_a_language_by_its_link_answers_the_form_in_it(app, client, article):
    """Opened with ?lang=fr (no cookie): the form's errors, and the page after a comment sent, are in French."""
    page = client.get(f"/articles/{article['slug']}?lang=fr").get_data(as_text=True)
    assert f'action="/articles/{article["slug"]}/comments?lang=fr#respond"' in page
    refused = client.post(f"/articles/{article['slug']}/comments?lang=fr", data={
        **GOOD, "author_email": "amine@", "csrf_token": csrf_token(page)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and '<html lang="fr" dir="ltr">' in html and GOOD["body"] in html
    sent = client.post(f"/articles/{article['slug']}/comments?lang=fr", data={**GOOD, "csrf_token": csrf_token(page)})
    assert sent.status_code == 303 and "lang=fr#comment-" in sent.headers["Location"]
    assert '<html lang="fr"' in client.get(sent.headers["Location"]).get_data(as_text=True)
    # The language the address asked for is kept for the visit: the article's plain address is in French too.
    assert '<html lang="fr"' in client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    # The default language needs no mark.
    fresh = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert f'action="/articles/{article["slug"]}/comments#respond"' in fresh


@pytest.mark.parametrize("front", [True, False], ids=["page front", "flask"])
def test_the_language_an_address_asks_for_is_kept_for_the_visit_unless_one_was_chosen(app, article, front):
    """?lang=en on a first visit: the next pages, without it, are in English too (a cookie for the browser's
    session: no expiry), until an address asks for another; a reader who chose a language with the switch keeps
    it on the pages after."""
    client = app.test_client()
    if not front:  # a reader with something of their own on the page: Flask answers, not the page front
        client.set_cookie("majlis_details", "x")
    opened = client.get(f"/articles/{article['slug']}?lang=en")
    kept = [c for c in opened.headers.getlist("Set-Cookie") if c.startswith("lang=")]
    assert kept and kept[0].startswith("lang=~en;") and "Expires" not in kept[0] and "HttpOnly" in kept[0]
    assert '<html lang="en"' in client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
    # Another address asks for French: kept in its place, so that the next pages and forms are in French too.
    assert '<html lang="fr"' in client.get(f"/articles/{article['slug']}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr"' in client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    refused = client.post(f"/articles/{article['slug']}/comments", data={"body": ""}).get_data(as_text=True)
    assert '<html lang="fr"' in refused
    chosen = app.test_client()
    chosen.set_cookie("lang", "fr")
    page = chosen.get(f"/articles/{article['slug']}?lang=en")
    assert '<html lang="en"' in page.get_data(as_text=True)
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("lang=")]
    assert '<html lang="fr"' in chosen.get(f"/articles/{article['slug']}").get_data(as_text=True)
    # A page a shared cache may keep (behind the proxy, no token) never sets a cookie.
    shared = app.test_client().get(f"/articles/{article['slug']}?lang=en", headers={"X-Shared-Cache": "1"})
    assert "public" in shared.headers["Cache-Control"] and not shared.headers.getlist("Set-Cookie")


def test_comments_closed_while_the_reader_wrote_keep_their_text(app, client, article):
    from blog.models import Article

    page = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Article, article["id"]).comments_open = False
        db.session.commit()
    response = client.post(f"/articles/{article['slug']}/comments", data={**GOOD, "csrf_token": csrf_token(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "التعليقات مغلقة على هذا المقال." in html
    assert f'readonly rows="6" dir="auto">{GOOD["body"]}</textarea>' in html
    assert count_comments(app) == 0


def test_line_ends_count_once_against_the_length(app, client, article):
    """A browser sends each line end as CR LF: 4,990 characters over 61 lines are within the 5,000 the form allows
    (the reader's own count), and are stored with plain line ends."""
    body = "\r\n".join(["سطر من تعليق طويل"] * 61)
    body += "ت" * (4990 - len(body.replace("\r\n", "\n")))
    assert len(body.replace("\r\n", "\n")) == 4990 and len(body) > 5000
    response = post_comment(client, article["slug"], body=body)
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        assert db.session.scalars(select(Comment.body)).one() == body.replace("\r\n", "\n")
    # No cap in the page either: a text pasted too long comes back whole with the message, not cut short unseen.
    assert 'maxlength="5000"' not in client.get(f"/articles/{article['slug']}").get_data(as_text=True)


def test_a_good_comment_is_pending_and_visible_to_its_author_only(app, client, article):
    response = post_comment(client, article["slug"])
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/articles/{article['slug']}#comment-")
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.status is CommentStatus.PENDING
        assert comment.body == GOOD["body"] and comment.author_email == GOOD["author_email"]
        audit = db.session.scalars(select(ModerationAction)).one()
        assert audit.action is ActionKind.SCREEN and audit.to_status == "pending" and audit.text_snapshot == GOOD["body"]
    mine = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert GOOD["body"] in mine and "في انتظار المراجعة" in mine
    other = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert GOOD["body"] not in other and "في انتظار المراجعة" not in other


def test_post_without_csrf_token_is_refused(app, client, article):
    client.get(f"/articles/{article['slug']}")
    response = client.post(f"/articles/{article['slug']}/comments", data=GOOD)
    assert response.status_code == 400
    assert count_comments(app) == 0
    # The page that asks to send again is named for what it asks, not "400".
    assert "<title>أكد الإرسال · مجلس</title>" in response.get_data(as_text=True)
    english = app.test_client()
    english.get("/?lang=en")
    refused = english.post(f"/articles/{article['slug']}/comments", data=GOOD)
    assert refused.status_code == 400 and "<title>Confirm sending · مجلس</title>" in refused.get_data(as_text=True)


def test_moderator_approves_and_the_comment_is_published(app, client, article, staff_client):
    post_comment(client, article["slug"])
    moderator = staff_client(Role.MODERATOR)
    queue = moderator.get("/moderation/").get_data(as_text=True)
    assert GOOD["body"] in queue and GOOD["author_email"] in queue
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        comment_id, version = comment.id, comment.version
    response = moderator.post(
        f"/moderation/comments/{comment_id}/approve", data={"csrf_token": csrf_token(queue), "version": version}
    )
    assert response.status_code == 303
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment.status is CommentStatus.PUBLISHED and comment.decided_at is not None
        audit = db.session.scalars(
            select(ModerationAction).where(ModerationAction.action == ActionKind.APPROVE)
        ).one()
        assert audit.actor.role is Role.MODERATOR and audit.from_status == "pending" and audit.to_status == "published"
    public = app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert GOOD["body"] in public and "تعليق واحد" in public
    assert GOOD["author_email"] not in public


def test_moderator_rejects_with_a_rule(app, client, article, staff_client):
    post_comment(client, article["slug"])
    moderator = staff_client(Role.MODERATOR)
    token = csrf_token(moderator.get("/moderation/").get_data(as_text=True))
    with app.app_context():
        comment_id = db.session.scalars(select(Comment.id)).one()
    response = moderator.post(
        f"/moderation/comments/{comment_id}/reject", data={"csrf_token": token, "rule": "insult", "note": "شتم"}
    )
    assert response.status_code == 303
    with app.app_context():
        audit = db.session.scalars(select(ModerationAction).where(ModerationAction.action == ActionKind.REJECT)).one()
        assert audit.rule == "insult" and audit.reason == "شتم" and audit.to_status == "rejected"
    assert GOOD["body"] not in app.test_client().get(f"/articles/{article['slug']}").get_data(as_text=True)


def test_a_stale_decision_is_told_who_decided(app, client, article, staff_client):
    post_comment(client, article["slug"])
    first, second = staff_client(Role.MODERATOR), staff_client(Role.MODERATOR)
    token1 = csrf_token(first.get("/moderation/").get_data(as_text=True))
    token2 = csrf_token(second.get("/moderation/").get_data(as_text=True))
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        comment_id, version = comment.id, comment.version
    first.post(f"/moderation/comments/{comment_id}/approve", data={"csrf_token": token1, "version": version})
    response = second.post(
        f"/moderation/comments/{comment_id}/spam", data={"csrf_token": token2, "version": version},
        follow_redirects=True,
    )
    assert "سبقك" in response.get_data(as_text=True)
    # The same moderator's second click (or another tab of theirs) is told they decided it, not beaten by themselves.
    again = first.post(f"/moderation/comments/{comment_id}/spam", data={"csrf_token": token1, "version": version},
                       follow_redirects=True).get_data(as_text=True)
    assert "قررت في هذا التعليق من قبل" in again and "سبقك" not in again
    # A second click on the same decision, the card's version already updated (the page's script does so).
    with app.app_context():
        current = db.session.get(Comment, comment_id).version
    twice = first.post(f"/moderation/comments/{comment_id}/approve", data={"csrf_token": token1, "version": current},
                       headers={"Accept": "application/json", "X-Requested-With": "fetch"})
    assert twice.status_code == 409 and twice.json["message"].startswith("قررت في هذا التعليق من قبل")
    with app.app_context():
        assert db.session.get(Comment, comment_id).status is CommentStatus.PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(ModerationAction).where(ModerationAction.actor_id.is_not(None))) == 1


def test_unknown_article_is_404_in_arabic(client):
    response = client.get("/articles/nothing-here")
    assert response.status_code == 404
    assert "الصفحة المطلوبة غير موجودة" in response.get_data(as_text=True)


def test_comment_pages_are_paginated_oldest_first(app, article):
    from blog.models import Comment as C, utcnow
    from datetime import timedelta

    app.config["COMMENTS_PER_PAGE"] = 5
    with app.app_context():
        start = utcnow()
        for i in range(12):
            db.session.add(C(article_id=article["id"], author_name=f"قارئ {i}", author_email=f"r{i}@example.org",
                             body=f"تعليق رقم {i:02d}", status=CommentStatus.PUBLISHED,
                             created_at=start + timedelta(minutes=i)))
        db.session.commit()
        from blog.services.comments import refresh_counters

        refresh_counters(article["id"])
    client = app.test_client()
    first = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert first.index("تعليق رقم 00") < first.index("تعليق رقم 04") and "تعليق رقم 05" not in first
    third = client.get(f"/articles/{article['slug']}?page=3").get_data(as_text=True)
    assert "تعليق رقم 10" in third and "تعليق رقم 11" in third and "تعليق رقم 09" not in third
    assert "12 تعليقا" in first


def test_no_log_line_carries_the_commenters_email(app, client, article, caplog, staff_client):
    import logging

    caplog.set_level(logging.DEBUG)
    post_comment(client, article["slug"], author_email="secret.reader@example.org")
    post_comment(client, article["slug"], author_email="secret.reader@example.org", body="")
    moderator = staff_client(Role.MODERATOR)
    moderator.get("/moderation/")
    assert any("screened" in r.getMessage() for r in caplog.records), "the screening log line is missing"
    assert not [r for r in caplog.records if "secret.reader" in r.getMessage()]


def test_the_same_text_sent_again_from_a_page_the_back_button_brought_back_is_stored_once(app, client, article):
    """Back after sending: the browser puts the text back in a form served anew (a new form token); sending it
    again leads to the comment already sent, with a word, instead of storing a second copy. The same words in
    another place (an answer to a comment) are a comment of their own."""
    first = post_comment(client, article["slug"], body="نص أرسلته مرة واحدة فقط.")
    assert first.status_code == 303
    again = post_comment(client, article["slug"], body="نص أرسلته مرة واحدة فقط.")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "وصل تعليقك هذا من قبل" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count_comments(app) == 1
    # Another reader (another browser) with the same words: their own comment.
    assert post_comment(app.test_client(), article["slug"], body="نص أرسلته مرة واحدة فقط.").status_code == 303
    assert count_comments(app) == 2
    # A changed text is a new comment.
    assert post_comment(client, article["slug"], body="نص أرسلته مرة ثانية بعد تعديله.").status_code == 303
    assert count_comments(app) == 3
    # Withdrawn, the text may be sent again.
    with app.app_context():
        ident = db.session.scalars(select(Comment.id).order_by(Comment.id)).first()
        db.session.get(Comment, ident).status = CommentStatus.WITHDRAWN
        db.session.commit()
    assert post_comment(client, article["slug"], body="نص أرسلته مرة واحدة فقط.").status_code == 303
    assert count_comments(app) == 4


def test_a_name_pasted_over_two_lines_keeps_its_words_apart(app, client, article):
    assert post_comment(client, article["slug"], author_name="Ahmed\r\nBen Ali").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Comment.author_name)).one() == "Ahmed Ben Ali"
