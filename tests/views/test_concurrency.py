"""Two moderators decide the same comment at the same moment, against a running server: one wins, one is told."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from blog.extensions import db
from blog.models import Role, User
from tests.browser.conftest import live_server  # noqa: F401  (the fixture)
from tests.conftest import PASSWORD, csrf_token, make_user
from tests.workbench import CLEAN, CommentStatus, add_comment, comment_row, human_actions


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """A browser-like HTTP session: its own cookies, CSRF token from the pages."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode(),
                                         headers=headers or {}, method="POST")
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, email: str) -> None:
        status, _ = self.post("/auth/login", {"email": email, "password": PASSWORD,
                                              "csrf_token": csrf_token(self.get("/auth/login"))})
        assert status == 302


@pytest.mark.parametrize("round_", range(3))
def test_two_moderators_at_once_one_wins_one_is_told(app, article, live_server, round_):  # noqa: F811
    make_user(app, Role.MODERATOR, "amina@example.org")
    make_user(app, Role.MODERATOR, "yassine@example.org")
    cid = add_comment(app, article["id"], CLEAN)
    version = comment_row(app, cid).version
    sessions = {}
    for email in ("amina@example.org", "yassine@example.org"):
        session = Session(live_server)
        session.login(email)
        sessions[email] = (session, csrf_token(session.get("/moderation/")))
    barrier = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def decide(email: str, path: str, extra: dict):
        session, token = sessions[email]
        barrier.wait()
        status, body = session.post(path, {"csrf_token": token, "version": version, **extra},
                                    headers={"X-Requested-With": "fetch"})
        results[email] = (status, json.loads(body))

    threads = [
        threading.Thread(target=decide, args=("amina@example.org", f"/moderation/comments/{cid}/approve", {})),
        threading.Thread(target=decide, args=("yassine@example.org", f"/moderation/comments/{cid}/reject",
                                              {"rule": "insult"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(code for code, _ in results.values()) == [200, 409]
    (winner,) = [email for email, (code, _) in results.items() if code == 200]
    (loser,) = [email for email, (code, _) in results.items() if code == 409]
    rows = human_actions(app, cid)
    assert len(rows) == 1
    with app.app_context():
        actor = db.session.get(User, rows[0].actor_id)
        assert actor.email == winner
        winner_name = actor.display_name
    expected = CommentStatus.PUBLISHED if winner == "amina@example.org" else CommentStatus.REJECTED
    assert comment_row(app, cid).status is expected and rows[0].to_status == expected.value
    told = results[loser][1]
    assert told["ok"] is False and winner_name in told["message"] and told["status"] == expected.value
