"""Column types shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import Boolean, DateTime, String, func, literal
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from ..slugs import NAME_MARKS


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


@lru_cache(maxsize=8192)
def _utc_from_text(value: str) -> datetime:
    """SQLite's naive UTC ISO text as an aware datetime, read with its zone in one step. A page reads the same
    rows' dates again and again: each text is parsed once per process, for every UTCDateTime column together
    (one bound for the process, not one per column)."""
    return datetime.fromisoformat(value + "+00:00")


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect, coltype):
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite":

            def aware(value):
                # The connection's zone is UTC (blog/config.py): the driver's dates are already the answer.
                if value is None or value.tzinfo is timezone.utc:
                    return value
                return general(value)

            return aware

        def from_text(value):
            if value is None:
                return None
            try:
                return _utc_from_text(value)
            except (TypeError, ValueError):
                return general(value)  # not text, or text with its own offset

        return from_text

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class unindexed(FunctionElement):  # noqa: N801 (an SQL construct, named as SQLAlchemy's are)
    """A column as it is, written so that SQLite uses no index for a condition on it (SQLite's unary `+`; other
    backends get the column alone). SQLite has no statistics unless ANALYZE ran: it takes any equality on an
    indexed column for a selective one, even one that nearly every row meets."""

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


class in_rows(FunctionElement):  # noqa: N801 (an SQL construct, named as SQLAlchemy's are)
    """`column IN (rows)`, for a subquery of one column; on PostgreSQL `column = ANY(ARRAY(rows))`: the subquery
    runs once into an array, which one index scan looks up, where IN takes a hashed semi-join (two more plan
    nodes, which PostgreSQL sets up again at every execution of a prepared statement)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is: no "= 1" after it where booleans are integers

    def __init__(self, column, rows):
        super().__init__(column, rows.scalar_subquery())


@compiles(in_rows)
def _in_rows(element, compiler, **kw):
    column, rows = element.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(rows, **kw)}"


@compiles(in_rows, "postgresql")
def _in_rows_postgresql(element, compiler, **kw):
    column, rows = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(rows, **kw)})"


class row_digest(FunctionElement):  # noqa: N801 (an SQL construct, named as SQLAlchemy's are)
    """PostgreSQL's 64-bit hash of a row of `columns` (`hash_record_extended`, PostgreSQL 14 and later), as text:
    it changes whenever any of the values does. Each value is hashed as its type keeps it: writing dates out as
    text would cost the server about a microsecond each. PostgreSQL only (SQLite has no hash function)."""

    inherit_cache = True
    type = String()


@compiles(row_digest)
def _row_digest(element, compiler, **kw):
    raise CompileError(f"row_digest is PostgreSQL's, not {compiler.dialect.name}'s")


@compiles(row_digest, "postgresql")
def _row_digest_postgresql(element, compiler, **kw):
    return f"hash_record_extended(ROW({compiler.process(element.clauses, **kw)}), 0)::text"


# What a staff list's text filter does not tell apart: hamza seats on alef, ta marbuta and ha, alef maqsura and
# ya; the marks that only draw a word (NAME_MARKS: tatweel, harakat) are dropped ("مسوده" finds "مسودة", "حِمار"
# finds "حمار"). The same folds on both sides.
_SPELLING_FOLDS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"),
                   *((mark, "") for mark in NAME_MARKS))


def _folded(expression):
    for letter, instead in _SPELLING_FOLDS:
        expression = func.replace(expression, letter, instead)
    return func.lower(expression)


def holds_text(column, text: str):
    """The condition that `column` holds `text`, in any of the spellings _SPELLING_FOLDS takes as one and in any
    letter case (SQL's lower() on both sides); `%` and `_` are themselves."""
    pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return _folded(column).like(_folded(literal(pattern)), escape="/")
