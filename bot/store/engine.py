"""The SQLAlchemy async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg), tuned for short transactions.

SQLite: Python's sqlite3 does not BEGIN before DDL or SELECT, which breaks transactional
migrations and read-then-write; so the driver's own transaction handling is switched off
and every transaction starts with `BEGIN IMMEDIATE` (take the write lock first, wait up to
the busy timeout for another process). WAL lets readers run while one process writes.
Read-only operations pass `execution_options(bp_read_only=True)` and start with a plain BEGIN.

PostgreSQL: `pool_pre_ping` replaces connections a restarted server dropped, and asyncpg
gets a connect timeout so a down database fails fast.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.config import StoreSettings

READ_ONLY = "bp_read_only"


def create_engine(settings: StoreSettings) -> AsyncEngine:
    """An engine for `settings.url`; connects lazily (creating it never touches the database)."""
    url = make_url(settings.url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings)
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=settings.operation_timeout,
        connect_args={
            "timeout": settings.connect_timeout,
            "command_timeout": settings.operation_timeout,
            "server_settings": {"application_name": "bloodpatch-bot"},
        },
    )


def sqlite_path(settings: StoreSettings) -> Path | None:
    """The database file of a SQLite URL (None for an in-memory database)."""
    database = make_url(settings.url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _sqlite_engine(settings: StoreSettings) -> AsyncEngine:
    engine = create_async_engine(settings.url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000})
    in_memory = sqlite_path(settings) is None
    busy_ms = int(settings.sqlite_busy_timeout_ms)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe with WAL
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
