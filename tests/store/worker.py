"""A separate process using the store, for the multi-process tests: `python -m tests.store.worker URL ID N`.

Prints "ready" once imported and opened, and waits for a line on stdin, so the test can
start every process at the same moment. Then it records N answers for three shared users;
the first one migrates the database if it is empty (all workers race for that). Even-numbered
event ids are the same in every worker (a retry reaching another process), odd ones are
this worker's own. Prints one JSON line: how many answers counted as new.
"""

from __future__ import annotations

import asyncio
import json
import sys

from bot.store import open_store, store_settings
from tests.store.conftest import ITEMS

USERS = ("discord:1:10", "discord:1:11", "slack:T1:U12")


def plan(worker: int, count: int) -> list[tuple[str, int, str, bool]]:
    """(user, item index, event id, right?) for each answer of `worker`."""
    out = []
    for n in range(count):
        event = f"shared-{n}" if n % 2 == 0 else f"w{worker}-{n}"
        out.append((USERS[n % 3], n % 4, event, n % 5 != 0))
    return out


async def main(url: str, worker: int, count: int) -> dict:
    store = await open_store(settings=store_settings(url, environ={}, retry_seconds=0.0, operation_timeout=30.0))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    try:
        fresh = 0
        for user, index, event, right in plan(worker, count):
            item = ITEMS[index]
            choice = item.answer if right else (item.answer + 1) % len(item.options)
            result = await store.record_quiz_answer(user, item, choice, event_id=event)
            fresh += not result.duplicate
        return {"worker": worker, "fresh": fresh}
    finally:
        await store.close()


if __name__ == "__main__":
    url, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(asyncio.run(main(url, worker, count))))
