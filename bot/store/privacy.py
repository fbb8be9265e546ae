"""Erasing a user and deleting what is past its retention limit.

Why a periodic purge as well as one at open: a bot can run for weeks without restarting,
and opted-in question text must not outlive the retention limit (default 30 days).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from bot.core.quiz import utcnow
from bot.store.base import StoreBase, StoreUnavailable
from bot.store.schema import leaderboard, progress, question_texts, scores
from bot.store.users import parse_user

log = logging.getLogger("bloodpatch.store")


class PrivacyOps(StoreBase):
    async def forget(self, user: str) -> int:
        """Delete everything kept about `user` (scores, quiz progress, leaderboard entry, kept text).

        Returns the number of rows deleted (0: nothing was kept). Anonymous counts stay: they
        hold no user. InvalidKey (a ValueError) for a key of the wrong shape.
        """
        key = parse_user(user).key
        async with self._tx() as conn:
            user_hash = self._hash(key)
            deleted = 0
            for table in (progress, scores, leaderboard, question_texts):
                result = await conn.execute(table.delete().where(table.c.user_hash == user_hash))
                deleted += result.rowcount or 0
        return deleted

    async def purge(self, now: dt.datetime | None = None) -> int:
        """Delete kept text older than the retention limit and expired event ids; returns rows deleted."""
        async with self._tx() as conn:
            return await self._purge(conn, now or utcnow())

    async def maintenance_loop(self, interval_seconds: float = 3600.0) -> None:
        """Purge every `interval_seconds` until cancelled (run it as a task beside the bot); never raises otherwise."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                removed = await self.purge()
                if removed:
                    log.info("store: purged %d expired rows", removed)
            except StoreUnavailable as exc:
                log.warning("store: purge skipped: %s", exc.reason)
