"""Slack quiz benchmark: `/bloodpatch quiz` then an answer press, signed HTTP over loopback, with a real store.

Run: .venv/bin/python bench/bench_quiz_slack.py                   (SQLite in a temporary directory)
     .venv/bin/python bench/bench_quiz_slack.py --database-url postgresql://user@127.0.0.1:5432/db

The bot (`create_app(store=...)` + `create_web_app()`) runs in its own process; this process
sends what Slack sends (signed slash commands and block_actions) and plays Slack's Web API and
response URLs (`_loopback.SlackStandIn`). One round, for a new user each time:

- card: `/bloodpatch quiz` -> the question card in the ack (a store read: the user's Leitner state);
- press: an option of that card -> the private result at the response_url (a store write);
- round trip: card + press, what a person waits in total;
- feedback: "Helpful" under a topic answer -> the thank-you at the response_url (a store write).

Baseline in the same run: `/bloodpatch recovery` (a topic answer in the ack; its count is
written after the reply). Rounds run one at a time (concurrency 1). No timing asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import itertools
import json
import logging
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
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

ROUNDS = 300
WARMUP = 20
ANSWER_TIMEOUT = 10.0
_TEMPLATE = dict(parse_qsl((FIXTURES / "slack" / "slash_command.urlencoded").read_text().strip()))
_PRESS = json.loads((FIXTURES / "slack" / "block_actions_ephemeral.json").read_text())
_ids = itertools.count(1)


# -- the server (child process) ------------------------------------------------------------------


async def serve(api_url: str, data_dir: str, database_url: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)  # as quiet as a deployment at WARNING
    from bot.adapters.slack import SlackSettings, create_app, create_web_app
    from bot.adapters.slack.quiz_service import feature_of
    from bot.adapters.slack.transport import close_sessions
    from bot.core import load_library
    from bot.store import open_store

    store = await open_store(database_url, data_dir=data_dir)
    await store.check()  # migrate before the clock starts
    settings = SlackSettings(bot_token=SLACK_BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
    app = create_app(settings=settings, library=load_library(), store=store)
    runner = web.AppRunner(create_web_app(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), 900)
    await runner.cleanup()
    feature = feature_of(app)
    if feature is not None:
        await feature.aclose()
    await close_sessions()
    await store.close()


# -- requests --------------------------------------------------------------------------------------


def _signed(body: str) -> tuple[bytes, dict[str, str]]:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(body, ts),
    }
    return body.encode(), headers


def command(text: str, user: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    form = {**_TEMPLATE, "text": text, "user_id": user, "response_url": response_url}
    form["trigger_id"] = f"1337.42.{next(_ids):08x}"
    return _signed(urlencode(form))


def press(button: dict[str, Any], user: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    payload = copy.deepcopy(_PRESS)
    payload["user"]["id"] = user
    payload["trigger_id"] = f"9876.{next(_ids):010d}"
    payload["container"]["message_ts"] = f"1700000000.{next(_ids):06d}"
    payload["response_url"] = response_url
    action = payload["actions"][0]
    action.update(action_id=button["action_id"], value=button["value"], text=button["text"])
    action.pop("style", None)
    return _signed(urlencode({"payload": json.dumps(payload)}))


def buttons(message: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    found = []
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            found.extend(e for e in block["elements"] if e["action_id"].startswith(prefix))
    return found


class Client:
    def __init__(self, session: aiohttp.ClientSession, url: str, standin: SlackStandIn) -> None:
        self.session, self.url, self.standin = session, url, standin

    async def ack(self, request: tuple[bytes, dict[str, str]]) -> tuple[float, bytes]:
        body, headers = request
        started = time.perf_counter()
        async with self.session.post(self.url, data=body, headers=headers) as resp:
            raw = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {raw[:200]!r}")
        return time.perf_counter() - started, raw

    async def reply_at_url(self, request: tuple[bytes, dict[str, str]], name: str) -> tuple[float, dict[str, Any]]:
        """Send a click; seconds until its answer reached the response_url stand-in, and that answer."""
        started = time.perf_counter()
        await self.ack(request)
        if not await wait_until(lambda: name in self.standin.answers, ANSWER_TIMEOUT, interval=0.0005):
            raise RuntimeError(f"no answer at the response_url for {name}")
        answer = self.standin.answers[name][0]
        return answer.at - started, answer.body


async def one_round(client: Client, n: int, samples: dict[str, list[float]]) -> None:
    user = f"U0BENCH{n:06d}"
    url = client.standin.response_url
    topic_s, raw = await client.ack(command("recovery", user, url(f"t{n}")))
    topic = json.loads(raw)
    card_s, raw = await client.ack(command("quiz", user, url(f"c{n}")))
    card = json.loads(raw)
    options = buttons(card, "bp:q:")
    if not options:
        raise RuntimeError(f"no quiz card in the ack: {raw[:200]!r}")
    press_s, result = await client.reply_at_url(press(options[n % len(options)], user, url(f"p{n}")), f"p{n}")
    if " of 1" not in result.get("text", ""):
        raise RuntimeError(f"unexpected result: {result.get('text', '')[:200]!r}")
    helpful = buttons(topic, "bp:fb:helpful:")[0]
    feedback_s, thanks = await client.reply_at_url(press(helpful, user, url(f"f{n}")), f"f{n}")
    if "Thanks" not in thanks.get("text", ""):
        raise RuntimeError(f"unexpected feedback reply: {thanks.get('text', '')[:200]!r}")
    for name, value in (("topic", topic_s), ("card", card_s), ("press", press_s), ("feedback", feedback_s)):
        samples[name].append(value)
    samples["round trip"].append(card_s + press_s)


async def bench(rounds: int, database_url: str | None) -> None:
    standin = SlackStandIn()
    await standin.start()
    with tempfile.TemporaryDirectory(prefix="bench-quiz-slack-") as data_dir:
        cmd = [sys.executable, __file__, "--serve", "--api-url", standin.api_url, "--data-dir", data_dir]
        if database_url:
            cmd += ["--database-url", database_url]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            port = read_line(proc, "PORT ", timeout=60)
            url = f"http://{HOST}:{port}/slack/events"
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=ANSWER_TIMEOUT)) as session:
                client = Client(session, url, standin)
                warm: dict[str, list[float]] = {k: [] for k in ("topic", "card", "press", "feedback", "round trip")}
                for n in range(WARMUP):
                    await one_round(client, 1_000_000 + n, warm)
                samples: dict[str, list[float]] = {k: [] for k in warm}
                cpu_before = proc_cpu_seconds(proc.pid)
                started = time.perf_counter()
                for n in range(rounds):
                    await one_round(client, n, samples)
                elapsed = time.perf_counter() - started
                cpu = proc_cpu_seconds(proc.pid) - cpu_before
        finally:
            stop_process(proc)
            await standin.close()
    report(samples, rounds, elapsed, cpu, "PostgreSQL" if database_url else "SQLite")


def report(samples: dict[str, list[float]], rounds: int, elapsed: float, cpu: float, backend: str) -> None:
    print(f"Slack quiz over loopback, {backend}, {rounds} rounds at concurrency 1 ({machine()})")
    print(f"{'path':<44} {'p50 ms':>8} {'p99 ms':>8}")
    labels = {
        "topic": "topic answer /bloodpatch recovery (ack)",
        "card": "quiz card /bloodpatch quiz (ack)",
        "press": "answer press -> result at response_url",
        "round trip": "quiz round trip (card + press)",
        "feedback": "Helpful press -> thanks at response_url",
    }
    for key, label in labels.items():
        values = samples[key]
        print(f"{label:<44} {ms(percentile(values, 50)):>8} {ms(percentile(values, 99)):>8}")
    base50, base99 = percentile(samples["topic"], 50), percentile(samples["topic"], 99)
    trip50, trip99 = percentile(samples["round trip"], 50), percentile(samples["round trip"], 99)
    print(f"round trip / topic answer: p50 {trip50 / base50:.1f}x, p99 {trip99 / base99:.1f}x")
    print(f"server CPU {cpu * 1000 / rounds:.1f} ms per round (4 requests); {rounds / elapsed:.0f} rounds/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.api_url, args.data_dir, args.database_url))
    else:
        asyncio.run(bench(args.rounds, args.database_url))


if __name__ == "__main__":
    main()
