"""Slack endpoint benchmark: signed `/bloodpatch <topic>` slash commands per second, beside a bare handler.

Run: .venv/bin/python bench/bench_slack.py            (about 20-40 s; everything on 127.0.0.1)

Each server runs in its own process (its own core) and is measured from this one:
- `bare`: a bare aiohttp handler that reads the body and returns Bolt's ack (200, same body).
- `bolt-lazy`: the real app, `create_app()` + `create_web_app()`: `process_before_response=True`
  with every listener split into an immediate ack and a lazy listener that does the work.
- `bolt-polling`: the same listeners on an app with Bolt's default `process_before_response=False`
  (the listener runs in a task and Bolt polls every 10 ms for the ack): the mode we measured first.
- `no-bolt`: a reference, not the bot: the same work written by hand on aiohttp (signature check,
  form parsing, ack, then `reply_for()` and a response_url post over one shared session).
All but `bare` post their answers to a response_url stand-in in this process, which checks that
every command got exactly one answer, identical to what `reply_for()` renders for it. Then both
Bolt modes meet a slow response_url (3.5 s): does the ack still beat Slack's 3 s deadline?
A fixed number of requests per concurrency level; no timing asserts; goal: bolt >= 0.5x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import (  # noqa: E402
    HOST,
    SIGNING_SECRET,
    SLACK_BOT_TOKEN,
    SlackStandIn,
    machine,
    ms,
    percentile,
    proc_cpu_seconds,
    read_line,
    slash_command,
    stop_process,
    wait_until,
)

MODES = ("bare", "bolt-lazy", "bolt-polling", "no-bolt")
BOLT_MODES = ("bolt-lazy", "bolt-polling")
LEVELS = (1, 16, 64)
REQUESTS = 400  # per level and mode
WARMUP = 40
REQUEST_TIMEOUT = 10.0
LEVEL_TIMEOUT = 60.0
ANSWER_TIMEOUT = 20.0
GOAL = 0.5
SLACK_ACK_DEADLINE = 3.0  # Slack shows the user an error if the ack takes longer
SLOW_RESPONSE_URL = 3.5  # seconds the response_url stand-in takes to answer, in the slow check
SLOW_COUNT = 8


# -- the servers (child processes) -------------------------------------------------------------

SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("session", aiohttp.ClientSession)


def build_server(mode: str, api_url: str) -> web.Application:
    if mode == "bare":
        return bare_server()
    from bot.adapters.slack import SlackSettings, create_app, create_web_app
    from bot.core import load_library

    library = load_library(ROOT / "content")
    if mode == "no-bolt":
        return no_bolt_server(library)
    settings = SlackSettings(bot_token=SLACK_BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
    if mode == "bolt-lazy":
        return create_web_app(create_app(settings=settings, library=library))
    # bolt-polling: Bolt's default ack handling, otherwise built as create_app() builds it.
    from slack_bolt.async_app import AsyncApp

    from bot.adapters.slack import listeners
    from bot.adapters.slack.transport import build_web_client

    app = AsyncApp(
        name="bloodpatch-bot",
        client=build_web_client(settings.bot_token, settings.base_url),
        signing_secret=settings.signing_secret,
    )
    listeners.register(app, library)
    return create_web_app(app)


def bare_server() -> web.Application:
    """What Bolt answers to a slash command it acks with no arguments: 200, empty text/plain body."""

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200, body=b"", content_type="text/plain")

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


def no_bolt_server(library: Any) -> web.Application:
    """Reference only (not a baseline the goal uses): the same work by hand, without Bolt.

    Verify the signature, parse the form, ack at once; then `reply_for()` and post to the
    response_url over one shared aiohttp session.
    """
    from urllib.parse import parse_qsl

    from slack_sdk.signature import SignatureVerifier

    from bot.adapters.slack.replies import reply_for

    verifier = SignatureVerifier(SIGNING_SECRET)
    tasks: set[asyncio.Task[None]] = set()

    async def answer(session: aiohttp.ClientSession, form: dict[str, str]) -> None:
        message = reply_for(library, form.get("text", ""), surface="command", ephemeral=True)
        body = {"response_type": "ephemeral", **message.as_kwargs()}
        async with session.post(form["response_url"], json=body) as resp:
            await resp.read()

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return web.Response(status=401)
        task = asyncio.create_task(answer(request.app[SESSION], dict(parse_qsl(raw.decode()))))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return web.Response(status=200, body=b"", content_type="text/plain")

    async def session_context(app: web.Application) -> Any:
        app[SESSION] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        yield
        await app[SESSION].close()

    app = web.Application()
    app.cleanup_ctx.append(session_context)
    app.router.add_post("/slack/events", handle)
    return app


async def serve(mode: str, api_url: str) -> None:
    from bot.runner import configure_logging

    configure_logging()  # as `bloodpatch-bot run` does: INFO, one line per request, to stderr (a file)
    runner = web.AppRunner(build_server(mode, api_url), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), 600)  # bounded even if the parent vanishes
    await runner.cleanup()
    if mode.startswith("bolt"):
        from bot.adapters.slack.transport import close_sessions

        await close_sessions()


# -- the load generator ------------------------------------------------------------------------


@dataclass
class Level:
    mode: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    answered_elapsed: float = math.nan  # from the first request to the last answer at the response_url
    server_cpu: float = 0.0
    load_cpu: float = 0.0  # this process: the client and the response_url stand-in
    bad_acks: int = 0
    missing: int = 0
    wrong: int = 0
    duplicates: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    @property
    def answered_rate(self) -> float:
        return len(self.latencies) / self.answered_elapsed if self.answered_elapsed else math.nan

    @property
    def correct(self) -> bool:
        return not (self.bad_acks or self.missing or self.wrong or self.duplicates)


class Expected:
    """What the response_url must receive for each topic: `reply_for()` rendered in this process."""

    def __init__(self) -> None:
        import logging

        from bot.adapters.slack.replies import reply_for
        from bot.core import load_library

        logging.getLogger("bot").setLevel(logging.WARNING)
        self.library = library = load_library(ROOT / "content")
        self.texts = [ref.command for ref in library.topics]
        self.bodies = {
            text: {
                "response_type": "ephemeral",
                **reply_for(library, text, surface="command", ephemeral=True).as_kwargs(),
            }
            for text in self.texts
        }


async def run_level(
    mode: str,
    concurrency: int,
    url: str,
    pid: int,
    standin: SlackStandIn,
    expected: Expected,
    ack: tuple[int, bytes],
    *,
    count: int,
    tag: str,
) -> Level:
    level = Level(mode, concurrency)
    names = [f"{mode}-{tag}-{i}" for i in range(count)]
    texts = [expected.texts[i % len(expected.texts)] for i in range(count)]
    requests = [slash_command(text, standin.response_url(name)) for text, name in zip(texts, names, strict=True)]
    pending = iter(requests)

    async def worker(session: aiohttp.ClientSession) -> None:
        for body, headers in pending:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    got = (resp.status, await resp.read())
            except (aiohttp.ClientError, TimeoutError):
                level.bad_acks += 1
                continue
            level.latencies.append(time.perf_counter() - started)
            level.bad_acks += got != ack

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_before, load_before = proc_cpu_seconds(pid), time.process_time()
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker(session) for _ in range(concurrency))), LEVEL_TIMEOUT)
        level.elapsed = time.perf_counter() - started
        if mode != "bare":
            await wait_until(lambda: all(name in standin.answers for name in names), ANSWER_TIMEOUT)
            arrived = [a.at for name in names for a in standin.answers.get(name, [])]
            level.answered_elapsed = max(arrived) - started if arrived else math.nan
            for name, text in zip(names, texts, strict=True):
                answers = standin.answers.get(name, [])
                level.missing += not answers
                level.duplicates += max(0, len(answers) - 1)
                level.wrong += any(a.body != expected.bodies[text] for a in answers)
        level.server_cpu = proc_cpu_seconds(pid) - cpu_before
        level.load_cpu = time.process_time() - load_before
    return level


@dataclass
class Server:
    """One server under test, in its own process, logging to a file."""

    mode: str
    proc: subprocess.Popen[str]
    log_path: Path
    url: str = ""

    @classmethod
    async def start(cls, mode: str, api_url: str, log_dir: Path) -> Server:
        log_path = log_dir / f"{mode}.log"
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                [sys.executable, __file__, "--serve", mode, "--api-url", api_url],
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
            )
        server = cls(mode, proc, log_path)
        try:
            port = int(await asyncio.to_thread(read_line, proc, "PORT ", 30))
        except Exception:
            stop_process(proc)
            raise
        server.url = f"http://{HOST}:{port}/slack/events"
        return server

    def problems(self) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if " WARNING " in line or " ERROR " in line]


async def bolt_ack(url: str, standin: SlackStandIn) -> tuple[int, bytes]:
    """Bolt's own ack to one command (taken from the real app), which the bare handler must match."""
    body, headers = slash_command("recovery", standin.response_url("probe"))
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.read()


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def reply_cost(expected: Expected, rounds: int = 20) -> float:
    """Seconds per `reply_for()` call (parse + core + render) in this process: the work no server avoids."""
    from bot.adapters.slack.replies import reply_for

    started = time.perf_counter()
    for _ in range(rounds):
        for text in expected.texts:
            reply_for(expected.library, text, surface="command", ephemeral=True)
    return (time.perf_counter() - started) / (rounds * len(expected.texts))


async def main(requests: int) -> None:
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    expected = Expected()
    standin = SlackStandIn()
    await standin.start()
    servers: dict[str, Server] = {}
    results: dict[str, list[Level]] = {mode: [] for mode in MODES}
    slow: dict[str, Level] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
            for mode in MODES:
                servers[mode] = await Server.start(mode, standin.api_url, Path(tmp))
            ack = await bolt_ack(servers["bolt-lazy"].url, standin)
            for mode, server in servers.items():
                pid = server.proc.pid
                await run_level(mode, 4, server.url, pid, standin, expected, ack, count=WARMUP, tag="warmup")
            # Modes interleaved within each level, so background load hits them alike.
            for concurrency in LEVELS:
                for mode, server in servers.items():
                    level = await run_level(
                        mode,
                        concurrency,
                        server.url,
                        server.proc.pid,
                        standin,
                        expected,
                        ack,
                        count=requests,
                        tag=f"c{concurrency}",
                    )
                    results[mode].append(level)
            # A slow response_url (Slack under load): does the ack still beat Slack's 3 s deadline?
            standin.response_delay = SLOW_RESPONSE_URL
            for mode in BOLT_MODES:
                server = servers[mode]
                slow[mode] = await run_level(
                    mode, SLOW_COUNT, server.url, server.proc.pid, standin, expected, ack, count=SLOW_COUNT, tag="slow"
                )
            standin.response_delay = 0.0
            for server in servers.values():
                stop_process(server.proc)
                if problems := server.problems():
                    print(f"{server.mode}: {len(problems)} warning/error log line(s), first: {problems[0][:200]}")
    finally:
        for server in servers.values():
            stop_process(server.proc)
        await standin.close()
    per_reply = reply_cost(expected)

    status, body = ack
    print(f"machine: {machine()}; load average before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}")
    print(f"{requests} signed `/bloodpatch <topic>` commands per level; Bolt's ack: {status} {body!r}")
    print(
        f"{'mode':13} {'conc':>4} {'acks/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'answered/s':>10} "
        f"{'CPU ms/req srv':>14} {'load':>5} {'vs bare':>8}  answers"
    )
    bare = {lv.concurrency: lv for lv in results["bare"]}
    for mode in MODES:
        for lv in results[mode]:
            ratio = lv.rate / bare[lv.concurrency].rate
            answered = "-" if mode == "bare" else f"{lv.answered_rate:.0f}"
            check = "n/a" if mode == "bare" else ("all correct" if lv.correct else "PROBLEM")
            if lv.bad_acks or lv.missing or lv.wrong or lv.duplicates:
                check += f" (bad acks {lv.bad_acks}, missing {lv.missing}, wrong {lv.wrong}, dup {lv.duplicates})"
            print(
                f"{mode:13} {lv.concurrency:4} {lv.rate:8.0f} {ms(percentile(lv.latencies, 50)):>8} "
                f"{ms(percentile(lv.latencies, 99)):>8} {answered:>10} "
                f"{lv.server_cpu * 1000 / len(lv.latencies):14.2f} {lv.load_cpu * 1000 / len(lv.latencies):5.2f} "
                f"{ratio:7.2f}x  {check}"
            )
    print(f"goal: Bolt acks/s >= {GOAL}x the bare handler at each concurrency")
    for mode in MODES[1:]:
        ratios = [lv.rate / bare[lv.concurrency].rate for lv in results[mode]]
        met = ("-> goal met" if min(ratios) >= GOAL else "-> goal NOT met") if mode in BOLT_MODES else "(reference)"
        print(f"  {mode}: ratio to bare {', '.join(f'{r:.2f}x' for r in ratios)} (c={LEVELS}) {met}")
    print(
        f"slow response_url ({SLOW_RESPONSE_URL} s per post, {SLOW_COUNT} commands at once), "
        f"ack latency vs Slack's {SLACK_ACK_DEADLINE:.0f} s deadline:"
    )
    in_time = {}
    for mode, lv in slow.items():
        worst = max(lv.latencies, default=math.inf)
        in_time[mode] = worst < SLACK_ACK_DEADLINE and lv.correct
        verdict = "in time" if in_time[mode] else "TOO LATE (Slack would show the user an error)"
        print(f"  {mode}: p50 {ms(percentile(lv.latencies, 50))} ms, max {ms(worst)} ms -> {verdict}")
    scores = {m: geomean([lv.answered_rate for lv in results[m]]) for m in BOLT_MODES}
    print("geometric mean of answered/s over the levels: " + ", ".join(f"{m} {v:.0f}" for m, v in scores.items()))
    fastest = max(scores, key=scores.__getitem__)
    correct = [m for m in BOLT_MODES if all(lv.correct for lv in results[m]) and in_time[m]]
    print(f"fastest: {fastest}; fastest that answers every command correctly and acks in time even when")
    print(f"  the response_url is slow: {max(correct, key=scores.__getitem__) if correct else 'none'}")
    print(
        f"for scale: reply_for() alone (parse + core + Block Kit render, no HTTP) costs {ms(per_reply)} ms "
        f"per command here, i.e. at most {1 / per_reply:.0f} answers/s on one core before any HTTP work"
    )
    print(f"total {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help=f"commands per level and mode ({REQUESTS})")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.api_url))
    else:
        asyncio.run(main(args.requests))
