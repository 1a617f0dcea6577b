"""Transactions under contention: retry on a locked SQLite file or a PostgreSQL serialization failure."""
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
