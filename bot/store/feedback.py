"""What people asked and how they rated the answers: anonymous counts, and redacted text only where opted in.

Why counts by day: stats and gaps ask "in the last N days" without keeping any single
event. Text is kept only for knowledge gaps (not found, out of scope, "did you mean",
"not what I asked"), only in scopes whose admin opted in, redacted, and purged after
the retention limit. Red-flag and crisis messages are never kept.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.quiz import AUDIENCE_VALUES, FEEDBACK_KINDS, utc, utcnow
from bot.store.base import StoreBase, naive
from bot.store.redact import redact
from bot.store.results import FeedbackResult
from bot.store.schema import ask_counts, feedback_counts, question_texts, scopes
from bot.store.users import check_scope, parse_user

# Answer kinds (bot.core.Kind values) whose question text may be kept: the knowledge gaps.
TEXT_KINDS = frozenset({"not_found", "out_of_scope", "clarify"})
_KIND = re.compile(r"[a-z_]{1,20}")
_TOPIC = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _check(kind: str, topic: str | None, audience: str) -> str:
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise ValueError(f"not an answer kind: {kind!r}")
    if topic is not None and not (isinstance(topic, str) and _TOPIC.fullmatch(topic)):
        raise ValueError(f"not a topic id: {topic!r}")
    if audience not in AUDIENCE_VALUES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCE_VALUES)}, got {audience!r}")
    return topic or ""


class FeedbackOps(StoreBase):
    async def set_keep_text(self, scope: str, keep: bool) -> None:
        """An admin's choice for `scope`: keep redacted gap-question text (True) or only counts (False, the default).

        Turning it off also deletes the text already kept for that scope.
        """
        check_scope(scope)
        async with self._tx() as conn:
            stmt = self._insert(scopes).values(scope=scope, keep_text=bool(keep), updated_at=naive(utcnow()))
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[scopes.c.scope],
                    set_={"keep_text": stmt.excluded.keep_text, "updated_at": stmt.excluded.updated_at},
                )
            )
            if not keep:
                await conn.execute(question_texts.delete().where(question_texts.c.scope == scope))

    async def keeps_text(self, scope: str) -> bool:
        """Whether `scope` opted in to keeping redacted question text."""
        check_scope(scope)
        async with self._tx(read_only=True) as conn:
            return await self._keeps_text(conn, scope)

    async def record_ask(
        self,
        scope: str,
        kind: str,
        topic: str | None,
        audience: str,
        *,
        text: str | None = None,
        user: str | None = None,
        now: dt.datetime | None = None,
    ) -> bool:
        """Count one answered question (`kind` is the Answer's kind, e.g. "search", "not_found").

        `text` is kept (redacted) only when `kind` is a gap kind and `scope` opted in;
        `user` then links it so `forget` can delete it. Returns True when text was kept.
        """
        check_scope(scope)
        topic_key = _check(kind, topic, audience)
        user_key = parse_user(user).key if user else None
        moment = utc(now or utcnow())
        async with self._tx() as conn:
            await self._bump(conn, ask_counts, moment, topic_key, kind, audience)
            if text and text.strip() and kind in TEXT_KINDS and await self._keeps_text(conn, scope):
                await self._keep(conn, scope, kind, topic, audience, text, user_key, moment)
                return True
        return False

    async def record_feedback(
        self,
        scope: str,
        kind: str,
        topic: str | None,
        audience: str,
        *,
        event_id: str | None = None,
        text: str | None = None,
        user: str | None = None,
        now: dt.datetime | None = None,
    ) -> FeedbackResult:
        """Count Helpful / Not helpful / Not what I asked (`kind`: helpful | unhelpful | not_asked) for a topic.

        `event_id`: a repeat returns `duplicate=True` and counts nothing (double clicks).
        To allow one vote per person per answer, pass e.g. f"{message_id}:{user_id}".
        `text` (the question) is kept redacted only for not_asked in an opted-in scope.
        """
        check_scope(scope)
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"feedback kind must be one of {', '.join(FEEDBACK_KINDS)}, got {kind!r}")
        topic_key = _check(kind, topic, audience)
        user_key = parse_user(user).key if user else None
        moment = utc(now or utcnow())
        async with self._tx() as conn:
            if event_id is not None:
                expires = moment + dt.timedelta(seconds=self.settings.event_ttl_seconds)
                if not await self._claim(conn, "feedback", event_id, expires):
                    return FeedbackResult(duplicate=True)
            await self._bump(conn, feedback_counts, moment, topic_key, kind, audience)
            kept = bool(text and text.strip() and kind == "not_asked" and await self._keeps_text(conn, scope))
            if kept:
                await self._keep(conn, scope, kind, topic, audience, text or "", user_key, moment)
        return FeedbackResult(duplicate=False, text_kept=kept)

    # -- helpers ---------------------------------------------------------------------------------
    async def _keeps_text(self, conn: AsyncConnection, scope: str) -> bool:
        row = (await conn.execute(select(scopes.c.keep_text).where(scopes.c.scope == scope))).first()
        return bool(row and row.keep_text)

    async def _bump(
        self, conn: AsyncConnection, table, moment: dt.datetime, topic: str, kind: str, audience: str
    ) -> None:
        stmt = self._insert(table).values(day=moment.date(), topic=topic, kind=kind, audience=audience, count=1)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.day, table.c.topic, table.c.kind, table.c.audience],
                set_={"count": table.c.count + 1},
            )
        )

    async def _keep(
        self,
        conn: AsyncConnection,
        scope: str,
        category: str,
        topic: str | None,
        audience: str,
        text: str,
        user_key: str | None,
        moment: dt.datetime,
    ) -> None:
        cleaned = redact(text)
        if not cleaned:
            return
        await conn.execute(
            question_texts.insert().values(
                created_at=naive(moment),
                category=category,
                topic=topic,
                audience=audience,
                scope=scope,
                user_hash=self._hash(user_key) if user_key else None,
                text=cleaned,
            )
        )
