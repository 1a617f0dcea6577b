"""Fixtures: an app per database backend (SQLite always, PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import re
import secrets

import pytest
from sqlalchemy import create_engine, text

from blog import create_app
from blog.config import normalize_database_url
from blog.extensions import db
from blog.models import Article, ArticleStatus, Role, SiteState, utcnow
from blog.services.screening import MODE_KEY

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
PASSWORD = "correct horse battery staple"
# Tables kept across tests: the screening term lists are loaded once per backend.
KEEP_TABLES = {"screening_terms", "site_state", "alembic_version"}


def _reset_postgres(url: str) -> None:
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend, built through the migrations with the shipped terms."""
    from flask_migrate import upgrade

    from blog.services.screening import load_shipped_terms_into_db

    urls = {"sqlite": "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")}
    if "postgresql" in BACKENDS:
        urls["postgresql"] = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(urls["postgresql"])
    instance = tmp_path_factory.mktemp("instance")
    for url in urls.values():
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with app.app_context():
            upgrade()
            load_shipped_terms_into_db()
            db.engine.dispose()
    os.environ.setdefault("MAJLIS_INSTANCE_PATH", str(instance))
    return urls


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    # The terms and their version stay; an admin's choice of moderation mode does not outlive its test.
    db.session.execute(SiteState.__table__.delete().where(SiteState.key == MODE_KEY))
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def app(request, database_urls, tmp_path):
    """The app on one backend, with empty tables (terms kept) and test settings."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "SQLALCHEMY_DATABASE_URI": database_urls[request.param],
        "MODEL_PATH": str(tmp_path / "model"),
        "RATELIMIT_ENABLED": False,  # tests of the limits enable it (tests/security/)
        "COMMENT_MIN_FILL_SECONDS": 0,  # likewise for the minimum fill time of the comment form
        "SERVER_NAME": None,
    }
    config.update(getattr(request, "app_overrides", {}))
    application = create_app(config)
    with application.app_context():
        _empty_tables()
    yield application
    with application.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(app, role: Role, email: str | None = None):
    from blog.cli import create_user

    with app.app_context():
        user = create_user(email or f"{role.value}@example.org", PASSWORD, role)
        return user.id


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form (CSRF token taken from the page)."""
    page = client.get("/auth/login").get_data(as_text=True)
    token = csrf_token(page)
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def staff_client(app):
    """A factory of clients logged in with a given role."""

    def factory(role: Role):
        email = f"{role.value}-{secrets.token_hex(3)}@example.org"
        make_user(app, role, email)
        c = app.test_client()
        response = login(c, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return c

    return factory


@pytest.fixture
def killer(app):
    """A second engine on the app's PostgreSQL database, to end the app's connections from the server side
    (pg_terminate_backend); the test is skipped on SQLite."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs a server-side connection to kill: PostgreSQL backend (TEST_DATABASE_URL)")
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def article(app):
    """A published article open for comments."""
    with app.app_context():
        item = Article(
            title="مقال للاختبار عن التعاونيات", slug="test-article", lead="مقدمة قصيرة",
            body="الفقرة الأولى.\n\nالفقرة الثانية.", source="مجلس", status=ArticleStatus.PUBLISHED,
            published_at=utcnow(),
        )
        db.session.add(item)
        db.session.commit()
        return {"id": item.id, "slug": item.slug}
