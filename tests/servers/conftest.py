"""Fixtures for tests against real servers on loopback ports (gunicorn, nginx, Redis, a TCP proxy)."""
from __future__ import annotations

import os
import secrets

import pytest

from blog.extensions import db
from blog.models import Role
from tests.conftest import make_user

from .procs import Process, app_env, start_gunicorn

def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/servers/" in str(item.fspath):
            item.add_marker(pytest.mark.servers)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def server_secret() -> str:
    return "srv-" + secrets.token_hex(8)


@pytest.fixture
def app_env_for(app, tmp_path, server_secret):
    """Environment factory for app processes on the test app's database."""

    def factory(instance_name: str = "instance", database_url: str | None = None, **extra) -> dict:
        instance = tmp_path / instance_name
        instance.mkdir(exist_ok=True)
        return app_env(database_url or app.config["SQLALCHEMY_DATABASE_URI"], instance, server_secret, **extra)

    with app.app_context():
        db.engine.dispose()  # the servers take the database from here on
    return factory


@pytest.fixture
def servers(tmp_path):
    """Processes started by a test (logs in its tmp_path), stopped at its end whatever happens."""
    started: list[Process] = []

    def start(env: dict, **kwargs):
        kwargs.setdefault("log", tmp_path / f"gunicorn-{len(started)}.log")
        process, port = start_gunicorn(env, **kwargs)
        started.append(process)
        return process, port

    start.started = started
    yield start
    for process in reversed(started):
        process.stop()


@pytest.fixture
def redis_url():
    """A Redis database of our own, emptied; skipped where no Redis answers (CI starts one)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but {REDIS_URL} does not answer")
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def moderator_email(app) -> str:
    email = f"mod-{secrets.token_hex(3)}@example.org"
    make_user(app, Role.MODERATOR, email)
    return email
