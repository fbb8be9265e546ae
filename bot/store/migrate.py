"""Bring a database to the newest schema with Alembic, safely when several processes start at once.

Why in code: an installed package has no alembic.ini in the working directory, so the
config is built here and Alembic runs on the connection the store already holds, inside
one transaction that first takes a lock: `pg_advisory_xact_lock` on PostgreSQL,
`BEGIN IMMEDIATE` (the engine's begin hook) on SQLite. The second process waits, then
finds the schema current and does nothing.

`python -m bot.store [URL]` migrates without starting the bot (deployments).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.schema import VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HEAD = "0001"  # the newest revision in migrations/versions (a test checks it)
# pg_advisory_xact_lock key: "bpstore" as a number, shared by every process of this bot.
LOCK_KEY = int.from_bytes(b"bpstore", "big")


def alembic_config(connection: Connection | None = None):  # -> alembic.config.Config
    """An Alembic config pointing at the packaged migrations, holding `connection` for env.py."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for an empty database."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


async def migrate(connection: AsyncConnection) -> bool:
    """Upgrade to HEAD inside the caller's transaction; True when anything ran.

    Skips importing Alembic when the database is already at HEAD, so every start after
    the first stays fast.
    """
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    if await connection.run_sync(current_revision) == HEAD:
        return False
    await connection.run_sync(_upgrade)
    return True
