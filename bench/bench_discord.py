"""Discord benchmark: interaction handling latency, payload in -> callback JSON at the (stand-in) API.

Run: .venv/bin/python bench/bench_discord.py            (about 5-10 s; everything on 127.0.0.1)

The real client from `create_client()`, logged in against a stand-in Discord REST API on
127.0.0.1 (`discord.http.Route.BASE` points there, as in the loopback tests). Raw
INTERACTION_CREATE payloads go through `client._connection.parse_interaction_create`, i.e.
discord.py's own parsing, command tree, our cog, the embed renderer and discord.py's HTTP
client; the clock stops when the stand-in has read the interaction callback.
Three kinds, interleaved, one at a time: `/bloodpatch <topic>` (a per-topic subcommand),
`/bloodpatch ask question:...` and autocomplete of `/bloodpatch topic name:...`. Every
interaction comes from a different user and the cooldown is raised, so it never interferes.
Then a burst: all of them injected at once (what a busy gateway connection could deliver).

Baselines in the same run: the core alone (`library.topic` / `library.answer` /
`library.complete`) and the transport floor (an aiohttp POST of the same callback JSON to
the same stand-in, without discord.py). No timing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import DISCORD_TOKEN, FakeDiscord, Interactions, machine, ms, percentile  # noqa: E402

from bot.adapters.discord import DiscordSettings, create_client  # noqa: E402
from bot.adapters.discord.cog import plan_topic_commands  # noqa: E402
from bot.core import load_library  # noqa: E402
from bot.core.evaluation import load_questions  # noqa: E402

PER_KIND = 100  # interactions per kind (3 kinds)
WARMUP = 10
CALLBACK_TIMEOUT = 5.0
BURST_TIMEOUT = 60.0
KINDS = ("topic", "ask", "autocomplete")


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()[:200]}")


def inputs(library: Any, per_kind: int) -> dict[str, list[str]]:
    """What users typed: topic subcommands, eval-set questions, partial or misspelt topic names."""
    commands = [ref.command for ref in plan_topic_commands(library.topics)]  # topics with a subcommand
    questions = [q.question for q in load_questions(ROOT / "content" / "questions" / "questions.yaml")]
    typed = [name[:n] for name in commands for n in (2, 4)] + [name[:-2] + name[-1] for name in commands]
    return {
        "topic": [commands[i % len(commands)] for i in range(per_kind)],
        "ask": [questions[(i * 7) % len(questions)][:200] for i in range(per_kind)],
        "autocomplete": [typed[i % len(typed)] for i in range(per_kind)],
    }


def payload_for(kind: str, text: str, interactions: Interactions) -> dict[str, Any]:
    if kind == "topic":
        return interactions.command(text)
    if kind == "ask":
        return interactions.command("ask", question=text)
    return interactions.autocomplete(text)


def check(kind: str, body: dict[str, Any]) -> bool:
    """The callback is the right kind of answer: a message with an embed, or autocomplete choices."""
    data = body.get("data") or {}
    if kind == "autocomplete":
        return body.get("type") == 8 and isinstance(data.get("choices"), list)
    return body.get("type") == 4 and bool(data.get("embeds")) and bool((data.get("flags") or 0) & 64)


async def one(client: Any, fake: FakeDiscord, payload: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    waiter = fake.expect(payload["id"])
    started = time.perf_counter()
    client._connection.parse_interaction_create(payload)
    callback = await asyncio.wait_for(waiter, CALLBACK_TIMEOUT)
    return callback.at - started, callback.body


def core_timings(library: Any, texts: dict[str, list[str]], rounds: int = 5) -> dict[str, list[float]]:
    calls: dict[str, Callable[[str], object]] = {
        "topic": library.topic,
        "ask": library.answer,
        "autocomplete": library.complete,
    }
    out: dict[str, list[float]] = {}
    for kind, fn in calls.items():
        samples = []
        for _ in range(rounds):
            for text in texts[kind]:
                started = time.perf_counter()
                fn(text)
                samples.append(time.perf_counter() - started)
        out[kind] = samples
    return out


async def transport_floor(fake: FakeDiscord, bodies: dict[str, list[dict[str, Any]]]) -> dict[str, list[float]]:
    """An aiohttp POST of the same callback JSON to the same stand-in: the cost of the wire alone."""
    out: dict[str, list[float]] = {}
    number = 1390000000000000001
    async with aiohttp.ClientSession() as session:
        for kind, kind_bodies in bodies.items():
            samples = []
            for body in kind_bodies:
                number += 1
                waiter = fake.expect(str(number))
                url = f"{fake.api_base}/interactions/{number}/floor-token/callback?with_response=1"
                started = time.perf_counter()
                async with session.post(url, json=body) as resp:
                    await resp.read()
                callback = await asyncio.wait_for(waiter, CALLBACK_TIMEOUT)
                samples.append(callback.at - started)
            out[kind] = samples
    return out


def row(name: str, samples: list[float]) -> str:
    return f"{name:54} {len(samples):6} {ms(percentile(samples, 50)):>8} {ms(percentile(samples, 99)):>8}"


async def main(per_kind: int) -> None:
    started_all = time.monotonic()
    log_dir = tempfile.TemporaryDirectory(prefix="bench-discord-")
    logging.basicConfig(  # as `bloodpatch-bot run` logs (INFO, one line per answer), but to a file
        filename=str(Path(log_dir.name) / "bot.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    loop_errors: list[str] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(str(ctx.get("message"))))

    library = load_library(ROOT / "content")
    texts = inputs(library, per_kind)
    fake = FakeDiscord()
    await fake.start()
    original_base = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base  # type: ignore[misc]
    settings = DiscordSettings(token=None, cooldown_uses=1_000_000, cooldown_seconds=1.0)
    client = create_client(library=library, settings=settings)
    interactions = Interactions()
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    bodies: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    bad: dict[str, int] = dict.fromkeys(KINDS, 0)
    burst: list[float] = []
    burst_elapsed = 0.0
    try:
        await asyncio.wait_for(client.login(DISCORD_TOKEN), 10)
        for i in range(WARMUP):
            kind = KINDS[i % len(KINDS)]
            await one(client, fake, payload_for(kind, texts[kind][i], interactions))
        for i in range(per_kind):  # kinds interleaved, one interaction at a time
            for kind in KINDS:
                latency, body = await one(client, fake, payload_for(kind, texts[kind][i], interactions))
                latencies[kind].append(latency)
                bodies[kind].append(body)
                bad[kind] += not check(kind, body)
        # Burst: everything at once; each latency from injection to its own callback.
        payloads = [payload_for(kind, texts[kind][i], interactions) for i in range(per_kind) for kind in KINDS]
        waiters = [fake.expect(p["id"]) for p in payloads]
        started = time.perf_counter()
        starts = []
        for p in payloads:
            starts.append(time.perf_counter())
            client._connection.parse_interaction_create(p)
        done = await asyncio.wait_for(asyncio.gather(*waiters), BURST_TIMEOUT)
        burst_elapsed = max(c.at for c in done) - started
        burst = [c.at - s for c, s in zip(done, starts, strict=True)]
        kinds = [kind for _ in range(per_kind) for kind in KINDS]
        burst_bad = sum(not check(kind, c.body) for c, kind in zip(done, kinds, strict=True))
        floor = await transport_floor(fake, bodies)
    finally:
        await asyncio.sleep(0.05)  # let finished handlers log
        await client.close()
        discord.http.Route.BASE = original_base  # type: ignore[misc]
        await fake.close()
    core = core_timings(library, texts)

    print(f"machine: {machine()}; discord.py {discord.__version__}")
    print(f"{per_kind} interactions per kind, one at a time (payload in -> callback JSON read by the stand-in)")
    print(f"{'path':54} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in KINDS:
        print(row(f"{kind}: ours (discord.py + cog + render + HTTP)", latencies[kind]))
        print(row(f"{kind}: baseline core alone", core[kind]))
        print(row(f"{kind}: baseline HTTP POST of the same JSON", floor[kind]))
    everything = [x for kind in KINDS for x in latencies[kind]]
    floors = [x for kind in KINDS for x in floor[kind]]
    cores = [x for kind in KINDS for x in core[kind]]
    print(row("all kinds: ours", everything))
    print(
        f"ratio p50 ours / (core + HTTP POST): "
        f"{percentile(everything, 50) / (percentile(cores, 50) + percentile(floors, 50)):.1f}x; "
        f"p99: {percentile(everything, 99) / (percentile(cores, 99) + percentile(floors, 99)):.1f}x"
    )
    print(
        f"burst of {len(burst)} injected at once: all answered in {burst_elapsed * 1000:.0f} ms "
        f"({len(burst) / burst_elapsed:.0f} interactions/s), p50 {ms(percentile(burst, 50))} ms, "
        f"p99 {ms(percentile(burst, 99))} ms"
    )
    wrong = sum(bad.values()) + burst_bad
    print(
        f"answers: {'all correct' if not wrong else f'{wrong} WRONG'} (callback type, embed or choices, ephemeral); "
        f"unexpected API calls: {len(fake.unexpected)}; follow-ups: {fake.followups}; "
        f"errors logged: {len(errors.messages)}; loop errors: {len(loop_errors)}"
    )
    for message in (errors.messages + loop_errors)[:3]:
        print(f"  {message}")
    print(f"total {time.monotonic() - started_all:.1f} s")
    logging.shutdown()
    log_dir.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=PER_KIND, help=f"interactions per kind ({PER_KIND})")
    asyncio.run(main(parser.parse_args().per_kind))
