"""Transactions: retried under contention (a locked SQLite file, a PostgreSQL serialization failure), or none
at all for a page's reads (reading_connection)."""
from __future__ import annotations

import functools
import random
import time

from sqlalchemy.exc import OperationalError

from ..extensions import db

ATTEMPTS = 8
# SQLSTATEs PostgreSQL uses for transactions that may succeed when run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def is_transient(error: OperationalError) -> bool:
    """True for errors where running the same transaction again is safe and may succeed."""
    if "database is locked" in str(error.orig) or "database is busy" in str(error.orig):
        return True
    return getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


def retry_transaction(fn):
    """Run a service function again (after a rollback) when its transaction hit a transient lock."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for attempt in range(ATTEMPTS):
            try:
                return fn(*args, **kwargs)
            except OperationalError as error:
                db.session.rollback()
                if not is_transient(error) or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(min(0.5, 0.01 * 2**attempt) * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    return wrapper


def reading_connection():
    """The session's connection for a page's reads: when they open it, it runs without a transaction.

    On PostgreSQL that saves the BEGIN and ROLLBACK round trips around a page's statements (an uncached
    article page makes two). Each statement sees the latest committed data; a write later in the same
    request commits on its own. A session already in a transaction keeps it.

    SQLite's connection is used as it is: pysqlite opens no transaction for a read anyway, and switching its
    isolation level runs a PRAGMA that expires every statement the connection has prepared (each read
    would then be compiled again, about 0.3 ms for the article's).
    """
    session = db.session()
    if session.in_transaction() or session.get_bind().dialect.name == "sqlite":
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def reads_only(fn):
    """Run a view that only reads with its statements outside any transaction (reading_connection, opened
    before its first read): on PostgreSQL no BEGIN and ROLLBACK round trips around them, and the connection
    keeps its prepared statements (psycopg drops them all after a ROLLBACK).

    Only for views that write nothing: a write would commit statement by statement.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        reading_connection()
        return fn(*args, **kwargs)

    return wrapper
