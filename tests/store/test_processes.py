"""Two processes on one new database: they migrate it at the same moment, then agree on every score."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bot.store import open_store
from bot.store.migrate import HEAD
from bot.store.schema import VERSION_TABLE

from .conftest import settings_for
from .worker import USERS, plan

ROOT = Path(__file__).resolve().parents[2]


def run_workers(url: str, workers: int, count: int) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.worker", url, str(n), str(count)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    for proc in procs:  # all imported and opened...
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:  # ...then all go at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


async def test_two_processes_migrate_a_new_database_at_once_then_agree_on_scores(empty_db_url: str) -> None:
    count = 24
    results = run_workers(empty_db_url, workers=2, count=count)
    # Shared event ids count once in total, each worker's own ids once each.
    expected: dict[str, list[int]] = {u: [0, 0] for u in USERS}
    seen: set[str] = set()
    for worker in (0, 1):
        for user, _index, event, right in plan(worker, count):
            if event in seen:
                continue
            seen.add(event)
            expected[user][0] += 1
            expected[user][1] += right
    assert sum(r["fresh"] for r in results) == len(seen)
    store = await open_store(settings=settings_for(empty_db_url))
    other = await open_store(settings=settings_for(empty_db_url))
    try:
        async with store._tx(read_only=True) as conn:
            versions = (await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalars().all()
        assert versions == [HEAD]  # migrated once, by whichever process got the lock first
        for user in USERS:
            mine, theirs = await store.score(user), await other.score(user)
            assert mine == theirs
            assert [mine.score.answered, mine.score.correct] == expected[user]
        stats = await store.stats()
        assert sum(i.answered for i in stats.items) == len(seen)
    finally:
        await store.close()
        await other.close()
