"""UTCDateTime: aware UTC datetimes back from every backend, as stored by the app or written as plain text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sqlalchemy import Column, MetaData, Table, create_engine, select, text
from sqlalchemy.dialects import postgresql, sqlite

from blog.extensions import db
from blog.models import Article
from blog.models.types import UTCDateTime


def test_dates_come_back_aware_and_equal_on_each_backend(app, article):
    moments = (datetime(2024, 4, 29, 23, 59, 58, 123456, tzinfo=timezone.utc),
               datetime(2024, 5, 1, 1, 2, 3, tzinfo=timezone(timedelta(hours=1))))
    for moment in moments:
        with app.app_context():
            db.session.get(Article, article["id"]).published_at = moment
            db.session.commit()
        with app.app_context():
            stored = db.session.scalar(select(Article.published_at).where(Article.id == article["id"]))
            assert stored == moment and stored.tzinfo == timezone.utc


def test_sqlite_text_is_read_in_one_step_whatever_its_form():
    read = UTCDateTime()._cached_result_processor(sqlite.dialect(), None)
    utc = timezone.utc
    assert read("2024-04-29 23:59:58.123456") == datetime(2024, 4, 29, 23, 59, 58, 123456, tzinfo=utc)
    assert read("2024-04-29 23:59:58") == datetime(2024, 4, 29, 23, 59, 58, tzinfo=utc)  # CURRENT_TIMESTAMP's form
    assert read("2024-04-29 23:59:58+01:00") == datetime(2024, 4, 29, 22, 59, 58, tzinfo=utc)  # an offset of its own
    assert read(None) is None
    assert read("2024-04-29 23:59:58").tzinfo is utc
    assert read("2024-04-29 23:59:58") is read("2024-04-29 23:59:58")  # parsed once, then looked up


def test_postgresql_dates_in_utc_are_kept_and_others_converted():
    read = UTCDateTime()._cached_result_processor(postgresql.psycopg.dialect(), None)
    utc = datetime(2024, 4, 29, 23, 59, 58, tzinfo=timezone.utc)
    assert read(utc) is utc
    assert read(None) is None
    casablanca = read(datetime(2024, 4, 30, 0, 59, 58, tzinfo=timezone(timedelta(hours=1))))
    assert casablanca == utc and casablanca.tzinfo is timezone.utc


def test_postgresql_sessions_run_in_utc(app):
    """The app's PostgreSQL sessions are in UTC, whatever the server's default zone: dates need no conversion."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL backend only (TEST_DATABASE_URL)")
    with app.app_context():
        assert db.session.scalar(text("SHOW TimeZone")) == "UTC"
        now = db.session.scalar(text("SELECT now()"))
    assert now.tzinfo is timezone.utc


def test_sqlite_rows_written_as_plain_text_are_read_as_utc():
    engine = create_engine("sqlite://")
    table = Table("moments", MetaData(), Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO moments (at) VALUES ('2024-05-01 10:00:00'), (CURRENT_TIMESTAMP), (NULL)"))
        written, now, empty = conn.execute(select(table.c.at)).scalars().all()
    assert written == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert now.tzinfo is timezone.utc and abs(now - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert empty is None
