"""The page cache's front (blog/pagefront.py): cookie-less readers get the same cached page as through Flask,
with their own working tokens, and every other request still goes through Flask."""
from __future__ import annotations

import pytest
from flask import request_started
from werkzeug.http import parse_cookie

from blog import create_app
from tests.conftest import csrf_token
from tests.views.test_page_cache import GOOD, SHARED, comments, form_token, publish_comment


@pytest.fixture
def flask_calls(app):
    """The number of requests that reached Flask's request machinery (the front skips it)."""
    return counted_requests(app)


def counted_requests(app) -> list:
    calls = []
    request_started.connect(lambda sender, **extra: calls.append(1), app, weak=False)
    return calls


def fresh(app):
    """A browser on its first visit: it never sends a cookie."""
    return app.test_client(use_cookies=False)


def session_cookie(app, **data) -> str:
    """A session cookie signed by the app, holding a CSRF secret and `data`."""
    return app.session_interface.get_signing_serializer(app).dumps({"csrf_token": "s" * 40, **data})


def stamp(html: str) -> str:
    import re

    return re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)


def test_a_cookie_less_reader_gets_the_cached_page_from_the_front_with_own_tokens(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    first = fresh(app).get(url)  # a miss: the front renders through the view's renderer and stores
    assert first.headers["X-Page-Cache"] == "miss" and "Set-Cookie" in first.headers
    a, b = fresh(app).get(url), fresh(app).get(url)
    assert not flask_calls, "the page was not served by the front"
    assert a.status_code == b.status_code == 200 and a.headers["X-Page-Cache"] == "hit"
    html_a, html_b = a.get_data(as_text=True), b.get_data(as_text=True)
    assert "__majlis_" not in html_a and "مقال للاختبار عن التعاونيات" in html_a
    assert csrf_token(html_a) != csrf_token(html_b) and form_token(html_a) != form_token(html_b)
    assert stamp(html_a) and stamp(html_b)
    cookie_a = parse_cookie(a.headers["Set-Cookie"].split(";", 1)[0])
    cookie_b = parse_cookie(b.headers["Set-Cookie"].split(";", 1)[0])
    assert cookie_a["session"] != cookie_b["session"]
    # Reader A's tokens work with A's session, and only with it.
    reader_a = app.test_client()
    reader_a.set_cookie("session", cookie_a["session"])
    data = {**GOOD, "csrf_token": csrf_token(html_a), "form_token": form_token(html_a), "started": stamp(html_a)}
    assert reader_a.post(f"{url}/comments", data=data).status_code == 303
    reader_b = app.test_client()
    reader_b.set_cookie("session", cookie_b["session"])
    refused = reader_b.post(f"{url}/comments", data={**data, "form_token": form_token(html_b)})
    assert refused.status_code == 400
    assert len(comments(app)) == 1


def _without_own_parts(response) -> tuple[dict, str]:
    headers = {k: v for k, v in response.headers.items() if k not in ("Set-Cookie", "Date", "Content-Length")}
    assert int(response.headers["Content-Length"]) == len(response.get_data())  # tokens vary in length
    html = response.get_data(as_text=True)
    for value in (csrf_token(html), form_token(html), stamp(html)):
        html = html.replace(value, "TOKEN")
    return headers, html


@pytest.mark.parametrize("https", [False, True])
def test_the_front_answers_exactly_as_flask_would(app, article, flask_calls, https, monkeypatch, tmp_path):
    url = f"/articles/{article['slug']}"
    base = {"base_url": "https://localhost"} if https else {}
    front_miss = fresh(app).get(url, **base)
    through_front = fresh(app).get(url, **base)
    assert not flask_calls
    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))  # a cache of its own: its first answer is a miss
    twin = create_app({**app.config, "PAGE_FRONT": False})  # the same site without the front
    flask_miss = twin.test_client(use_cookies=False).get(url, **base)
    through_flask = twin.test_client(use_cookies=False).get(url, **base)
    assert flask_miss.headers["X-Page-Cache"] == front_miss.headers["X-Page-Cache"] == "miss"
    assert through_flask.headers["X-Page-Cache"] == through_front.headers["X-Page-Cache"] == "hit"
    for front, flask in ((front_miss, flask_miss), (through_front, through_flask)):
        assert _without_own_parts(front) == _without_own_parts(flask)
        front_cookie, flask_cookie = front.headers["Set-Cookie"], flask.headers["Set-Cookie"]
        assert front_cookie.split(";", 1)[1] == flask_cookie.split(";", 1)[1]  # same attributes (Secure on HTTPS)
        assert ("Secure" in front_cookie) is https
        assert ("Strict-Transport-Security" in front.headers) is https


def test_the_front_s_new_session_cookie_is_the_one_flask_writes(app, monkeypatch):
    # Its value (plain JSON, signed) and its attributes (made once) as Flask's own session interface makes them.
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import TimestampSigner

    from blog.signing import new_csrf_secret

    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1764423123)
    data = {"csrf_token": new_csrf_secret()}
    for secure in (False, True, False):
        cookie = app.wsgi_app._session_cookie(data, secure)
        value, attributes = cookie.split(";", 1)
        assert value == "session=" + SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)
        assert ("Secure" in attributes) is secure and "HttpOnly" in attributes and "Expires" not in attributes


def test_shared_pages_from_the_front_carry_no_token_and_revalidate_through_flask(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    fresh(app).get(url, headers=SHARED)
    calls = len(flask_calls)
    shared = fresh(app).get(url, headers=SHARED)
    assert len(flask_calls) == calls
    html = shared.get_data(as_text=True)
    assert 'name="csrf_token" type="hidden" value=""' in html and "Set-Cookie" not in shared.headers
    assert shared.headers["Cache-Control"].startswith("public") and shared.headers["ETag"]
    again = fresh(app).get(url, headers={**SHARED, "If-None-Match": shared.headers["ETag"]})
    assert again.status_code == 304 and len(flask_calls) == calls + 1  # validators: Flask answers


def test_requests_the_front_must_not_answer_go_through_flask(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    fresh(app).get(url)
    fresh(app).get(url + "?lang=fr")
    calls = len(flask_calls)
    french = fresh(app).get(url + "?lang=fr")
    assert len(flask_calls) == calls and 'lang="fr"' in french.get_data(as_text=True)
    cases = [
        lambda c: c.get(url, headers={"Cookie": "majlis_reader=x"}),  # a cookie the front does not read
        lambda c: c.get(url, headers={"Cookie": "session=forged.value.sig"}),
        lambda c: c.get(url, headers={"Cookie": "session=" + session_cookie(app, own_comments=[1])}),
        lambda c: c.get(url, headers={"Cookie": "session=" + session_cookie(app, _flashes=[["success", "x"]])}),
        lambda c: c.get(url, headers={"Cookie": "session=" + session_cookie(app, _user_id="1:x")}),
        lambda c: c.head(url),
        lambda c: c.post(url + "/comments", data=GOOD),
        lambda c: c.get(url + "/"),
        lambda c: c.get(url + "?page=%00"),
        lambda c: c.get("/articles/no-such-article"),
        lambda c: c.get(url, headers={"Range": "bytes=0-10"}),
    ]
    for number, case in enumerate(cases, start=1):
        response = case(fresh(app))
        assert len(flask_calls) == calls + number, f"case {number} skipped Flask"
        assert response.status_code < 500
    assert fresh(app).get(url + "?page=%00").status_code == 400


def test_a_newly_published_comment_reaches_cookie_less_readers_at_once(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    fresh(app).get(url)
    assert "تعليق نشر للتو" not in fresh(app).get(url).get_data(as_text=True)
    publish_comment(app, article["id"], "تعليق نشر للتو")
    page = fresh(app).get(url)
    assert page.headers["X-Page-Cache"] == "miss" and "تعليق نشر للتو" in page.get_data(as_text=True)


def test_the_front_can_be_switched_off(app, article, flask_calls):
    twin = create_app({**app.config, "PAGE_FRONT": False})
    calls = counted_requests(twin)
    url = f"/articles/{article['slug']}"
    for _ in range(3):
        twin.test_client(use_cookies=False).get(url)
    assert len(calls) == 3


def test_a_returning_reader_with_nothing_of_their_own_is_served_by_the_front(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    first = fresh(app).get(url)
    session = parse_cookie(first.headers["Set-Cookie"].split(";", 1)[0])["session"]
    reader = app.test_client()
    reader.set_cookie("session", session)
    calls = len(flask_calls)
    again = reader.get(url)
    assert len(flask_calls) == calls and again.headers["X-Page-Cache"] == "hit"
    assert "Set-Cookie" not in again.headers  # the reader keeps their session
    html = again.get_data(as_text=True)
    twin = create_app({**app.config, "PAGE_FRONT": False})
    twin_reader = twin.test_client()
    twin_reader.set_cookie("session", session)
    twin_reader.get(url)
    through_flask = twin_reader.get(url)
    assert _without_own_parts(again) == _without_own_parts(through_flask)
    assert "Set-Cookie" not in through_flask.headers
    data = {**GOOD, "csrf_token": csrf_token(html), "form_token": form_token(html), "started": stamp(html)}
    assert reader.post(f"{url}/comments", data=data).status_code == 303  # their token, their session
    # Now the session holds an own comment: the page is theirs alone, rendered by Flask.
    calls = len(flask_calls)
    mine = reader.get(url)
    assert len(flask_calls) == calls + 1 and GOOD["body"] in mine.get_data(as_text=True)


def test_the_language_cookie_is_followed_by_the_front(app, article, flask_calls):
    url = f"/articles/{article['slug']}"
    missed = fresh(app).get(url, headers={"Cookie": "lang=fr"})  # a miss: the front renders the French page
    french = fresh(app).get(url, headers={"Cookie": "lang=fr"})
    assert missed.headers["X-Page-Cache"] == "miss" and french.headers["X-Page-Cache"] == "hit"
    assert 'lang="fr"' in missed.get_data(as_text=True) and 'lang="fr"' in french.get_data(as_text=True)
    assert "Set-Cookie" in french.headers  # no session yet: a first visit
    arabic = fresh(app).get(url)
    assert arabic.headers["X-Page-Cache"] == "miss" and 'lang="ar"' in arabic.get_data(as_text=True)  # its own key
    assert not flask_calls


def test_a_miss_at_the_front_is_not_looked_up_again_by_the_view(app, article, monkeypatch, tmp_path):
    """The view renders the page the front just missed under the front's key (one look-up per request), and
    only for the same root URL, slug and language: a trusted proxy's host is the one both see."""
    from blog import pagecache

    keys = []
    real = pagecache.page_key
    monkeypatch.setattr(pagecache, "page_key", lambda root, *a, **k: keys.append(root) or real(root, *a, **k))
    path = f"/articles/{article['slug']}"
    assert fresh(app).get(path).headers["X-Page-Cache"] == "miss"
    assert keys == ["http://localhost/"]  # the front's look-up alone
    assert fresh(app).get(path).headers["X-Page-Cache"] == "hit"

    monkeypatch.setenv("MAJLIS_INSTANCE_PATH", str(tmp_path))
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    keys.clear()
    forwarded = {"X-Forwarded-Host": "news.example.org"}
    page = fresh(proxied).get(path, headers=forwarded)
    assert page.headers["X-Page-Cache"] == "miss" and "http://news.example.org/" in page.get_data(as_text=True)
    assert keys == ["http://news.example.org/"]  # the proxy runs before the front: one host, one look-up
    assert fresh(proxied).get(path, headers=forwarded).headers["X-Page-Cache"] == "hit"

    # A miss recorded for another root URL (a rewrite between the front and the view) is not the view's key.
    keys.clear()
    app.config["TRUSTED_HOSTS"] = ["localhost"]  # the front steps aside; the view answers
    stale = {pagecache.MISSED_KEY_ENVIRON: ("http://elsewhere.example/", article["slug"], "ar", "majlis:other-key")}
    assert fresh(app).get(path, environ_base=stale).headers["X-Page-Cache"] == "hit"
    assert keys == ["http://localhost/"]


def test_a_page_rendered_by_the_front_returns_its_connection_and_reads_nothing_of_the_reader(app, article,
                                                                                             flask_calls):
    from blog.extensions import db

    url = f"/articles/{article['slug']}"
    with app.app_context():
        pool = db.engine.pool
    before = pool.checkedout()
    missed = fresh(app).get(url, headers={"Cookie": "session=" + session_cookie(app)})  # a returning reader's miss
    assert missed.headers["X-Page-Cache"] == "miss" and not flask_calls
    assert pool.checkedout() == before  # the render's request context was torn down
    assert "Set-Cookie" not in missed.headers  # the reader keeps their session
    html = missed.get_data(as_text=True)
    assert "s" * 40 not in html and csrf_token(html) and "__majlis_" not in html


@pytest.mark.parametrize("trouble", ["database", "bug"])
def test_a_render_the_front_cannot_finish_is_answered_by_flask(app, article, flask_calls, monkeypatch, trouble):
    """Any error in the front's render (the database unavailable, a bug) sends the request to Flask, which
    renders it again and answers as for any request: its error page and its logging, or the page itself."""
    from sqlalchemy.exc import OperationalError

    front = app.wsgi_app
    real, failures = front.render, []

    def failing_once(slug):
        if not failures:
            failures.append(slug)
            raise OperationalError("SELECT", {}, Exception("server closed the connection")) if trouble == "database" \
                else ZeroDivisionError()
        return real(slug)

    monkeypatch.setattr(front, "render", failing_once)
    page = fresh(app).get(f"/articles/{article['slug']}")
    assert failures == [article["slug"]] and len(flask_calls) == 1
    assert page.status_code == 200 and page.headers["X-Page-Cache"] == "miss"
    assert "مقال للاختبار عن التعاونيات" in page.get_data(as_text=True) and "Set-Cookie" in page.headers


def test_a_former_slug_and_a_missing_article_on_a_first_visit_are_answered_by_flask(app, article, flask_calls):
    from blog.extensions import db
    from blog.models import Article
    from blog.services.articles import _change_slug

    with app.app_context():
        _change_slug(db.session.get(Article, article["id"]), "new-slug-for-the-front")
        db.session.commit()
    moved = fresh(app).get(f"/articles/{article['slug']}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/articles/new-slug-for-the-front")
    assert len(flask_calls) == 1
    assert fresh(app).get("/articles/never-was").status_code == 404 and len(flask_calls) == 2
    page = fresh(app).get("/articles/new-slug-for-the-front")
    assert page.status_code == 200 and page.headers["X-Page-Cache"] == "miss" and len(flask_calls) == 2


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_limits_on_every_page_keep_every_request_in_flask(app, article, setting):
    twin = create_app({**app.config, setting: "1000 per minute"})
    calls = counted_requests(twin)
    url = f"/articles/{article['slug']}"
    for _ in range(3):
        assert twin.test_client(use_cookies=False).get(url).status_code == 200
    assert len(calls) == 3
