"""Helpers shared by the conversation tests: comments made in the database, forms posted through the client."""
from __future__ import annotations

import re
from datetime import timedelta

from blog.extensions import db
from blog.models import Comment, CommentStatus, utcnow
from blog.services.comments import refresh_counters
from blog.services.screening import forget_screener
from tests.conftest import csrf_token

CLEAN = "شكرا على هذا المقال المفيد، معلومات قيمة."


def post_moderation(app) -> None:
    """Clean comments publish at once (so replies can be tested without a moderator)."""
    app.config["MODERATION_MODE"] = "post"
    forget_screener()


def add_comment(app, article_id: int, name: str, body: str, *, parent: int | None = None,
                status: CommentStatus = CommentStatus.PUBLISHED, minutes: int = 0, likes: int = 0,
                email: str | None = None) -> int:
    """Store a comment directly (with its thread root) and refresh the counters; returns its id."""
    with app.app_context():
        root = None
        if parent:
            parent_row = db.session.get(Comment, parent)
            root = parent_row.root_id or parent_row.id
        created = utcnow() - timedelta(hours=5) + timedelta(minutes=minutes)
        comment = Comment(
            article_id=article_id, parent_id=parent, root_id=root, author_name=name,
            author_email=email or f"{abs(hash(name)) % 10**8}@example.org", body=body, status=status,
            created_at=created, decided_at=created if status is CommentStatus.PUBLISHED else None, like_count=likes,
        )
        db.session.add(comment)
        db.session.commit()
        refresh_counters(article_id, root)
        return comment.id


def token_of(client, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def post_comment(client, slug: str, **fields):
    """Post the article's comment form with a fresh CSRF token."""
    data = {"author_name": "سلمى", "author_email": "salma@example.org", "body": CLEAN, **fields}
    data["csrf_token"] = token_of(client, f"/articles/{slug}")
    return client.post(f"/articles/{slug}/comments", data={k: v for k, v in data.items() if v is not None})


def comment_ids_in(html: str) -> list[int]:
    """The ids of the comment items, in page order."""
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


def thread_of(html: str, root_id: int) -> str:
    """The HTML of one thread item (the root and its replies)."""
    start = html.index(f'<li class="thread" id="thread-{root_id}">')
    end = html.find('<li class="thread"', start + 10)
    return html[start:end if end != -1 else len(html)]


class BrowserSession:
    """A cookie-keeping HTTP client over urllib (stdlib), for threads against the live server."""

    def __init__(self, base: str) -> None:
        import http.cookiejar
        import urllib.request

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path, None, {})

    def post(self, path: str, data: dict, headers: dict | None = None) -> tuple[int, str]:
        from urllib.parse import urlencode

        return self._open(path, urlencode(data).encode(), headers or {})

    def _open(self, path, body, headers):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _no_redirect_class():
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return NoRedirect


_NoRedirect = _no_redirect_class()
