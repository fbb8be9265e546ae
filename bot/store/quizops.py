"""Quiz state: Leitner boxes per user and item, running scores, per-item totals, the opt-in leaderboard.

Why the scores are one upsert: two processes (or two button presses) adding to the same
user's totals must both count, so the arithmetic runs in the database, not read-then-write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.quiz import LAST_BOX, ItemState, ItemT, QuizItem, ScoreCard, choose_next, grade, schedule, utc, utcnow
from bot.store.base import StoreBase, aware, naive
from bot.store.results import AnswerResult, LeaderboardRow, ScoreReport
from bot.store.schema import item_stats, leaderboard, progress, scores
from bot.store.users import check_scope, parse_user

MAX_DISPLAY_NAME = 32
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>@`*_~|\\#]")


def clean_display_name(name: str) -> str:
    """A leaderboard name: no control or markup characters, no `@` or `<>` (no pings), at most 32 characters.

    ValueError when nothing printable is left. Adapters still render it with mentions disabled.
    """
    cleaned = " ".join(_UNSAFE_NAME_CHARS.sub("", name or "").split())[:MAX_DISPLAY_NAME].strip()
    if not cleaned:
        raise ValueError("the display name is empty after removing markup characters")
    return cleaned


class QuizOps(StoreBase):
    async def item_states(self, user: str) -> dict[str, ItemState]:
        """This user's Leitner state for every item they have answered, by item id."""
        key = parse_user(user).key
        async with self._tx(read_only=True) as conn:
            rows = (await conn.execute(select(progress).where(progress.c.user_hash == self._hash(key)))).all()
        return {r.item_id: _state(r) for r in rows}

    async def next_quiz_item(
        self,
        user: str,
        items: Iterable[ItemT],
        *,
        topic: str | None = None,
        audience: str | None = None,
        exclude: Collection[str] = (),
        now: dt.datetime | None = None,
    ) -> ItemT | None:
        """The item this user should get next (see `bot.core.quiz.choose_next`); None if none match the filters."""
        states = await self.item_states(user)
        return choose_next(items, states, now or utcnow(), topic=topic, audience=audience, exclude=exclude)

    async def record_quiz_answer(
        self,
        user: str,
        item: QuizItem,
        choice: int,
        *,
        event_id: str | None = None,
        now: dt.datetime | None = None,
    ) -> AnswerResult:
        """Grade `choice` for `item`, score it for `user` (the person who pressed) and reschedule the item.

        `event_id` (the interaction / action id): a second call with the same id changes
        nothing and returns `duplicate=True` with the current score. ValueError when
        `choice` is not one of the item's options (a stale button: grade() it first).
        """
        ref = parse_user(user)
        correct = grade(item, choice)
        if correct is None:
            raise ValueError(f"choice {choice!r} is not an option of quiz item {item.id!r}")
        moment = utc(now or utcnow())
        async with self._tx() as conn:
            user_hash = self._hash(ref.key)
            if event_id is not None:
                expires = moment + dt.timedelta(seconds=self.settings.event_ttl_seconds)
                if not await self._claim(conn, "quiz", event_id, expires):
                    state = await self._state_of(conn, user_hash, item.id)
                    card = await self._card(conn, user_hash)
                    return AnswerResult(
                        True,
                        correct,
                        choice,
                        item.answer,
                        card,
                        state.box if state else 0,
                        state.due_at if state else None,
                    )
            state = await self._state_of(conn, user_hash, item.id, for_update=True)
            new = schedule(state, item.id, correct, moment)
            await self._save_state(conn, user_hash, new)
            await self._count_item(conn, item.id, correct, first=state is None)
            card = await self._add_to_score(conn, user_hash, ref.scope, correct, moment)
        return AnswerResult(False, correct, choice, item.answer, card, new.box, new.due_at)

    async def score(self, user: str, *, now: dt.datetime | None = None) -> ScoreReport:
        """Totals, streaks and progress through the items for `user` (all zero for a new user)."""
        key = parse_user(user).key
        moment = naive(now or utcnow())
        async with self._tx(read_only=True) as conn:
            user_hash = self._hash(key)
            card = await self._card(conn, user_hash)
            mine = progress.c.user_hash == user_hash
            row = (
                await conn.execute(
                    select(
                        func.count(),
                        func.coalesce(func.sum(case((progress.c.box >= LAST_BOX, 1), else_=0)), 0),
                        func.coalesce(func.sum(case((progress.c.due_at <= moment, 1), else_=0)), 0),
                    ).where(mine)
                )
            ).one()
        return ScoreReport(card, items_seen=int(row[0]), mastered=int(row[1]), due_now=int(row[2]))

    async def set_leaderboard(self, user: str, display_name: str | None) -> None:
        """Opt `user` in to their scope's leaderboard under `display_name` (cleaned), or out with None."""
        ref = parse_user(user)
        name = None if display_name is None else clean_display_name(display_name)
        async with self._tx() as conn:
            user_hash = self._hash(ref.key)
            if name is None:
                await conn.execute(leaderboard.delete().where(leaderboard.c.user_hash == user_hash))
                return
            stmt = self._insert(leaderboard).values(
                user_hash=user_hash, scope=ref.scope, display_name=name, opted_in_at=naive(utcnow())
            )
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[leaderboard.c.user_hash], set_={"display_name": stmt.excluded.display_name}
                )
            )

    async def leaderboard(self, scope: str, limit: int = 10) -> list[LeaderboardRow]:
        """The opted-in users of `scope` who have answered, most right answers first (ties share a rank)."""
        check_scope(scope)
        limit = max(1, min(int(limit), 100))
        stmt = (
            select(leaderboard.c.display_name, scores.c.correct, scores.c.answered, scores.c.best_streak)
            .join(scores, scores.c.user_hash == leaderboard.c.user_hash)
            .where(leaderboard.c.scope == scope, scores.c.answered > 0)
            .order_by(
                scores.c.correct.desc(), scores.c.best_streak.desc(), scores.c.answered, leaderboard.c.display_name
            )
            .limit(limit)
        )
        async with self._tx(read_only=True) as conn:
            rows = (await conn.execute(stmt)).all()
        out: list[LeaderboardRow] = []
        for position, row in enumerate(rows, start=1):
            tied = out and (out[-1].correct, out[-1].best_streak) == (row.correct, row.best_streak)
            rank = out[-1].rank if tied else position
            out.append(LeaderboardRow(rank, row.display_name, row.correct, row.answered, row.best_streak))
        return out

    # -- helpers ---------------------------------------------------------------------------------
    async def _state_of(
        self, conn: AsyncConnection, user_hash: str, item_id: str, *, for_update: bool = False
    ) -> ItemState | None:
        stmt = select(progress).where(progress.c.user_hash == user_hash, progress.c.item_id == item_id)
        if for_update:  # PostgreSQL: two presses on one item queue here; SQLite already holds the write lock
            stmt = stmt.with_for_update()
        row = (await conn.execute(stmt)).first()
        return None if row is None else _state(row)

    async def _save_state(self, conn: AsyncConnection, user_hash: str, state: ItemState) -> None:
        values = {
            "box": state.box,
            "due_at": naive(state.due_at),
            "last_seen_at": naive(state.last_seen_at),
            "seen": state.seen,
            "correct": state.correct,
        }
        stmt = self._insert(progress).values(user_hash=user_hash, item_id=state.item_id, **values)
        await conn.execute(
            stmt.on_conflict_do_update(index_elements=[progress.c.user_hash, progress.c.item_id], set_=values)
        )

    async def _count_item(self, conn: AsyncConnection, item_id: str, correct: bool, *, first: bool) -> None:
        c, f, fc = int(correct), int(first), int(first and correct)
        stmt = self._insert(item_stats).values(
            item_id=item_id, answered=1, correct=c, first_answered=f, first_correct=fc
        )
        s = item_stats.c
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[s.item_id],
                set_={
                    "answered": s.answered + 1,
                    "correct": s.correct + c,
                    "first_answered": s.first_answered + f,
                    "first_correct": s.first_correct + fc,
                },
            )
        )

    async def _add_to_score(
        self, conn: AsyncConnection, user_hash: str, scope: str, correct: bool, moment: dt.datetime
    ) -> ScoreCard:
        s = scores.c
        c = int(correct)
        stmt = self._insert(scores).values(
            user_hash=user_hash, scope=scope, answered=1, correct=c, streak=c, best_streak=c, updated_at=naive(moment)
        )
        if correct:
            streak = s.streak + 1
            best = case((s.streak + 1 > s.best_streak, s.streak + 1), else_=s.best_streak)
        else:
            streak, best = literal(0), s.best_streak
        stmt = stmt.on_conflict_do_update(
            index_elements=[s.user_hash],
            set_={
                "answered": s.answered + 1,
                "correct": s.correct + c,
                "streak": streak,
                "best_streak": best,
                "updated_at": stmt.excluded.updated_at,
            },
        ).returning(s.answered, s.correct, s.streak, s.best_streak)
        row = (await conn.execute(stmt)).one()
        return ScoreCard(row.answered, row.correct, row.streak, row.best_streak)

    async def _card(self, conn: AsyncConnection, user_hash: str) -> ScoreCard:
        s = scores.c
        row = (
            await conn.execute(select(s.answered, s.correct, s.streak, s.best_streak).where(s.user_hash == user_hash))
        ).first()
        return ScoreCard() if row is None else ScoreCard(row.answered, row.correct, row.streak, row.best_streak)


def _state(row) -> ItemState:
    return ItemState(row.item_id, row.box, aware(row.due_at), aware(row.last_seen_at), row.seen, row.correct)
