"""Slack endpoint benchmark: answered `/bloodpatch <topic>` slash commands per second, side by side.

Run: .venv/bin/python bench/bench_slack.py [--before DIR]     (about 1-2 min; everything on 127.0.0.1)

Each server runs in its own process and is measured from this one (load generator + a stand-in
for Slack's Web API and response URLs):
- `bare`: a bare aiohttp handler: reads the body, answers 200 with a short text.
- `bolt-minimal`: a minimal Bolt `AsyncApp` with `process_before_response=True` and one
  `/bloodpatch` listener that acks with a short text, served by Bolt's own aiohttp server.
- `ours`: the bot, `create_app()` + `create_web_app()`, with the real content.
- `ours-noquiz` (a diagnostic): the same with the quiz feature off (`Deps.quiz` None: no quiz
  subcommands, no per-command stats write to the store): the Slack request path by itself.
- `before` (only with `--before DIR`): the same bot from another source tree (e.g. a
  `git archive HEAD` before a change), with that tree's content.
A command counts as answered only when its answer has been delivered: in the ack body (a JSON
message whose header is the topic's title), or at the response_url stand-in. Every request is
signed as Slack signs it and carries its own trigger_id and response_url, as real commands do.
Then `ours` meets a core slowed past the ack budget: the ack must still beat Slack's 3 s limit,
and the answer must arrive at the response_url. No timing asserts; goal: ours >= 0.7x bolt-minimal
at concurrency 16.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _loopback import (  # noqa: E402
    FIXTURES,
    HOST,
    SIGNING_SECRET,
    SLACK_BOT_TOKEN,
    SlackStandIn,
    machine,
    ms,
    percentile,
    proc_cpu_seconds,
    read_line,
    sign,
    stop_process,
    wait_until,
)

BASE_MODES = ("bare", "bolt-minimal", "ours", "ours-noquiz")
# A diagnostic, not the product: `ours` with the quiz feature off (no quiz subcommands, no
# per-command stats write to the store), to show what the Slack request path costs by itself.
NO_QUIZ = "ours-noquiz"
LEVELS = (1, 16, 64)
REQUESTS = 400  # per round
ROUNDS = 3  # per level and mode; the median round is reported
WARMUP = 60
REQUEST_TIMEOUT = 10.0
LEVEL_TIMEOUT = 90.0
ANSWER_TIMEOUT = 20.0
GOAL = 0.7  # ours / bolt-minimal, answered per second, at concurrency 16
GOAL_LEVEL = 16
SHORT_ACK = "Got it"
SLACK_ACK_DEADLINE = 3.0
SLOW_CORE_SECONDS = 2.0  # the slowed core: longer than the ack budget, shorter than Slack's patience
SLOW_COUNT = 4  # answered one after another (one answer thread): 4 x 2 s


# -- the servers (child processes) -------------------------------------------------------------


def build_server(mode: str, api_url: str, root: Path, content: Path, slow: float) -> web.Application:
    if mode == "bare":
        return bare_server()
    if mode == "bolt-minimal":
        return minimal_bolt_server(api_url)
    sys.path.insert(0, str(root))  # `ours` from this tree, `before` from the other one
    from bot.adapters.slack import SlackSettings, create_app, create_web_app
    from bot.core import load_library

    library = load_library(content)
    if slow:
        slow_down(library, slow)
    if mode == NO_QUIZ:
        import bot.adapters.slack.app as app_module

        app_module.QuizFeature = lambda *args, **kwargs: None  # type: ignore[assignment,misc]  # Deps.quiz=None
    settings = SlackSettings(bot_token=SLACK_BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
    return create_web_app(create_app(settings=settings, library=library))


def slow_down(library: Any, seconds: float) -> None:
    """Make every free-text answer take `seconds` longer (a core stuck on something)."""
    answer = library.answer

    def slow_answer(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return answer(*args, **kwargs)

    library.answer = slow_answer


def bare_server() -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200, text=SHORT_ACK)

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


def minimal_bolt_server(api_url: str) -> web.Application:
    """The smallest Bolt app that answers `/bloodpatch` in its ack, on Bolt's own aiohttp server."""
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token=SLACK_BOT_TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    @app.command("/bloodpatch")
    async def answer(ack: AsyncAck) -> None:
        await ack(SHORT_ACK)

    return app.web_app(path="/slack/events")


async def serve(mode: str, api_url: str, root: Path, content: Path, slow: float) -> None:
    # As `bloodpatch-bot run` logs: INFO, one line per record (ours: one per answered request), to a file.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = web.AppRunner(build_server(mode, api_url, root, content, slow), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), 900)  # bounded even if the parent vanishes
    await runner.cleanup()
    if mode.startswith("ours") or mode == "before":
        from bot.adapters.slack.transport import close_sessions

        await close_sessions()


# -- requests ------------------------------------------------------------------------------------

_TEMPLATE = dict(parse_qsl((FIXTURES / "slack" / "slash_command.urlencoded").read_text().strip()))
_trigger = itertools.count(1)


def signed_command(text: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    """A signed `/bloodpatch <text>` request with its own trigger_id, as Slack sends each command."""
    form = {**_TEMPLATE, "text": text, "response_url": response_url, "trigger_id": f"1337.42.{next(_trigger):08x}"}
    body = urlencode(form)
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(body, ts),
    }
    return body.encode(), headers


class Expected:
    """What a correct answer to each command looks like: its title, from the served tree's own core.

    Worked out in a child process, so each tree's `bot` package and content answer for themselves.
    """

    def __init__(self, root: Path, content: Path, extra: list[str] | None = None) -> None:
        extra = extra or []
        command = [sys.executable, __file__, "--titles", "--root", str(root), "--content", str(content)]
        out = subprocess.run(
            [*command, *(["--extra", *extra] if extra else [])],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        self.titles: dict[str, str] = json.loads(out.strip().splitlines()[-1])
        self.texts = [t for t in self.titles if t not in extra]


def print_titles(root: Path, content: Path, extra: list[str]) -> None:
    """Child side of `Expected`: the topic commands and the title each text is answered with."""
    sys.path.insert(0, str(root))
    from bot.core import load_library

    logging.disable(logging.INFO)
    library = load_library(content)
    titles = {ref.command: library.topic(ref.command).title for ref in library.topics}
    titles.update({text: library.answer(text.removeprefix("ask ")).title for text in extra})
    print(json.dumps(titles))


def header(message: dict[str, Any]) -> str | None:
    return next((b["text"]["text"] for b in message.get("blocks", []) if b.get("type") == "header"), None)


@dataclass
class Level:
    mode: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    delivered_at: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    answered_elapsed: float = math.nan
    in_ack: int = 0
    via_url: int = 0
    server_cpu: float = 0.0
    bad_acks: int = 0
    missing: int = 0
    wrong: int = 0
    duplicates: int = 0

    @property
    def answered(self) -> int:
        return self.in_ack + self.via_url

    @property
    def answered_rate(self) -> float:
        return self.answered / self.answered_elapsed if self.answered_elapsed else math.nan

    @property
    def correct(self) -> bool:
        return not (self.bad_acks or self.missing or self.wrong or self.duplicates)


def check_message(body: dict[str, Any], title: str) -> bool:
    return body.get("response_type") == "ephemeral" and header(body) == title and bool(body.get("text"))


async def run_level(
    mode: str,
    concurrency: int,
    url: str,
    pid: int,
    standin: SlackStandIn,
    texts: list[str],
    expected: Expected | None,
    *,
    tag: str,
) -> Level:
    """Send len(texts) commands at `concurrency`; count each once its answer is delivered."""
    level = Level(mode, concurrency)
    names = [f"{mode}-{tag}-{i}" for i in range(len(texts))]
    requests = [signed_command(t, standin.response_url(n)) for t, n in zip(texts, names, strict=True)]
    ack_answered: dict[str, bool] = {}
    acked: list[tuple[str, bytes]] = []
    pending = iter(zip(names, texts, requests, strict=True))

    async def worker(session: aiohttp.ClientSession) -> None:
        for name, text, (body, headers) in pending:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    status, raw = resp.status, await resp.read()
            except (aiohttp.ClientError, TimeoutError):
                level.bad_acks += 1
                continue
            now = time.perf_counter()
            level.latencies.append(now - started)
            if status != 200:
                level.bad_acks += 1
            elif expected is None:  # bare and bolt-minimal: the short text is the answer
                level.bad_acks += raw.decode() != SHORT_ACK
                level.in_ack += raw.decode() == SHORT_ACK
                level.delivered_at.append(now)
            elif raw.startswith(b"{"):  # the answer, in the ack: checked after the clock stops
                acked.append((text, raw))
                level.in_ack += 1
                ack_answered[name] = True
                level.delivered_at.append(now)
            else:
                level.bad_acks += raw not in (b"", b"ok")  # an empty ack: the answer follows at the response_url

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        cpu_before = proc_cpu_seconds(pid)
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker(session) for _ in range(concurrency))), LEVEL_TIMEOUT)
        level.elapsed = time.perf_counter() - started
        if expected is not None:
            level.wrong += sum(not check_message(json.loads(raw), expected.titles[text]) for text, raw in acked)
            await wait_until(lambda: all(n in standin.answers or n in ack_answered for n in names), ANSWER_TIMEOUT)
            await asyncio.sleep(0.05)  # a late second answer would show up as a duplicate
            for name, text in zip(names, texts, strict=True):
                posted = standin.answers.get(name, [])
                level.via_url += len(posted) > 0
                level.delivered_at.extend(a.at for a in posted[:1])
                level.missing += not posted and name not in ack_answered
                level.duplicates += max(0, len(posted) + ack_answered.get(name, False) - 1)
                level.wrong += any(not check_message(a.body, expected.titles[text]) for a in posted)
        level.server_cpu = proc_cpu_seconds(pid) - cpu_before
    if level.delivered_at:
        level.answered_elapsed = max(level.delivered_at) - started
    return level


@dataclass
class Server:
    """One server under test, in its own process, logging to a file."""

    mode: str
    proc: subprocess.Popen[str]
    log_path: Path
    url: str = ""

    @classmethod
    async def start(
        cls, mode: str, api_url: str, log_dir: Path, root: Path, content: Path, *, slow: float = 0.0
    ) -> Server:
        log_path = log_dir / f"{mode}{'-slow' if slow else ''}.log"
        served_as = "ours" if mode == "before" else mode
        command = [sys.executable, __file__, "--serve", served_as, "--api-url", api_url, "--root", str(root)]
        command += ["--content", str(content)]
        with log_path.open("w") as log_file:
            # Its own scratch data directory: the quiz and stats store (SQLite) lands there, not in ~/.local.
            env = {**os.environ, "BLOODPATCH_DATA_DIR": str(log_dir / f"data-{mode}{'-slow' if slow else ''}")}
            env.pop("DATABASE_URL", None)
            command += ["--slow", str(slow)]
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True, cwd=log_dir, env=env)
        server = cls(mode, proc, log_path)
        try:
            port = int(await asyncio.to_thread(read_line, proc, "PORT ", 60))
        except Exception:
            stop_process(proc)
            raise
        server.url = f"http://{HOST}:{port}/slack/events"
        return server

    def problems(self) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if " WARNING " in line or " ERROR " in line]


async def slow_core_check(standin: SlackStandIn, log_dir: Path, content: Path, topics: list[str]) -> Level:
    """`ours` with a core slower than the ack budget: empty ack in time, answer at the response_url."""
    server = await Server.start("ours", standin.api_url, log_dir, ROOT, content, slow=SLOW_CORE_SECONDS)
    try:
        questions = [f"ask what is {t} about" for t in topics[:SLOW_COUNT]]
        expected = Expected(ROOT, content, questions)
        return await run_level(
            "ours-slow", SLOW_COUNT, server.url, server.proc.pid, standin, questions, expected, tag="slow"
        )
    finally:
        stop_process(server.proc)


@dataclass
class Cell:
    """One mode at one concurrency: its rounds, summarised by the median answered/s."""

    rounds: list[Level]

    @property
    def rate(self) -> float:
        return statistics.median(lv.answered_rate for lv in self.rounds)

    @property
    def latencies(self) -> list[float]:
        return [x for lv in self.rounds for x in lv.latencies]

    def total(self, name: str) -> int:
        return sum(getattr(lv, name) for lv in self.rounds)

    @property
    def cpu_ms(self) -> float:
        return 1000 * sum(lv.server_cpu for lv in self.rounds) / max(len(self.latencies), 1)


def print_table(results: dict[str, list[Cell]], modes: list[str]) -> None:
    print(
        f"{'mode':13} {'conc':>4} {'answered/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'in ack':>6} {'via url':>7} "
        f"{'CPU ms/req':>10}  {'vs bolt-min':>11}  answers"
    )
    for mode in modes:
        for cell, minimal, concurrency in zip(results[mode], results["bolt-minimal"], LEVELS, strict=True):
            problems = {k: cell.total(k) for k in ("bad_acks", "missing", "wrong", "duplicates") if cell.total(k)}
            check = "all correct" if not problems else f"PROBLEM {problems}"
            print(
                f"{mode:13} {concurrency:4} {cell.rate:10.0f} {ms(percentile(cell.latencies, 50)):>8} "
                f"{ms(percentile(cell.latencies, 99)):>8} {cell.total('in_ack'):6} {cell.total('via_url'):7} "
                f"{cell.cpu_ms:10.2f}  {cell.rate / minimal.rate:10.2f}x  {check}"
            )


async def main(requests: int, rounds: int, content: Path, before: Path | None) -> None:
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    modes = [*BASE_MODES, *(["before"] if before else [])]
    expected = {"ours": Expected(ROOT, content), **({"before": Expected(before, before / "content")} if before else {})}
    expected[NO_QUIZ] = expected["ours"]
    standin = SlackStandIn()
    await standin.start()
    servers: dict[str, Server] = {}
    results: dict[str, list[Cell]] = {mode: [Cell([]) for _ in LEVELS] for mode in modes}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
            for mode in modes:
                root, served = (before, before / "content") if mode == "before" and before else (ROOT, content)
                servers[mode] = await Server.start(mode, standin.api_url, Path(tmp), root, served)
            for mode, server in servers.items():  # first requests: auth.test, lazy imports, caches
                texts = (expected.get(mode) or expected["ours"]).texts
                warm = [texts[i % len(texts)] for i in range(WARMUP)]
                await run_level(mode, 4, server.url, server.proc.pid, standin, warm, expected.get(mode), tag="warm")
            # Modes take turns within each round of each level, so background load hits them alike.
            for n, concurrency in enumerate(LEVELS):
                for r in range(rounds):
                    order = list(servers.items())
                    order = order[r % len(order) :] + order[: r % len(order)]  # each mode goes first in turn
                    for mode, server in order:
                        texts = (expected.get(mode) or expected["ours"]).texts
                        batch = [texts[i % len(texts)] for i in range(requests)]
                        level = await run_level(
                            mode,
                            concurrency,
                            server.url,
                            server.proc.pid,
                            standin,
                            batch,
                            expected.get(mode),
                            tag=f"c{concurrency}r{r}",
                        )
                        results[mode][n].rounds.append(level)
            for server in servers.values():
                stop_process(server.proc)
                if problems := server.problems():
                    print(f"{server.mode}: {len(problems)} warning/error log line(s), first: {problems[0][:200]}")
            slow = await slow_core_check(standin, Path(tmp), content, expected["ours"].texts)
    finally:
        for server in servers.values():
            stop_process(server.proc)
        await standin.close()

    print(f"machine: {machine()}; load average before/after: {load_before:.2f}/{os.getloadavg()[0]:.2f}")
    print(
        f"{requests} signed `/bloodpatch <topic>` commands per round, {rounds} round(s) per level and mode; "
        "answered/s is the median round"
    )
    print_table(results, modes)
    at = LEVELS.index(GOAL_LEVEL)
    for mode in modes[2:]:
        pairs = zip(results[mode], results["bolt-minimal"], strict=True)
        ratios = [cell.rate / minimal.rate for cell, minimal in pairs]
        text = ", ".join(f"c={c}: {r:.2f}x" for c, r in zip(LEVELS, ratios, strict=True))
        if mode == "ours":
            verdict = f"goal {'met' if ratios[at] >= GOAL else 'NOT met'} (>= {GOAL}x at c={GOAL_LEVEL})"
        else:
            verdict = "(diagnostic: quiz feature off)" if mode == NO_QUIZ else "(before the change)"
        print(f"{mode} / bolt-minimal, answered per second: {text} -> {verdict}")
    worst = max(slow.latencies, default=math.inf)
    in_time = worst < SLACK_ACK_DEADLINE and slow.via_url == SLOW_COUNT and slow.correct
    print(
        f"core slowed by {SLOW_CORE_SECONDS} s ({SLOW_COUNT} questions at once): ack max {ms(worst)} ms "
        f"(Slack's limit {SLACK_ACK_DEADLINE:.0f} s), {slow.via_url}/{SLOW_COUNT} answered at the response_url, "
        f"{slow.in_ack} in the ack -> {'in time, answered' if in_time else 'PROBLEM'}"
    )
    print(f"total {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=BASE_MODES, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--slow", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content for `ours` (default: content/)")
    parser.add_argument("--titles", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--extra", nargs="*", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help=f"commands per round ({REQUESTS})")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds per level and mode ({ROUNDS})")
    parser.add_argument(
        "--before", type=Path, help="also measure the bot from this source tree (e.g. `git archive HEAD` unpacked)"
    )
    args = parser.parse_args()
    if args.titles:
        print_titles(args.root.resolve(), args.content.resolve(), args.extra)
    elif args.serve:
        asyncio.run(serve(args.serve, args.api_url, args.root.resolve(), args.content.resolve(), args.slow))
    else:
        before = args.before.resolve() if args.before else None
        asyncio.run(main(args.requests, args.rounds, args.content.resolve(), before))
