"""Likes and dislikes: one per reader, change of mind, replay and flood refused, counts right under concurrency."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from blog import create_app
from blog.extensions import db
from blog.models import Comment, CommentReaction, CommentStatus
from tests.browser.conftest import live_server  # noqa: F401 (fixture)
from tests.conftest import csrf_token
from tests.views.conversation_helpers import BrowserSession, add_comment

JSON = {"Accept": "application/json"}


def _counts(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        rows = db.session.scalar(select(func.count()).select_from(CommentReaction).where(CommentReaction.comment_id == comment_id))
        return comment.like_count, comment.dislike_count, rows


def _react(client, comment_id, value, token, json=True):
    return client.post(f"/comments/{comment_id}/reaction", data={"value": value, "csrf_token": token},
                       headers=JSON if json else {})


@pytest.fixture
def published(app, article):
    return add_comment(app, article["id"], "أحمد", "تعليق منشور يستحق الإعجاب.")


def _token(client, article):
    return csrf_token(client.get(f"/articles/{article['slug']}").get_data(as_text=True))


def test_one_reaction_per_reader_changeable_and_replay_safe(app, client, article, published):
    token = _token(client, article)
    first = _react(client, published, "like", token)
    assert first.status_code == 200 and first.get_json() == {"comment": published, "likes": 1, "dislikes": 0, "mine": 1}
    cookie = first.headers["Set-Cookie"]
    assert "majlis_reader=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The same request again (a replay, a double click) changes nothing.
    for _ in range(3):
        assert _react(client, published, "like", token).get_json()["likes"] == 1
    assert _counts(app, published) == (1, 0, 1)
    # Replayed without the reader cookie but with the session (which a valid CSRF token needs): same reader.
    client.delete_cookie("majlis_reader")
    assert _react(client, published, "like", token).get_json()["likes"] == 1
    assert _counts(app, published) == (1, 0, 1)
    # Change of mind, then taking it back.
    assert _react(client, published, "dislike", token).get_json() == {"comment": published, "likes": 0, "dislikes": 1, "mine": -1}
    assert _counts(app, published) == (0, 1, 1)
    assert _react(client, published, "none", token).get_json() == {"comment": published, "likes": 0, "dislikes": 0, "mine": 0}
    assert _counts(app, published) == (0, 0, 0)
    # Another reader counts separately, and each sees their own choice pressed.
    other = app.test_client()
    _react(other, published, "like", _token(other, article))
    _react(client, published, "like", token)
    assert _counts(app, published) == (2, 0, 2)
    html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert 'class="reaction like" name="value" value="none" aria-pressed="true"' in " ".join(html.split())


def test_a_forged_reader_cookie_is_not_a_reader(app, client, article, published):
    token = _token(client, article)
    _react(client, published, "like", token)
    stranger = app.test_client()
    stranger_token = _token(stranger, article)
    stranger.set_cookie("majlis_reader", "not-a-signed-value")
    assert _react(stranger, published, "like", stranger_token).get_json()["likes"] == 2
    assert _counts(app, published) == (2, 0, 2)


def test_without_javascript_the_form_posts_and_redirects_to_the_comment(app, client, article, published):
    response = _react(client, published, "like", _token(client, article), json=False)
    assert response.status_code == 303 and response.headers["Location"] == f"/comments/{published}"
    page = client.get(f"/comments/{published}", follow_redirects=True).get_data(as_text=True)
    assert '<span class="count">1</span>' in page


def test_refused_reactions_change_nothing(app, client, article, published):
    token = _token(client, article)
    pending = add_comment(app, article["id"], "ن", "معلق", status=CommentStatus.PENDING)
    assert _react(client, pending, "like", token).status_code == 404
    assert _react(client, pending, "like", token).get_json() == {"error": "لم يعد هذا التعليق منشورا."}
    assert _react(client, pending, "like", token, json=False).mimetype == "text/html"
    assert _react(client, 424242, "like", token).status_code == 404
    assert _react(client, published, "love", token).status_code == 400
    assert client.post(f"/comments/{published}/reaction", data={"value": "like"}).status_code == 400  # no CSRF
    assert client.get(f"/comments/{published}/reaction").status_code == 405
    assert _counts(app, published) == (0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentReaction)) == 0


def test_a_page_open_too_long_tells_its_script_why_the_reaction_was_refused(app, client, article, published):
    """The page's script asks for JSON: an expired or missing token is answered with a message it can show, in the
    reader's language; a browser without the script still gets the page that explains it."""
    response = _react(client, published, "like", "an-expired-token")
    assert response.status_code == 400
    assert response.get_json() == {"error": "انتهت صلاحية الصفحة: أعد تحميلها ثم أعد المحاولة."}
    client.post("/language", data={"lang": "en", "csrf_token": _token(client, article)})
    response = _react(client, published, "like", "an-expired-token")
    assert response.get_json() == {"error": "This page has expired: reload it and try again."}
    response = _react(client, published, "like", "an-expired-token", json=False)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert _counts(app, published) == (0, 0, 0)


def test_a_setting_turns_dislikes_off(app, client, article, published):
    app.config["REACTIONS_DISLIKE_ENABLED"] = False
    html = client.get(f"/articles/{article['slug']}").get_data(as_text=True)
    assert 'class="reaction like"' in html and 'class="reaction dislike"' not in html
    assert _react(client, published, "dislike", csrf_token(html)).status_code == 400
    assert _counts(app, published) == (0, 0, 0)


@pytest.fixture
def limited_app(app, database_urls, tmp_path):
    """The same database with the address-based limit switched on (3 reactions a minute)."""
    limited = create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "MODEL_PATH": str(tmp_path / "model"),
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "REACTION_RATE_LIMIT": "3 per minute",
    })
    yield limited
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_flood_from_one_address_is_refused(limited_app, article, published):
    # Fresh browsers (new sessions, new reader ids) from one address: the limit stops them, not the cookie.
    answers = []
    for i in range(5):
        fresh = limited_app.test_client()
        token = _token(fresh, article)
        answers.append(_react(fresh, published, "like", token).status_code)
    assert answers == [200, 200, 200, 429, 429]
    assert _counts(limited_app, published) == (3, 0, 3)
    fresh = limited_app.test_client()
    refused = _react(fresh, published, "like", _token(fresh, article), json=False)
    assert refused.status_code == 429 and "طلبات كثيرة" in refused.get_data(as_text=True)
    # Another address is not affected.
    other = limited_app.test_client()
    token = _token(other, article)
    ok = other.post(f"/comments/{published}/reaction", data={"value": "like", "csrf_token": token},
                    headers=JSON, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert ok.status_code == 200 and ok.get_json()["likes"] == 4


def _browser_session(live_server, slug):
    session = BrowserSession(live_server)
    return session, csrf_token(session.get(f"/articles/{slug}")[1])


def _all_at_once(calls):
    """Run the calls in threads released together by a barrier; their HTTP statuses."""
    barrier = threading.Barrier(len(calls))
    statuses = []

    def run(call):
        barrier.wait(10)
        statuses.append(call()[0])

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_counts_stay_right_under_concurrent_clicks(app, live_server, article, published):
    readers = [_browser_session(live_server, article["slug"]) for _ in range(12)]
    url = f"/comments/{published}/reaction"

    def click(session, token, value):
        return lambda: session.post(url, {"value": value, "csrf_token": token}, JSON)

    # Every reader clicks "like" three times at once (double clicks, replays): each counts once.
    statuses = _all_at_once([click(s, t, "like") for s, t in readers for _ in range(3)])
    assert statuses == [200] * 36
    assert _counts(app, published) == (12, 0, 12)

    # Half change their mind while the other half click like again, all at once.
    statuses = _all_at_once([click(s, t, "dislike" if i % 2 else "like") for i, (s, t) in enumerate(readers)])
    assert statuses == [200] * 12
    assert _counts(app, published) == (6, 6, 12)
