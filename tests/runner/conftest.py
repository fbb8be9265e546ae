"""Harness for starting the real `bloodpatch-bot run …` as a child process against loopback stand-ins.

The stand-ins are the adapters' own (tests/adapters/{slack,discord}/conftest.py), loaded by path
the way tests/faults/conftest.py does; Discord's gains a gateway WebSocket (HELLO, heartbeat
ACKs, READY per IDENTIFY, pushed INTERACTION_CREATE) and `/gateway/bot`, since the service
connects for real. The child is pointed at them with the bot's own settings (SLACK_API_URL,
DISCORD_API_URL, DISCORD_GATEWAY_URL); nothing in the child is patched.

Content: the bundled content, or $BLOODPATCH_CONTENT when set (as for the bot itself).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout, WSMsgType, web

from tests.conftest import CONTENT
from tests.harness import load_conftest

# Re-exported fixtures: PostgreSQL on 127.0.0.1 for the session and a database migrated once to copy.
from tests.store.conftest import pg_server, pg_template  # noqa: F401

ADAPTER_TESTS = Path(__file__).resolve().parents[1] / "adapters"
RUN_CONTENT = Path(os.environ.get("BLOODPATCH_CONTENT") or CONTENT)
START_TIMEOUT = 45.0  # a cold child on a busy 2-core machine, including a stale-model retrain
_LISTENING = re.compile(r"http: listening on (\S+):(\d+)")


discord_harness = load_conftest("_bloodpatch_runner_discord_harness", ADAPTER_TESTS / "discord" / "conftest.py")
slack_harness = load_conftest("_bloodpatch_runner_slack_harness", ADAPTER_TESTS / "slack" / "conftest.py")

standin = slack_harness.standin  # Slack's Web API, response URLs and Socket Mode WebSocket
kit = slack_harness.kit


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A store opened in this process (the adapters open the default one when given none) stays in tmp_path."""
    monkeypatch.setenv("BLOODPATCH_DATA_DIR", str(tmp_path / "data"))


# -- the child process ------------------------------------------------------------------------


def scrubbed_env(**extra: str) -> dict[str, str]:
    """This environment without any platform or service settings, plus `extra`."""
    prefixes = ("SLACK_", "DISCORD_", "BLOODPATCH_", "DATABASE_URL", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, "BLOODPATCH_LOG_LEVEL": "INFO", **extra}


def command(*args: str) -> list[str]:
    """The installed console script (as a user runs it), else `python -m bot`."""
    script = shutil.which("bloodpatch-bot", path=str(Path(sys.executable).parent))
    return [script, *args] if script else [sys.executable, "-m", "bot", *args]


class Bot:
    """One `bloodpatch-bot …` child: its stderr collected line by line, its port read from the log."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command(*args), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stderr, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
        stream.close()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def wait_for_line(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := regex.search(line):
                    return match
            if self.process.poll() is not None and not any(r.is_alive() for r in self._readers):
                break
            await asyncio.sleep(0.02)
        raise AssertionError(f"no log line matching {pattern!r} (exit {self.process.poll()}); log:\n{self.log}")

    async def port(self) -> int:
        return int((await self.wait_for_line(_LISTENING.pattern)).group(2))

    async def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{await self.port()}{path}"

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Poll /readyz until 200; return its body."""
        base = await self.url()
        deadline = time.monotonic() + timeout
        async with ClientSession(timeout=ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, f"the bot exited ({self.process.returncode}):\n{self.log}"
                async with session.get(f"{base}/readyz") as resp:
                    if resp.status == 200:
                        return await resp.json()
                await asyncio.sleep(0.05)
        raise AssertionError(f"/readyz never said 200; log:\n{self.log}")

    async def finish(self, timeout: float = 30.0) -> int:
        """The exit status of a child that stops by itself."""
        code = await asyncio.to_thread(self.process.wait, timeout)
        for reader in self._readers:
            await asyncio.to_thread(reader.join, 5)
        return code

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return await self.finish()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[Any]:
    """Factory: `start_bot("run", "slack", env={...})` -> a running `Bot`; every child is killed at the end."""
    bots: list[Bot] = []

    def start(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Bot:
        own = {
            "BLOODPATCH_PID_FILE": str(tmp_path / f"bot{len(bots)}.pid"),
            "BLOODPATCH_DATA_DIR": str(tmp_path / "data"),  # the SQLite store, when DATABASE_URL is unset
        }
        bot = Bot(list(args), scrubbed_env(**{**own, **(env or {})}), cwd or tmp_path)
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        bot.kill()


def content_args() -> list[str]:
    return ["--content", str(RUN_CONTENT)]


# -- Discord, with a gateway ------------------------------------------------------------------


class GatewayDiscord(discord_harness.FakeDiscord):
    """The adapters' fake Discord REST API, plus the gateway a running client connects to."""

    def __init__(self, *, recommended_shards: int = 1) -> None:
        super().__init__()
        self.recommended_shards = recommended_shards
        self.identifies: list[dict[str, Any]] = []  # the `d` of every IDENTIFY, in order
        self._sockets: list[web.WebSocketResponse] = []
        self._sequence = itertools.count(2)

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await super().close()

    def _answer(self, r: Any) -> tuple[int, Any, dict[str, str]]:
        if r.method == "GET" and r.path == "/gateway/bot" and r.headers.get("Authorization") == f"Bot {self.token}":
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            body = {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit}
            return 200, body, {}
        return super()._answer(r)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame.get("op") == 1:  # heartbeat
                    await ws.send_str(json.dumps({"op": 11}))
                elif frame.get("op") == 2:  # identify
                    self.identifies.append(frame["d"])
                    await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": 1, "d": self._ready(frame["d"])}))
        finally:
            self._sockets.remove(ws)
        return ws

    def _ready(self, identify: dict[str, Any]) -> dict[str, Any]:
        ready = {
            "v": 10,
            "user": discord_harness.load_fixture("users_me.json"),
            "guilds": [],
            "session_id": f"runner-session-{len(self.identifies)}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": discord_harness.APP_ID, "flags": 0},
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        return ready

    async def push_interaction(self, payload: dict[str, Any]) -> None:
        """An INTERACTION_CREATE dispatch on every open gateway connection."""
        frame = json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": next(self._sequence), "d": payload})
        for ws in self._sockets:
            await ws.send_str(frame)


@pytest.fixture
async def gateway_discord() -> AsyncIterator[GatewayDiscord]:
    fake = GatewayDiscord()
    await fake.start()
    yield fake
    await fake.close()


def discord_env(fake: GatewayDiscord, **extra: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": discord_harness.GOOD_TOKEN,
        "DISCORD_API_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        **extra,
    }


def slack_env(fake: Any, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack_harness.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": slack_harness.SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        **extra,
    }


async def slash_answer(reply: Any, fake: Any, response: str) -> dict[str, Any]:
    """A slash command's answer: in the ack's body when the bot answered there, else its response_url post."""
    assert reply.status == 200, reply.text
    if reply.text.strip().startswith("{"):
        body = json.loads(reply.text)
        if body.get("blocks"):
            return body
    (call,) = await fake.wait_for(f"/response/{response}")
    return call.body
