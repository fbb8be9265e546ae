"""The store's plumbing: opening lazily, migrating once, one transaction per operation, one error type.

Why: adapters must never crash or hang because the database is down. Opening never
raises; the first operation migrates (retrying at most every `retry_seconds` while the
database is down) and every failure of the database or the driver, or an operation taking
longer than `operation_timeout`, becomes `StoreUnavailable` with a short reason.
A transaction either commits whole or not at all, so nothing already written is lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.quiz import utc, utcnow
from bot.store.config import StoreSettings
from bot.store.engine import READ_ONLY
from bot.store.migrate import migrate
from bot.store.schema import counters, events, meta, question_texts
from bot.store.users import user_hash

log = logging.getLogger("bloodpatch.store")

SALT_KEY = "user_salt"
RELOAD_COUNTER = "reload"


class StoreUnavailable(Exception):
    """The database cannot be used right now. `reason` is short, has no credentials, and is safe to log.

    Adapters reply "quiz/feedback/stats are unavailable right now" and carry on answering questions.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def naive(moment: dt.datetime) -> dt.datetime:
    """UTC without tzinfo: how every time is stored (SQLite has no time zones)."""
    return utc(moment).replace(tzinfo=None)


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def _driver_errors(backend: str) -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError, TimeoutError, sqlite3.Error)
    if backend == "postgresql":
        import asyncpg

        errors += (asyncpg.PostgresError, asyncpg.InterfaceError)
    return errors


def describe(exc: BaseException, backend: str) -> str:
    """A one-line reason for an operator: the driver's own message, without SQL or parameters."""
    inner = getattr(exc, "orig", None) or exc.__cause__ or exc
    if isinstance(exc, TimeoutError) or isinstance(inner, TimeoutError):
        text = "timed out"
    else:
        text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return f"{backend}: {text}"[:200]


class StoreBase:
    """Lifecycle and transactions; the operations live in the mixins `Store` combines."""

    def __init__(self, settings: StoreSettings, engine: AsyncEngine | None, problem: str | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._problem = problem  # set: configuration is unusable, every operation reports it
        self._salt: str | None = None
        self._prepared = False
        self._ready_lock = asyncio.Lock()
        self._retry_at = 0.0
        self._last_error: str | None = problem
        self._available = problem is None
        self._errors = _driver_errors(settings.backend)

    # -- status -----------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.settings.backend

    @property
    def available(self) -> bool:
        """False after an operation failed, until one succeeds (for health checks and logs)."""
        return self._available

    @property
    def last_error(self) -> str | None:
        """Why the last failing operation failed, or None."""
        return self._last_error

    async def check(self) -> None:
        """Connect, migrate if needed and run one query; StoreUnavailable if that fails."""
        async with self._tx(read_only=True) as conn:
            await conn.execute(select(meta.c.key).limit(1))

    async def close(self) -> None:
        """Close pooled connections. Safe to call twice and when the database is down."""
        if self._engine is not None:
            try:
                await self._engine.dispose()
            except self._errors:  # the database went away: nothing left to close cleanly
                log.debug("store: error while closing", exc_info=True)

    async def pseudonym(self, user: str) -> str:
        """The salted hash the store keeps for a user key (what `forget` deletes by)."""
        async with self._tx(read_only=True):
            return self._hash(user)

    # -- plumbing for the operations ----------------------------------------------------------
    def _hash(self, user: str) -> str:
        assert self._salt is not None, "_hash before the store was prepared"
        return user_hash(self._salt, user)

    def _insert(self, table: Table):  # -> a dialect insert with on_conflict_* and returning
        return sqlite.insert(table) if self.backend == "sqlite" else postgresql.insert(table)

    def _fail(self, exc: BaseException) -> StoreUnavailable:
        reason = describe(exc, self.backend)
        if self._available:
            log.warning("store unavailable: %s", reason)
        if not isinstance(exc, (OSError, TimeoutError)) and "connect" not in reason.lower():
            log.debug("store error detail", exc_info=exc)
        self._available = False
        self._last_error = reason
        return StoreUnavailable(reason)

    def _succeeded(self) -> None:
        if not self._available:
            log.info("store available again (%s)", self.backend)
        self._available = True
        self._last_error = None

    @asynccontextmanager
    async def _tx(self, *, read_only: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction; commits when the block ends, rolls back on any error."""
        await self._ready()
        assert self._engine is not None
        try:
            async with asyncio.timeout(self.settings.operation_timeout):
                async with self._engine.connect() as conn:
                    if read_only:
                        await conn.execution_options(**{READ_ONLY: True})
                    async with conn.begin():
                        yield conn
        except self._errors as exc:
            raise self._fail(exc) from exc
        self._succeeded()

    async def _ready(self) -> None:
        if self._prepared:
            return
        if self._problem is not None or self._engine is None:
            raise StoreUnavailable(self._problem or "no database configured")
        async with self._ready_lock:
            if self._prepared:
                return
            if time.monotonic() < self._retry_at and self._last_error:
                raise StoreUnavailable(self._last_error)
            try:
                async with asyncio.timeout(self.settings.operation_timeout * 3):  # a first migration takes longer
                    await self._prepare()
            except self._errors as exc:
                self._retry_at = time.monotonic() + self.settings.retry_seconds
                raise self._fail(exc) from exc
            except Exception as exc:  # e.g. Alembic: the database is at a revision this code does not know
                self._retry_at = time.monotonic() + self.settings.retry_seconds
                log.error("store: cannot prepare the database", exc_info=exc)
                raise self._fail(exc) from exc
            self._prepared = True
            self._succeeded()

    async def _prepare(self) -> None:
        """Migrate, load the salt (creating it once per installation), purge what is past retention."""
        assert self._engine is not None
        async with self._engine.begin() as conn:
            if await migrate(conn):
                log.info("store: database migrated (%s)", self.backend)
            salt = self.settings.user_salt
            if not salt:
                await conn.execute(
                    self._insert(meta).values(key=SALT_KEY, value=secrets.token_hex(32)).on_conflict_do_nothing()
                )
                salt = (await conn.execute(select(meta.c.value).where(meta.c.key == SALT_KEY))).scalar_one()
            await conn.execute(self._insert(counters).values(name=RELOAD_COUNTER, value=0).on_conflict_do_nothing())
            self._salt = salt
            await self._purge(conn, utcnow())

    async def _purge(self, conn: AsyncConnection, now: dt.datetime) -> int:
        cutoff = naive(now) - dt.timedelta(days=self.settings.text_retention_days)
        texts = await conn.execute(delete(question_texts).where(question_texts.c.created_at < cutoff))
        stale = await conn.execute(delete(events).where(events.c.expires_at < naive(now)))
        return (texts.rowcount or 0) + (stale.rowcount or 0)

    async def _claim(self, conn: AsyncConnection, namespace: str, event_id: str, expires: dt.datetime) -> bool:
        """Insert the event id; False when it is already there (the primary key decides, not a read)."""
        key = event_key(namespace, event_id)
        stmt = (
            self._insert(events)
            .values(event_key=key, expires_at=naive(expires))
            .on_conflict_do_nothing(index_elements=[events.c.event_key])
            .returning(events.c.event_key)
        )
        return (await conn.execute(stmt)).first() is not None


def event_key(namespace: str, event_id: str) -> str:
    """`namespace:event_id`, hashed when too long for the column."""
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("event_id must be a non-empty string")
    key = f"{namespace}:{event_id}"
    if len(key) > 190:
        import hashlib

        key = f"{namespace}:sha256:{hashlib.sha256(event_id.encode()).hexdigest()}"
    return key
