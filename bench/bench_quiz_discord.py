"""Discord quiz benchmark: `/bloodpatch quiz` then an answer press, over loopback, with a real store.

Run: .venv/bin/python bench/bench_quiz_discord.py                 (SQLite in a temporary directory)
     .venv/bin/python bench/bench_quiz_discord.py --postgres      (a throwaway PostgreSQL on 127.0.0.1)
     .venv/bin/python bench/bench_quiz_discord.py --database-url postgresql://user@127.0.0.1:5432/db

The real client from `create_client(store=...)`, logged in against the stand-in Discord REST API
of `_loopback.py` on 127.0.0.1. Raw INTERACTION_CREATE payloads go through discord.py's own
parsing, command tree and dynamic items; the clock stops when the stand-in has read the
interaction callback. One round, for a new user each time:

- card: `/bloodpatch quiz` -> the question card (a store read: the user's Leitner state);
- press: an option of that card -> the private result (a store write: score, box, item totals);
- round trip: card + press, what a person waits in total;
- feedback: "Helpful" under a topic answer -> the thank-you (a store write: a daily counter).

Baseline in the same run: `/bloodpatch <topic>` (a topic answer, no store on its path).
Then a burst of feedback presses injected at once, for the feedback path's writes per second.
No timing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import discord

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import DISCORD_TOKEN, FakeDiscord, Interactions, discord_fixture, machine, ms, percentile  # noqa: E402

from bot.adapters.discord import DiscordSettings, create_client  # noqa: E402
from bot.adapters.discord.cog import plan_topic_commands  # noqa: E402
from bot.core import load_library  # noqa: E402
from bot.store import open_store  # noqa: E402

ROUNDS = 200
WARMUP = 10
BURST = 200
CALLBACK_TIMEOUT = 10.0


class Presses:
    """Button presses (component interactions) on a message the bot sent, each with a fresh id."""

    def __init__(self) -> None:
        self._ids = itertools.count(1320000000000000001)
        self._messages = itertools.count(1510000000000000001)
        self._template = discord_fixture("interaction_component.json")

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        """The message a callback created (the stand-in does not echo it, so it is rebuilt from the body)."""
        data = body.get("data") or {}
        message = copy.deepcopy(self._template["message"])
        message.update(id=str(next(self._messages)), components=data.get("components", []), flags=data.get("flags", 0))
        return message

    def press(self, message: dict[str, Any], custom_id: str, user_id: str) -> dict[str, Any]:
        payload = copy.deepcopy(self._template)
        number = next(self._ids)
        payload.update(id=str(number), token=f"press-token-{number}", message=message)
        payload["member"]["user"]["id"] = user_id
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return payload


def buttons(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in (body.get("data") or {}).get("components", []) for c in row["components"]]


def user_of(payload: dict[str, Any]) -> str:
    return payload["member"]["user"]["id"]


async def one(client: Any, fake: FakeDiscord, payload: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    waiter = fake.expect(payload["id"])
    started = time.perf_counter()
    client._connection.parse_interaction_create(payload)
    callback = await asyncio.wait_for(waiter, CALLBACK_TIMEOUT)
    return callback.at - started, callback.body


def row(name: str, samples: list[float]) -> str:
    return f"{name:58} {len(samples):6} {ms(percentile(samples, 50)):>8} {ms(percentile(samples, 99)):>8}"


async def main(rounds: int, burst_size: int, database_url: str | None) -> None:
    started_all = time.monotonic()
    scratch = tempfile.TemporaryDirectory(prefix="bench-quiz-discord-")
    logging.basicConfig(filename=str(Path(scratch.name) / "bot.log"), level=logging.INFO)
    library = load_library(ROOT / "content")
    store = await open_store(database_url, data_dir=scratch.name)
    await store.check()  # migrate before timing
    fake = FakeDiscord()
    await fake.start()
    original_base = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base  # type: ignore[misc]
    settings = DiscordSettings(token=None, cooldown_uses=1_000_000, cooldown_seconds=1.0)
    client = create_client(library=library, settings=settings, store=store)
    commands = [ref.command for ref in plan_topic_commands(library.topics)]
    interactions, presses = Interactions(), Presses()
    timings: dict[str, list[float]] = {"topic": [], "card": [], "press": [], "round": [], "feedback": []}
    wrong = 0
    try:
        await asyncio.wait_for(client.login(DISCORD_TOKEN), 10)
        for i in range(WARMUP + rounds):
            topic_payload = interactions.command(commands[i % len(commands)])
            topic_ms, answer = await one(client, fake, topic_payload)
            card_payload = interactions.command("quiz")
            card_ms, card = await one(client, fake, card_payload)
            options = buttons(card)
            press_payload = presses.press(presses.message(card), options[i % len(options)], user_of(card_payload))
            press_ms, result = await one(client, fake, press_payload)
            helpful = next(b for b in buttons(answer) if b.startswith("bp:fb:helpful:"))
            fb_payload = presses.press(presses.message(answer), helpful, user_of(topic_payload))
            feedback_ms, thanks = await one(client, fake, fb_payload)
            wrong += not (
                options
                and (result.get("data") or {}).get("embeds")
                and buttons(result)[0].startswith("bp:qn:")
                and (thanks.get("data") or {}).get("content", "").startswith("Thanks")
            )
            if i >= WARMUP:
                for name, value in (("topic", topic_ms), ("card", card_ms), ("press", press_ms)):
                    timings[name].append(value)
                timings["round"].append(card_ms + press_ms)
                timings["feedback"].append(feedback_ms)
        # Burst: feedback presses by different people on one answer, all injected at once.
        answer_payload = interactions.command("risks")
        _, answer = await one(client, fake, answer_payload)
        message = presses.message(answer)
        helpful = next(b for b in buttons(answer) if b.startswith("bp:fb:helpful:"))
        payloads = [presses.press(message, helpful, str(1400000000000900000 + n)) for n in range(burst_size)]
        waiters = [fake.expect(p["id"]) for p in payloads]
        before = (await store.stats()).feedback.get("risks", {}).get("helpful", 0)
        burst_started = time.perf_counter()
        for p in payloads:
            client._connection.parse_interaction_create(p)
        done = await asyncio.wait_for(asyncio.gather(*waiters), 120)
        burst_elapsed = max(c.at for c in done) - burst_started
        stats = await store.stats()
        counted = stats.feedback.get("risks", {}).get("helpful", 0) - before
    finally:
        await asyncio.sleep(0.05)
        await client.close()
        await store.close()
        discord.http.Route.BASE = original_base  # type: ignore[misc]
        await fake.close()

    print(f"machine: {machine()}; discord.py {discord.__version__}; store: {store.backend}")
    print(f"{rounds} rounds, one interaction at a time, a new user each round (payload in -> callback read)")
    print(f"{'path':58} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
    print(row("baseline: /bloodpatch <topic> (no store on the path)", timings["topic"]))
    print(row("quiz card: /bloodpatch quiz (store read)", timings["card"]))
    print(row("quiz press: option -> result + score (store write)", timings["press"]))
    print(row("quiz round trip: card + press", timings["round"]))
    print(row("feedback press: Helpful -> thanks (store write)", timings["feedback"]))
    print(
        f"feedback burst: {burst_size} presses injected at once answered in {burst_elapsed * 1000:.0f} ms "
        f"({burst_size / burst_elapsed:.0f} writes/s); counted in the store: {counted} of {burst_size}"
    )
    checked = "all correct" if not wrong else f"{wrong} WRONG"
    print(f"replies checked: {checked}; unexpected API calls: {len(fake.unexpected)}")
    print(f"total {time.monotonic() - started_all:.1f} s")
    logging.shutdown()
    scratch.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"measured rounds ({ROUNDS})")
    parser.add_argument("--burst", type=int, default=BURST, help=f"feedback presses in the burst ({BURST})")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL (bot.store.devserver)")
    args = parser.parse_args()
    if args.postgres:
        from bot.store.devserver import DevPostgres

        with DevPostgres() as server:
            asyncio.run(main(args.rounds, args.burst, server.url()))
    else:
        asyncio.run(main(args.rounds, args.burst, args.database_url))
