"""deploy/: nginx with proxy caching in front of two gunicorn instances; two app hosts on PostgreSQL and Redis."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Comment, CommentStatus
from tests.conftest import PASSWORD

from .procs import Browserless, hidden, nginx_binary, start_nginx

GOOD = {"author_name": "فاطمة", "author_email": "fatima@example.org", "body": "مقال مفيد، شكرا على هذه المعلومات."}


@pytest.fixture
def nginx(tmp_path):
    """A factory starting Debian's nginx with deploy/nginx/majlis.conf on a loopback port."""
    if nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (.ci/run installs it)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    from .procs import free_port

    started = []

    def start(upstreams: list[int]) -> int:
        port = free_port()
        started.append(start_nginx(tmp_path / "nginx", port, upstreams))
        return port

    yield start
    for process in started:
        process.stop()


def _post_comment(client: Browserless, slug: str, body: str):
    tokens_response, tokens = client.get("/reader/tokens")
    assert tokens_response.status == 200
    import json

    data = json.loads(tokens)
    return client.post(f"/articles/{slug}/comments",
                       {**GOOD, "body": body, "csrf_token": data["csrf_token"], "form_token": data["form_token"]})


def test_nginx_caches_shared_pages_never_posts_or_personal_pages(app, article, app_env_for, servers, nginx):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the proxy's behaviour does not depend on the database: runs once, on SQLite")
    env = app_env_for(TRUSTED_PROXIES="1", SHARED_PAGE_SECONDS="30")
    ports = [servers(env, workers=1)[1] for _ in range(2)]
    port = nginx(ports)
    slug = article["slug"]

    anonymous = Browserless(port)
    first, html = anonymous.get(f"/articles/{slug}")
    second, html_again = Browserless(port).get(f"/articles/{slug}")
    assert first.status == second.status == 200
    assert first.getheader("X-Cache-Status") == "MISS" and second.getheader("X-Cache-Status") == "HIT"
    assert html == html_again and first.getheader("Set-Cookie") is None
    assert first.getheader("Cache-Control").startswith("public")
    assert 'name="csrf_token" type="hidden" value=""' in html  # nothing of one reader in a shared page
    # Conditional requests through the proxy: 304 with the validator.
    revalidated, _ = Browserless(port).get(f"/articles/{slug}", headers={"If-None-Match": first.getheader("ETag")})
    assert revalidated.status == 304

    # POSTs are never cached: two readers' comments both reach the app and are both stored.
    reader_a, reader_b = Browserless(port), Browserless(port)
    posted_a = _post_comment(reader_a, slug, "تعليق القارئ الأول عبر الوكيل")[0]
    posted_b = _post_comment(reader_b, slug, "تعليق القارئ الثاني عبر الوكيل")[0]
    assert posted_a.status == posted_b.status == 303
    assert posted_a.getheader("X-Cache-Status") in (None, "") and posted_b.getheader("X-Cache-Status") in (None, "")
    with app.app_context():
        stored = db.session.scalars(select(Comment).order_by(Comment.id)).all()
        assert [c.body for c in stored] == ["تعليق القارئ الأول عبر الوكيل", "تعليق القارئ الثاني عبر الوكيل"]
        assert stored[0].address == "127.0.0.0/24"  # X-Forwarded-For trusted from nginx only

    # A reader with a session goes past the cache and sees their own pending comment, with their token.
    personal, page_a = reader_a.get(f"/articles/{slug}")
    assert personal.getheader("X-Cache-Status") == "BYPASS" and personal.getheader("Cache-Control") == "private, no-store"
    assert "تعليق القارئ الأول عبر الوكيل" in page_a and hidden(page_a, "csrf_token")
    assert "تعليق القارئ الثاني عبر الوكيل" not in page_a
    # ... while the shared copy never holds it.
    shared, shared_html = Browserless(port).get(f"/articles/{slug}")
    assert shared.getheader("X-Cache-Status") == "HIT" and "تعليق القارئ الأول" not in shared_html
    assert hidden(page_a, "csrf_token") not in shared_html
    # The token endpoint is never cached: two readers get two tokens.
    tokens_1 = Browserless(port).get("/reader/tokens")
    tokens_2 = Browserless(port).get("/reader/tokens")
    assert tokens_1[1] != tokens_2[1] and tokens_1[0].getheader("X-Cache-Status") != "HIT"


def test_two_app_processes_give_the_same_page_the_same_validator(app, article, app_env_for, servers):
    """A shared page's ETag is made from what it shows alone: each process that renders it (after a cache
    entry expired, or on another host) gives the proxy and the browsers the validator they already hold."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the validator does not depend on the database: runs once, on SQLite")
    from tests.views.test_page_cache import publish_comment

    for n in range(3):  # a page of threads: the kept block spliced into the stored page
        publish_comment(app, article["id"], f"تعليق منشور رقم {n} على المقال.")
    with app.app_context():
        db.engine.dispose()
    env = app_env_for(TRUSTED_PROXIES="1")
    ports = [servers(env, workers=1)[1] for _ in range(2)]
    shared = {"X-Shared-Cache": "1", "Host": "news.example.org"}  # one site: the same absolute links
    answers = [Browserless(port).get(f"/articles/{article['slug']}", headers=shared) for port in ports]
    (first, html), (second, html_again) = answers
    assert first.status == second.status == 200 and html == html_again
    assert "تعليق منشور رقم 2 على المقال." in html and "majlis-block" not in html
    assert first.getheader("ETag") and first.getheader("ETag") == second.getheader("ETag")
    revalidated, _ = Browserless(ports[1]).get(f"/articles/{article['slug']}",
                                               headers={**shared, "If-None-Match": first.getheader("ETag")})
    assert revalidated.status == 304


def _login(client: Browserless, email: str) -> None:
    _, page = client.get("/auth/login")
    response, _ = client.post("/auth/login", {"email": email, "password": PASSWORD, "csrf_token": hidden(page, "csrf_token")})
    assert response.status == 302


def test_two_app_hosts_on_postgresql_and_redis_see_an_approval_within_a_second(
    app, article, app_env_for, servers, redis_url, moderator_email
):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("several app hosts: runs on the PostgreSQL backend (TEST_DATABASE_URL)")
    host_a = servers(app_env_for("instance-a", REDIS_URL=redis_url), workers=1)[1]
    host_b = servers(app_env_for("instance-b", REDIS_URL=redis_url), workers=1)[1]
    slug = article["slug"]

    reader = Browserless(host_a)
    _, page = reader.get(f"/articles/{slug}")
    response, _ = reader.post(f"/articles/{slug}/comments",
                              {**GOOD, "csrf_token": hidden(page, "csrf_token"), "form_token": hidden(page, "form_token")})
    assert response.status == 303
    # The reader's session works on the other host too (same secret): their pending comment shows there.
    reader.port, reader.conn = host_b, None
    _, on_b = reader.get(f"/articles/{slug}")
    assert GOOD["body"] in on_b

    other = Browserless(host_b)
    other.get(f"/articles/{slug}")
    cached, before = other.get(f"/articles/{slug}")
    assert cached.getheader("X-Page-Cache") == "hit" and GOOD["body"] not in before

    moderator = Browserless(host_a)
    _login(moderator, moderator_email)
    _, queue = moderator.get("/moderation/")
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        comment_id, version = comment.id, comment.version
    approved, _ = moderator.post(f"/moderation/comments/{comment_id}/approve",
                                 {"csrf_token": hidden(queue, "csrf_token"), "version": str(version)})
    assert approved.status == 303
    approved_at = time.monotonic()
    seen = None
    while time.monotonic() - approved_at < 1.0:
        _, html = Browserless(host_b).get(f"/articles/{slug}")
        if GOOD["body"] in html:
            seen = time.monotonic() - approved_at
            break
        time.sleep(0.05)
    assert seen is not None, "host B still served the old page a second after the approval on host A"
    with app.app_context():
        assert db.session.get(Comment, comment_id).status is CommentStatus.PUBLISHED
    # The moderator's session is valid on host B as well.
    moderator.port, moderator.conn = host_b, None
    queue_b, _ = moderator.get("/moderation/")
    assert queue_b.status == 200
