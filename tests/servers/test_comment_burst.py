"""Comment bursts against gunicorn (2 sync workers): nothing lost, nothing duplicated, no 5xx; an outage of PostgreSQL."""
from __future__ import annotations

import secrets
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import ActionKind, Comment, ModerationAction

from .procs import Browserless, TcpProxy, hidden

CLIENTS = 50
COMMENTS = 2000


def _comment_form(slug: str, reader: int, n: int, csrf: str) -> dict:
    return {
        "author_name": f"قارئ {reader}",
        "author_email": f"reader{reader}@example.org",
        "body": f"تعليق رقم {n} من القارئ {reader}: شكرا على المقال المفيد.",
        "csrf_token": csrf,
        "form_token": secrets.token_urlsafe(18),
    }


def _stored(app) -> tuple[int, Counter, int]:
    with app.app_context():
        keys = Counter(db.session.scalars(select(Comment.form_key)).all())
        screened = db.session.scalar(
            select(func.count()).select_from(ModerationAction).where(ModerationAction.action == ActionKind.SCREEN)
        )
        return sum(keys.values()), keys, screened


def test_2000_comments_from_50_clients_are_each_stored_once(app, article, app_env_for, servers):
    _, port = servers(app_env_for(), workers=2)
    slug = article["slug"]
    acknowledged: list[tuple[str, str]] = []  # (form_key source: form_token, Location)
    statuses: Counter = Counter()
    lock = threading.Lock()
    per_client = COMMENTS // CLIENTS

    def reader(index: int) -> None:
        client = Browserless(port)
        _, page = client.get(f"/articles/{slug}")
        csrf = hidden(page, "csrf_token")
        for n in range(per_client):
            form = _comment_form(slug, index, n, csrf)
            response, _ = client.post(f"/articles/{slug}/comments", form)
            with lock:
                statuses[response.status] += 1
                if response.status == 303:
                    acknowledged.append((form["form_token"], response.getheader("Location")))
        client.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, 240 - (time.monotonic() - started)))
    assert not any(t.is_alive() for t in threads), "the burst did not finish in time"
    assert statuses == Counter({303: COMMENTS}), statuses
    total, keys, screened = _stored(app)
    assert total == COMMENTS and len(keys) == COMMENTS and max(keys.values()) == 1
    assert screened == COMMENTS  # every comment has its screening audit row
    locations = [location for _, location in acknowledged]
    assert len(set(locations)) == COMMENTS and all(f"/articles/{slug}#comment-" in x for x in locations)


def test_postgresql_unreachable_for_seconds_gives_503_with_the_text_and_recovers(app, article, app_env_for, servers):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL outage: runs on the PostgreSQL backend (TEST_DATABASE_URL)")
    from sqlalchemy.engine import make_url

    target = make_url(url)
    proxy = TcpProxy(target.port or 5432, target.host or "127.0.0.1")
    proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    _, port = servers(app_env_for(database_url=proxied), workers=2)
    slug = article["slug"]
    outcomes: Counter = Counter()
    unavailable_pages: list[tuple[dict, str]] = []
    forms_sent: list[dict] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 7.0

    def reader(index: int) -> None:
        client = Browserless(port)
        _, page = client.get(f"/articles/{slug}")
        csrf = hidden(page, "csrf_token")
        n = 0
        while time.monotonic() < stop_at:
            form = _comment_form(slug, index, n, csrf)
            n += 1
            for _attempt in range(100):  # a reader presses "send" again until it is stored
                response, html = client.post(f"/articles/{slug}/comments", form)
                with lock:
                    outcomes[response.status] += 1
                if response.status == 303:
                    break
                assert response.status == 503, (response.status, html[:500])
                with lock:
                    unavailable_pages.append((form, html))
                form = {**form, "csrf_token": hidden(html, "csrf_token"), "form_token": hidden(html, "form_token")}
                time.sleep(0.2)
            else:
                raise AssertionError("the app did not recover")
            with lock:
                forms_sent.append(form)
            time.sleep(0.05)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        proxy.cut()
        time.sleep(3.0)
        proxy.restore()
        for t in threads:
            t.join(timeout=60)
    finally:
        proxy.cut()
    assert not any(t.is_alive() for t in threads)
    assert set(outcomes) <= {303, 503} and outcomes[503] > 0 and outcomes[303] > 0, outcomes
    for form, html in unavailable_pages[:20]:
        assert "أعد المحاولة" in html and form["body"] in html and form["author_email"] in html
        assert hidden(html, "form_token") == form["form_token"]
    total, keys, screened = _stored(app)
    assert total == len(forms_sent) == screened, (total, len(forms_sent), screened)  # nothing half-written
    assert max(keys.values()) == 1


def test_the_same_form_sent_ten_times_at_once_stores_one_comment(app, article, app_env_for, servers):
    _, port = servers(app_env_for(), workers=2)
    slug = article["slug"]
    first = Browserless(port)
    _, page = first.get(f"/articles/{slug}")
    form = _comment_form(slug, 1, 1, hidden(page, "csrf_token"))
    session_cookie = dict(first.cookies)
    locations: list[str] = []
    barrier = threading.Barrier(10)

    def send() -> None:
        client = Browserless(port)
        client.cookies.update(session_cookie)
        barrier.wait(timeout=30)
        response, _ = client.post(f"/articles/{slug}/comments", form)
        locations.append(f"{response.status} {response.getheader('Location')}")

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    total, keys, screened = _stored(app)
    assert total == 1 and screened == 1, locations
    assert len(locations) == 10 and len(set(locations)) == 1 and locations[0].startswith("303 ")
