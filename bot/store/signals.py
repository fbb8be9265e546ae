"""Coordination between processes through the database: event dedupe, the reload signal, daily questions.

Why in the database: with DATABASE_URL several workers serve one bot. A platform retry
may reach any of them, a content reload must reach all of them, and a daily question
must be posted once, whichever worker sees it due first.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import case, or_, select, update

from bot.core.quiz import AUDIENCE_VALUES, utc, utcnow
from bot.store.base import RELOAD_COUNTER, StoreBase, event_key, naive
from bot.store.results import DailyChannel
from bot.store.schema import counters, daily_channels, events
from bot.store.users import check_channel, check_scope

_TOPIC = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_TTL_SECONDS = 30 * 24 * 3600


class SignalOps(StoreBase):
    async def first_time(self, event_id: str, ttl_seconds: int, *, now: dt.datetime | None = None) -> bool:
        """True the first time `event_id` is seen within `ttl_seconds`, False for a repeat (any process).

        Insert-if-absent on a primary key; an expired entry is claimed again in the same statement.
        """
        if not 1 <= int(ttl_seconds) <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}, got {ttl_seconds!r}")
        key = event_key("once", event_id)
        moment = naive(now or utcnow())
        expires = moment + dt.timedelta(seconds=int(ttl_seconds))
        stmt = self._insert(events).values(event_key=key, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=[events.c.event_key],
            set_={"expires_at": stmt.excluded.expires_at},
            where=events.c.expires_at <= moment,
        ).returning(events.c.event_key)
        async with self._tx() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def publish_reload(self) -> int:
        """Ask every process to reload content; returns the new reload version."""
        stmt = (
            update(counters)
            .where(counters.c.name == RELOAD_COUNTER)
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
        async with self._tx() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def reload_version(self) -> int:
        """The current reload version: a process that saw a smaller one should reload its content."""
        async with self._tx(read_only=True) as conn:
            value = (await conn.execute(select(counters.c.value).where(counters.c.name == RELOAD_COUNTER))).scalar()
        return int(value or 0)

    # -- daily question ----------------------------------------------------------------------------
    async def set_daily(
        self,
        channel: str,
        scope: str,
        hour_utc: int,
        *,
        topic: str | None = None,
        audience: str | None = None,
        now: dt.datetime | None = None,
    ) -> DailyChannel:
        """Switch the daily question on in `channel` (or change its hour/filters).

        The first post comes at `hour_utc` today if that hour has not passed yet, else tomorrow;
        after that once a day, late the same day if the bot was down at that hour.
        """
        check_channel(channel)
        check_scope(scope)
        if not isinstance(hour_utc, int) or not 0 <= hour_utc <= 23:
            raise ValueError(f"hour_utc must be 0-23, got {hour_utc!r}")
        if topic is not None and not _TOPIC.fullmatch(topic):
            raise ValueError(f"not a topic id: {topic!r}")
        if audience is not None and audience not in AUDIENCE_VALUES:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCE_VALUES)}, got {audience!r}")
        moment = utc(now or utcnow())
        skip_today = moment.date() if moment.hour > hour_utc else None
        values = {"scope": scope, "hour_utc": hour_utc, "topic": topic, "audience": audience}
        stmt = self._insert(daily_channels).values(
            channel=channel, last_posted=skip_today, created_at=naive(moment), **values
        )
        changes: dict[str, object] = dict(values)
        if skip_today is not None:  # the hour has passed today: the first post is tomorrow
            changes["last_posted"] = _later(daily_channels.c.last_posted, skip_today)
        stmt = stmt.on_conflict_do_update(index_elements=[daily_channels.c.channel], set_=changes).returning(
            *daily_channels.c
        )
        async with self._tx() as conn:
            row = (await conn.execute(stmt)).one()
        return _daily(row)

    async def remove_daily(self, channel: str) -> bool:
        """Switch the daily question off in `channel`; False if it was not on."""
        check_channel(channel)
        async with self._tx() as conn:
            result = await conn.execute(daily_channels.delete().where(daily_channels.c.channel == channel))
        return bool(result.rowcount)

    async def daily_channels(self, scope: str | None = None) -> list[DailyChannel]:
        """Channels with the daily question on (in `scope`, or all)."""
        stmt = select(daily_channels).order_by(daily_channels.c.channel)
        if scope is not None:
            stmt = stmt.where(daily_channels.c.scope == check_scope(scope))
        async with self._tx(read_only=True) as conn:
            return [_daily(r) for r in (await conn.execute(stmt)).all()]

    async def due_daily(self, now: dt.datetime | None = None) -> list[DailyChannel]:
        """Channels whose hour has come today (UTC) and that have not had today's question."""
        moment = utc(now or utcnow())
        today = moment.date()
        c = daily_channels.c
        stmt = (
            select(daily_channels)
            .where(c.hour_utc <= moment.hour, or_(c.last_posted.is_(None), c.last_posted < today))
            .order_by(c.hour_utc, c.channel)
        )
        async with self._tx(read_only=True) as conn:
            return [_daily(r) for r in (await conn.execute(stmt)).all()]

    async def mark_daily_posted(self, channel: str, day: dt.date) -> bool:
        """Record `day`'s post in `channel`. True only for the first caller: call it to claim, then post.

        Idempotent: a second call for the same day (any process) returns False and changes nothing.
        """
        check_channel(channel)
        c = daily_channels.c
        stmt = (
            update(daily_channels)
            .where(c.channel == channel, or_(c.last_posted.is_(None), c.last_posted < day))
            .values(last_posted=day)
        )
        async with self._tx() as conn:
            result = await conn.execute(stmt)
        return result.rowcount == 1


def _later(column, day: dt.date):
    """The later of a nullable date column and `day`."""
    return case((column.is_(None), day), (column < day, day), else_=column)


def _daily(row) -> DailyChannel:
    return DailyChannel(row.channel, row.scope, row.hour_utc, row.topic, row.audience, row.last_posted)
