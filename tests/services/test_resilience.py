"""A database connection that dies under a transaction never turns into a bare 500."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from blog.extensions import db


def test_a_connection_killed_under_a_transaction_is_dropped_at_teardown(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs a server-side connection to kill: PostgreSQL backend (TEST_DATABASE_URL)")
    killer = create_engine(url)
    try:
        with app.app_context():
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction is open
            with killer.begin() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        # Leaving the context ran the teardowns without raising; the next request gets a new connection.
        with app.app_context():
            assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        killer.dispose()
