"""Read-only reports for operators: stats (asks, feedback, quiz accuracy) and knowledge gaps.

Why dataclasses: the CLI prints them as text or JSON, and `/bloodpatch stats` renders the
same objects, so the three agree on every figure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select

from bot.core.quiz import utc, utcnow
from bot.store.base import StoreBase, aware, naive
from bot.store.results import GAP_CATEGORIES, GapEntry, GapReport, ItemStat, StatsReport
from bot.store.schema import ask_counts, feedback_counts, item_stats, question_texts

HARD_BELOW = 0.5  # an item is "hard" when fewer than half got it right the first time...
HARD_MIN_PEOPLE = 5  # ...among at least this many people


def _since(days: int | None, now: dt.datetime) -> dt.date | None:
    if days is None:
        return None
    if int(days) < 0:
        raise ValueError(f"since_days must be 0 or more, got {days!r}")
    return (utc(now) - dt.timedelta(days=int(days))).date()


class ReportOps(StoreBase):
    async def stats(
        self,
        since_days: int | None = None,
        *,
        now: dt.datetime | None = None,
        hard_below: float = HARD_BELOW,
        min_people: int = HARD_MIN_PEOPLE,
    ) -> StatsReport:
        """Asks and feedback per topic and kind (last `since_days` days, None: all), and every item's accuracy.

        Items come hardest first (lowest first-try accuracy), each flagged `hard` when at
        least `min_people` answered it and fewer than `hard_below` of them got it right first time.
        """
        moment = now or utcnow()
        since = _since(since_days, moment)
        async with self._tx(read_only=True) as conn:
            asks = await self._by_topic(conn, ask_counts, since)
            feedback = await self._by_topic(conn, feedback_counts, since)
            rows = (await conn.execute(select(item_stats))).all()
        items = [
            ItemStat(
                r.item_id,
                r.answered,
                r.correct,
                r.first_answered,
                r.first_correct,
                hard=r.first_answered >= min_people and r.first_correct < hard_below * r.first_answered,
            )
            for r in rows
        ]
        items.sort(key=lambda i: (i.first_accuracy if i.first_accuracy is not None else 2.0, i.item_id))
        return StatsReport(since_days, asks, feedback, tuple(items))

    async def gaps(self, since_days: int = 30, *, now: dt.datetime | None = None) -> GapReport:
        """Unanswered, out-of-scope, "did you mean" and "not what I asked" questions of the last `since_days` days.

        `counts` covers every scope; `entries` (redacted text, grouped, most frequent first)
        only scopes that opted in to keeping text.
        """
        moment = now or utcnow()
        since = _since(since_days, moment)
        assert since is not None
        counts = dict.fromkeys(GAP_CATEGORIES, 0)
        async with self._tx(read_only=True) as conn:
            for table, kinds in ((ask_counts, GAP_CATEGORIES[:3]), (feedback_counts, ("not_asked",))):
                total = func.sum(table.c["count"])
                rows = await conn.execute(
                    select(table.c.kind, total)
                    .where(table.c.day >= since, table.c.kind.in_(kinds))
                    .group_by(table.c.kind)
                )
                for kind, value in rows.all():
                    counts[kind] += int(value or 0)
            since_time = naive(dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC))
            texts = (
                await conn.execute(
                    select(
                        question_texts.c.text,
                        question_texts.c.category,
                        question_texts.c.topic,
                        question_texts.c.created_at,
                    )
                    .where(question_texts.c.created_at >= since_time)
                    .order_by(question_texts.c.created_at)
                )
            ).all()
        groups: dict[tuple[str, str], dict] = {}
        for text, category, topic, created in texts:
            key = (" ".join(text.casefold().split()), category)
            group = groups.setdefault(key, {"text": text, "count": 0, "topics": [], "last": created})
            group["count"] += 1
            group["last"] = max(group["last"], created)
            if topic and topic not in group["topics"]:
                group["topics"].append(topic)
        entries = [
            GapEntry(g["text"], category, g["count"], tuple(g["topics"]), aware(g["last"]))
            for (_, category), g in groups.items()
        ]
        entries.sort(key=lambda e: (-e.count, -e.last_seen.timestamp(), e.text))
        return GapReport(int(since_days), counts, tuple(entries))

    async def _by_topic(self, conn, table, since: dt.date | None) -> dict[str, dict[str, int]]:
        total = func.sum(table.c["count"])
        stmt = select(table.c.topic, table.c.kind, total).group_by(table.c.topic, table.c.kind)
        if since is not None:
            stmt = stmt.where(table.c.day >= since)
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for topic, kind, value in (await conn.execute(stmt.order_by(table.c.topic, table.c.kind))).all():
            out[topic][kind] = int(value or 0)
        return dict(out)
