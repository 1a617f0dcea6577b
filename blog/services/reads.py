"""A page's hottest reads run on the database driver's own connection.

An uncached article page reads two statements: the article (with its category and tags) and one page of its
threads (on PostgreSQL, when this process keeps that page, one: the article with the digest of the page's rows,
articles.live_article). Through SQLAlchemy's Connection each execution builds an execution context, processes its
parameters (re-rendering the statement's literal OFFSET and LIMIT), wraps the cursor in a result and goes through
the ORM session's connection and transaction bookkeeping, which the request's teardown unwinds again. Measured with
bench/bench_render.py (SQLite, in process, uncached page, rendered blocks kept): 1,235 µs before, 1,077 after
(x26.9 and x23.1 a hello-world request); on PostgreSQL an in-process loop of the same page went from 1.65 to
1.35 ms of the app's own CPU.

`DriverRead` keeps one statement compiled by SQLAlchemy's own compiler, per dialect and per value of its literal
parameters (bounded), with its parameters' bind processors and its columns' result processors taken from the
column types, and runs it on a cursor of the request's reading connection (`driver_connection`): a pooled
connection checked out once for the request's page reads and returned to the pool when the app context ends
(`release_driver_connection`), or the session's own connection when the session is in a transaction (its
uncommitted rows must be seen). On PostgreSQL the checked-out connection reads in autocommit, as
`reading_connection` does: no BEGIN and ROLLBACK round trips, and psycopg keeps its prepared statements. Its
rows come in PostgreSQL's binary format: the server sends dates and integers as it keeps them instead of writing
them out as text, and psycopg takes them without parsing (the values are the same; tests/services/test_reads.py).

Errors come out as SQLAlchemy's (DBAPIError.instance), so the database-unavailable page (blog/resilience.py)
answers them as before; a connection the driver reports as lost is invalidated, and the pool replaces it.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from flask import g
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from ..extensions import db

_CONNECTION = "_majlis_driver_connection"
COMPILED_MEMO = 64  # per statement: (dialect, literal values) pairs kept compiled


class _Bind(NamedTuple):
    name: str  # in the statement's text
    key: str | None  # the caller's parameter, or None for a value fixed in the statement
    value: Any  # the fixed value, already processed
    process: Callable | None


class _Compiled(NamedTuple):
    sql: str
    binds: tuple[_Bind, ...]
    positional: bool
    processors: tuple[tuple[int, Callable], ...]  # (column index, result processor) where there is one


class DriverRead:
    """A SELECT run on the driver's cursor: rows as tuples of the values SQLAlchemy would give."""

    def __init__(self, statement: Executable, literal: Iterable[str] = ()) -> None:
        """`literal`: the names of the statement's literal_execute parameters (integers written into its text)."""
        self.statement = statement
        self.literal = tuple(literal)
        self._compiled = functools.lru_cache(maxsize=COMPILED_MEMO)(self._compile)

    def rows(self, params: Mapping[str, Any]) -> list[tuple]:
        connection, dialect, own = driver_connection()
        compiled = self._compiled(dialect, tuple(int(params[name]) for name in self.literal), frozenset(params))
        values = [
            (bind.name, bind.value if bind.key is None else
             bind.process(params[bind.key]) if bind.process else params[bind.key])
            for bind in compiled.binds
        ]
        arguments = tuple(value for _, value in values) if compiled.positional else dict(values)
        cursor = connection.cursor(binary=True) if dialect.name == "postgresql" else connection.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            rows = cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, connection, cursor)
            if lost and own:
                _drop_driver_connection(error)
            raise DBAPIError.instance(compiled.sql, arguments, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost and own, dialect=dialect) from error
        finally:
            cursor.close()
        if not compiled.processors:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for index, process in compiled.processors:
                row[index] = process(row[index])
            converted.append(tuple(row))
        return converted

    def _compile(self, dialect: Dialect, literal_values: tuple[int, ...], names: frozenset[str]) -> _Compiled:
        # The literal values are written into the text; every other parameter the caller gives (`names`) stays a
        # placeholder (None only because the compiler asks for a value for each).
        statement = self.statement.params({**dict.fromkeys(names), **dict(zip(self.literal, literal_values))})
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        unexpected = {b.key for b in compiled.binds.values() if b.literal_execute} - set(self.literal)
        if unexpected:
            raise ValueError(f"literal parameters not declared: {sorted(unexpected)}")
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positional else [
            name for name, bind in by_name.items() if not bind.literal_execute
        ]
        binds = []
        for name in names:
            bind = by_name[name]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.key in names:
                binds.append(_Bind(name, bind.key, None, process))
            else:
                value = bind.effective_value
                binds.append(_Bind(name, None, process(value) if process else value, None))
        processors = tuple(
            (index, process)
            for index, column in enumerate(self.statement.selected_columns)
            if (process := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        )
        return _Compiled(compiled.string, tuple(binds), compiled.positional, processors)


def driver_connection() -> tuple[Any, Dialect, bool]:
    """(the driver's connection for this request's page reads, its dialect, whether it was checked out here).

    The session's own connection while the session is in a transaction; otherwise one pooled connection,
    checked out at the first read and kept for the app context (on PostgreSQL in autocommit).
    """
    dialect = db.engine.dialect
    registry = db.session.registry
    if registry.has() and registry().in_transaction():
        return registry().connection().connection.driver_connection, dialect, False
    pooled = g.get(_CONNECTION)
    if pooled is None:
        try:
            pooled = db.engine.raw_connection()
        except dialect.loaded_dbapi.Error as error:  # no connection to be had: as SQLAlchemy's Connection says it
            raise DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
        if dialect.name != "sqlite":
            pooled.driver_connection.autocommit = True
        setattr(g, _CONNECTION, pooled)
    return pooled.driver_connection, dialect, True


def _drop_driver_connection(error: BaseException) -> None:
    pooled = g.pop(_CONNECTION, None)
    if pooled is not None:
        _discard(pooled, error)


def _discard(pooled, error: BaseException) -> None:
    """A connection that died: out of the pool, which opens a new one when asked."""
    pooled.invalidate(error)
    pooled.close()


def release_driver_connection(exc: BaseException | None = None) -> None:
    """Return the request's reading connection to the pool (teardown of the app context)."""
    pooled = g.pop(_CONNECTION, None)
    if pooled is None:
        return
    try:
        if db.engine.dialect.name != "sqlite" and pooled.driver_connection.autocommit:
            pooled.driver_connection.autocommit = False
        pooled.close()
    except db.engine.dialect.loaded_dbapi.Error as error:  # the connection died since
        _discard(pooled, error)
