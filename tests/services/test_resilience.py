"""A database connection that dies under a transaction never turns into a bare 500."""
from __future__ import annotations

from sqlalchemy import text

from blog.extensions import db


def test_a_connection_killed_under_a_transaction_is_dropped_at_teardown(app, killer):
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction is open
        with killer.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    # Leaving the context ran the teardowns without raising; the next request gets a new connection.
    with app.app_context():
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


def test_a_pooled_connection_the_server_closed_is_replaced_before_a_request_uses_it(app, article, killer):
    """After a server-side end of the pool's connections (a restart, an administrator's kill), the next
    request is answered as usual: the dead connection is seen on checkout, without a ping round trip."""
    assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")
    client = app.test_client()
    assert client.get(f"/articles/{article['slug']}").status_code == 200
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.commit()  # the connection goes back to the pool, idle
    with killer.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        conn.execute(text("SELECT pg_sleep(0.2)"))  # the backend's last message reaches the socket
    for _ in range(3):
        response = client.get(f"/articles/{article['slug']}?page=1")
        assert response.status_code == 200, response.status_code
    with app.app_context():
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
