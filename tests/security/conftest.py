"""Fixtures of the security suite: a populated site, a client per role, a snapshot of every table."""
from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import select

from blog.demo import load_demo_content
from blog.extensions import db
from blog.models import ArticleRevision, Ban, Comment, CommentStatus, Role, ScreeningTerm, StaffSession, Tag, User
from tests.conftest import login, make_user

ROLES = ("anonymous", "editor", "moderator", "admin")


def db_snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: two equal snapshots mean nothing changed."""
    with app.app_context():
        snapshot = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            snapshot[table.name] = [tuple(row) for row in db.session.execute(table.select().order_by(*order))]
        db.session.remove()
        return snapshot


def fill(rule: str, samples: dict[str, str]) -> str:
    """A route's URL with its arguments taken from `samples` (a missing sample fails the test).

    A sample named after the route's first segment wins (`category_slug` for /category/<slug>).
    """
    section = rule.strip("/").split("/")[0]

    def value(match: re.Match) -> str:
        name = match.group(1)
        if f"{section}_{name}" in samples:
            return str(samples[f"{section}_{name}"])
        assert name in samples, f"no sample value for <{name}> in {rule}: add one to SAMPLES"
        return str(samples[name])

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule)


class RoleClient:
    """A test client logged in as one role, put back in that state before every request."""

    def __init__(self, app, role: str):
        self.app = app
        self.role = role
        self.client = app.test_client()
        self.user_id = None
        self.cookie = None
        if role != "anonymous":
            email = f"{role}-{secrets.token_hex(3)}@example.org"
            self.user_id = make_user(app, Role(role), email)
            assert login(self.client, email).status_code == 302
            self.client.get("/")  # puts the CSRF secret in the session that reset() restores
            self.cookie = self.client.get_cookie("session").value
            with app.app_context():
                self.token = db.session.get(User, self.user_id).session_token
                self.login_key = db.session.scalars(select(StaffSession.key).where(
                    StaffSession.user_id == self.user_id)).one()

    def reset(self) -> None:
        """Same session as right after login (a logout or a language switch in between is undone)."""
        self.client.delete_cookie("lang")
        if self.cookie is None:  # anonymous: keeps its own session (and so its CSRF token)
            return
        self.client.set_cookie("session", self.cookie)
        with self.app.app_context():
            user = db.session.get(User, self.user_id)
            if user.session_token != self.token:
                user.session_token = self.token
            if db.session.get(StaffSession, self.login_key) is None:  # logged out: the same login back
                db.session.add(StaffSession(key=self.login_key, user_id=self.user_id))
            db.session.commit()

    def csrf_token(self) -> str:
        from tests.conftest import csrf_token

        self.reset()
        # The login form (anonymous), or where it sends a signed-in member (their forms).
        return csrf_token(self.client.get("/auth/login", follow_redirects=True).get_data(as_text=True))

    def open(self, method: str, url: str, **kwargs):
        self.reset()
        return self.client.open(url, method=method, **kwargs)


@pytest.fixture
def world(app):
    """Demo articles and comments, and a sample value for every kind of route argument."""
    with app.app_context():
        load_demo_content()
        published = db.session.scalars(
            select(Comment).where(Comment.status == CommentStatus.PUBLISHED).order_by(Comment.id)
        ).first()
        term = db.session.scalars(select(ScreeningTerm).order_by(ScreeningTerm.id)).first()
        ban = Ban(email="banned.sample@example.org", reason="sample")
        db.session.add(ban)
        staff_id = make_user(app, Role.EDITOR, "sample.staff@example.org")
        article = published.article
        revision = ArticleRevision(article_id=article.id, number=1, title=article.title, lead=article.lead,
                                   body=article.body, source=article.source, status=article.status.value)
        db.session.add(revision)
        tag = Tag(name="مكتبات", slug="maktabat")
        article.tags.append(tag)
        db.session.commit()
        return {
            "queue": "pending", "article_id": published.article_id, "ban_id": ban.id,
            "user_id": staff_id, "revision_id": revision.id, "name": "0123456789abcdef.jpg",
            "category_slug": article.category.slug, "category_id": article.category.id, "tag_slug": tag.slug,
            "slug": published.article.slug, "comment_id": published.id, "term_id": term.id,
            "filename": "css/site.css", "token": "not-a-valid-token",
        }


class _Clients(dict):
    def __init__(self, app):
        super().__init__()
        self.app = app

    def __missing__(self, role: str) -> RoleClient:
        self[role] = RoleClient(self.app, role)
        return self[role]

    def all(self) -> list[RoleClient]:
        return [self[role] for role in ROLES]


@pytest.fixture
def role_clients(app, world):
    """A client per role (anonymous, editor, moderator, admin), logged in when first asked for."""
    return _Clients(app)
