"""Login and comment rate limits (memory and real Redis), honeypot, minimum fill time, bans and holds."""
from __future__ import annotations

import os
import re
import secrets
import time

import pytest
from sqlalchemy import func, select

from blog.abuse import form_stamp
from blog.extensions import db
from blog.models import Ban, Comment, CommentStatus, Role
from blog.throttle import init_throttle
from tests.conftest import PASSWORD, csrf_token, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def enable_limits(app, storage: str = "memory://", **settings) -> None:
    """Turn the limits on for this app (the suite runs with them off), with a fresh key prefix."""
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
                      RATELIMIT_KEY_PREFIX="test-" + secrets.token_hex(6), **settings)
    init_throttle(app)


def try_login(client, email, password="wrong password", address="198.51.100.7"):
    env = {"REMOTE_ADDR": address}
    token = csrf_token(client.get("/auth/login", environ_base=env).get_data(as_text=True))
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=env)


TOO_MANY_LOGINS = "محاولات كثيرة لتسجيل الدخول"


def test_login_is_limited_per_account_even_with_the_right_password(app):
    enable_limits(app, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="100 per 15 minutes")
    make_user(app, Role.MODERATOR, "target@example.org")
    client = app.test_client()
    for i in range(3):
        assert try_login(client, "target@example.org", address=f"198.51.100.{i}").status_code == 401
    # From yet another address, with the right password: the account is resting.
    response = try_login(client, "Target@Example.org", PASSWORD, address="203.0.113.50")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert TOO_MANY_LOGINS in html and 'value="Target@Example.org"' in html
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # An unknown account gets the very same answer (no way to learn which accounts exist).
    for i in range(3):
        try_login(client, "ghost@example.org", address=f"192.0.2.{i}")
    unknown = try_login(client, "ghost@example.org", address="192.0.2.99")
    assert unknown.status_code == 429 and TOO_MANY_LOGINS in unknown.get_data(as_text=True)
    # Another account is not affected.
    make_user(app, Role.EDITOR, "other@example.org")
    assert try_login(app.test_client(), "other@example.org", PASSWORD).status_code == 302


def test_logging_in_successfully_is_never_counted(app):
    """Only failures count: staff behind one office address, logging in all day, are never told to wait."""
    enable_limits(app, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    make_user(app, Role.MODERATOR, "often@example.org")
    for _ in range(6):
        assert try_login(app.test_client(), "often@example.org", PASSWORD).status_code == 302
    for _ in range(3):
        assert try_login(app.test_client(), "often@example.org").status_code == 401
    assert try_login(app.test_client(), "often@example.org", PASSWORD).status_code == 429


def test_login_is_limited_per_address_across_accounts(app):
    enable_limits(app, LOGIN_LIMIT_PER_ACCOUNT="100 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes")
    make_user(app, Role.MODERATOR, "real@example.org")
    client = app.test_client()
    for i in range(4):
        assert try_login(client, f"guess{i}@example.org").status_code == 401
    assert try_login(client, "real@example.org", PASSWORD).status_code == 429
    # A forged X-Forwarded-For does not give a new address (no trusted proxy configured).
    token = csrf_token(client.get("/auth/login", environ_base={"REMOTE_ADDR": "198.51.100.7"}).get_data(as_text=True))
    forged = client.post("/auth/login", data={"email": "real@example.org", "password": PASSWORD, "csrf_token": token},
                         environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"X-Forwarded-For": "203.0.113.1"})
    assert forged.status_code == 429
    # Another address logs in.
    assert try_login(app.test_client(), "real@example.org", PASSWORD, address="203.0.113.8").status_code == 302


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (CI sets it; locally redis://127.0.0.1:6379/6)")
def test_login_limits_are_shared_by_app_processes_through_redis(app):
    """Two app instances (two gunicorn workers or hosts) count in the same Redis, and keys hold no e-mail or address."""
    import redis

    from blog import create_app

    enable_limits(app, REDIS_URL, LOGIN_LIMIT_PER_ACCOUNT="4 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="100 per hour")
    other = create_app(dict(app.config))
    init_throttle(other)
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    store = redis.Redis.from_url(REDIS_URL)
    try:
        make_user(app, Role.MODERATOR, "shared@example.org")
        for instance in (app, other):
            for _ in range(2):
                assert try_login(instance.test_client(), "shared@example.org").status_code == 401
        assert try_login(other.test_client(), "shared@example.org", PASSWORD).status_code == 429
        assert try_login(app.test_client(), "shared@example.org", PASSWORD).status_code == 429
        keys = [k.decode() for k in store.scan_iter(match=f"*{prefix}*")]
        assert keys, "no counter was written to Redis"
        assert not any("example.org" in k or "198.51.100" in k for k in keys)
    finally:
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)


# --- comments ---------------------------------------------------------------------------------------

COMMENT = {"author_name": "قارئة", "author_email": "reader@example.org", "body": "تعليق عادي عن المقال."}


def post_comment(client, slug, address="198.51.100.20", stamp=None, **fields):
    env = {"REMOTE_ADDR": address}
    page = client.get(f"/articles/{slug}", environ_base=env).get_data(as_text=True)
    data = {**COMMENT, "csrf_token": csrf_token(page), **fields}
    if stamp is not None:
        data["started"] = stamp
    return client.post(f"/articles/{slug}/comments", data=data, environ_base=env)


def comments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_comments_are_limited_per_address(app, world):
    enable_limits(app, COMMENT_LIMIT_PER_ADDRESS="3 per minute", COMMENT_LIMIT_PER_EMAIL="100 per minute")
    before = comments(app)
    client = app.test_client()
    for i in range(3):
        assert post_comment(client, world["slug"], author_email=f"r{i}@example.org", body=f"تعليق {i}").status_code == 303
    text = "نص الرابع الذي لا يضيع"
    response = post_comment(client, world["slug"], author_email="r9@example.org", body=text)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert "أُرسلت تعليقات كثيرة من عنوانك" in html and text in html
    # The wait in words that agree with its number: 3 to 10 "ثوان", 11 and more "ثانية", 2 "ثانيتين".
    wait = int(response.headers["Retry-After"])
    expected = {1: "بعد ثانية واحدة.", 2: "بعد ثانيتين."}.get(wait) or (
        f"بعد {wait} ثوان." if wait <= 10 else f"بعد {wait} ثانية.")
    assert expected in html, (wait, html[html.find("أُرسلت"):][:200])
    assert comments(app) == before + 3
    assert post_comment(app.test_client(), world["slug"], address="203.0.113.20", body="من عنوان آخر").status_code == 303


def test_comments_are_limited_per_email(app, world):
    enable_limits(app, COMMENT_LIMIT_PER_ADDRESS="100 per minute", COMMENT_LIMIT_PER_EMAIL="2 per minute")
    for i in range(2):
        assert post_comment(app.test_client(), world["slug"], address=f"198.51.100.{i}", body=f"ت {i}").status_code == 303
    response = post_comment(app.test_client(), world["slug"], address="203.0.113.9", author_email="READER@example.org",
                            body="من عنوان آخر بنفس البريد")
    assert response.status_code == 429
    assert "أرسلت تعليقات كثيرة في وقت قصير" in response.get_data(as_text=True)


def test_the_honeypot_refuses_and_keeps_the_text(app, world):
    before = comments(app)
    text = "تعليق أرسله برنامج"
    response = post_comment(app.test_client(), world["slug"], body=text, website="http://spam.example")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "حقل مخفي" in html and text in html
    assert comments(app) == before


def test_a_form_sent_too_fast_is_refused_then_accepted_after_the_minimum(app, world):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 1.5
    client = app.test_client()
    page = client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    stamp = re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)
    data = {**COMMENT, "csrf_token": csrf_token(page), "started": stamp, "body": "كتبته بسرعة"}
    before = comments(app)
    response = client.post(f"/articles/{world['slug']}/comments", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "بسرعة كبيرة" in html and "كتبته بسرعة" in html
    assert f'value="{stamp}"' in html  # the same stamp comes back: waiting is enough
    time.sleep(1.6)
    assert client.post(f"/articles/{world['slug']}/comments", data=data).status_code == 303
    assert comments(app) == before + 1


@pytest.mark.parametrize("stamp", ["", "forged", "ImMi.aaaa.bbbb"])
def test_a_missing_or_forged_stamp_is_refused_with_a_fresh_one(app, world, stamp):
    app.config["COMMENT_MIN_FILL_SECONDS"] = 1
    response = post_comment(app.test_client(), world["slug"], stamp=stamp, body="نص محفوظ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "انتهت صلاحية النموذج" in html and "نص محفوظ" in html
    fresh = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    assert fresh and fresh != stamp


def test_an_old_stamp_is_refused(app, world):
    app.config.update(COMMENT_MIN_FILL_SECONDS=1, COMMENT_FORM_MAX_AGE_HOURS=1 / 3600)
    with app.test_request_context():
        stamp = form_stamp()
    time.sleep(2.1)
    response = post_comment(app.test_client(), world["slug"], stamp=stamp)
    assert response.status_code == 422 and "انتهت صلاحية النموذج" in response.get_data(as_text=True)


def test_a_banned_reader_is_told_keeps_the_text_and_moderators_see_the_attempt(app, world):
    with app.app_context():
        db.session.add(Ban(email="banned@example.org", reason="spam"))
        db.session.commit()
    text = "محاولة من محظور"
    response = post_comment(app.test_client(), world["slug"], author_email="Banned@example.org", body=text)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "تم حظر عنوانك أو بريدك الإلكتروني" in html and text in html
    with app.app_context():
        stored = db.session.scalars(select(Comment).where(Comment.body == text)).one()
        assert stored.status is CommentStatus.REJECTED and "spam" in stored.screen_rules


def test_a_banned_address_is_enforced_too(app, world):
    with app.app_context():
        db.session.add(Ban(address="198.51.100.0/24", reason="flood"))
        db.session.commit()
    response = post_comment(app.test_client(), world["slug"], address="198.51.100.77", body="من شبكة محظورة")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ("روابط https://a.example https://b.example https://c.example https://d.example", "روابط كثيرة"),
    ],
)
def test_too_many_links_are_held_and_the_reader_is_told_why(app, world, body, hint):
    app.config["MODERATION_MODE"] = "post"
    client = app.test_client()
    assert post_comment(client, world["slug"], body=body).status_code == 303
    html = client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    assert hint in html
    with app.app_context():
        assert db.session.scalars(select(Comment).where(Comment.body == body)).one().status is CommentStatus.PENDING


def test_a_flood_from_one_network_is_held_and_the_reader_is_told_without_blame(app, world):
    """Readers behind one address (an office, a mobile operator's) share its count: the hint names the network as
    well as the reader, since this reader may have sent only one."""
    app.config["MODERATION_MODE"] = "post"
    for n in range(app.config["MODERATION_FLOOD_LIMIT"] + 1):
        post_comment(app.test_client(), world["slug"], address="198.51.100.10", body=f"تعليق رقم {n} من المكتب",
                     author_email=f"colleague{n}@example.org")
    client = app.test_client()
    body = "تعليقي الوحيد من شبكة المكتب"
    assert post_comment(client, world["slug"], address="198.51.100.20", body=body,
                        author_email="newcomer@example.org").status_code == 303
    html = client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    assert "وصلت تعليقات كثيرة منك أو من شبكتك في وقت قصير" in html
    with app.app_context():
        assert db.session.scalars(select(Comment).where(Comment.body == body)).one().status is CommentStatus.PENDING


def test_a_duplicate_is_held_and_the_reader_is_told_why(app, world):
    app.config["MODERATION_MODE"] = "post"
    body = "نص مكرر حرفيا للمرة الثانية"
    assert post_comment(app.test_client(), world["slug"], body=body, author_email="first@example.org").status_code == 303
    client = app.test_client()
    assert post_comment(client, world["slug"], body=body, author_email="second@example.org").status_code == 303
    assert "أُرسل من قبل" in client.get(f"/articles/{world['slug']}").get_data(as_text=True)
    with app.app_context():
        statuses = [c.status for c in db.session.scalars(select(Comment).where(Comment.body == body).order_by(Comment.id))]
    assert statuses[-1] is CommentStatus.PENDING
