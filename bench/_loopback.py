"""Shared pieces for the benchmarks: stand-ins for Slack and Discord on 127.0.0.1, and statistics.

A trimmed copy of what tests/adapters/{slack,discord}/conftest.py do (those files are pytest
fixtures and are not imported here):

- `SlackStandIn`: Slack's Web API (`/api/<method>`) and slash-command response URLs
  (`/response/<name>`), recording when each answer arrived and what it said.
- `FakeDiscord`: Discord's REST API (login, interaction callbacks, follow-ups) and, optionally,
  a gateway WebSocket (HELLO, heartbeat ACKs, READY, pushed INTERACTION_CREATE events).
  discord.py 2.7 quirks (see the Discord conftest): JSON only with `Content-Type` exactly
  `application/json`; callbacks are posted with `?with_response=1` and want an
  interaction-callback body; text frames on the gateway skip the zlib-stream decompressor.

Nothing here listens anywhere but 127.0.0.1, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import os
import platform
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
HOST = "127.0.0.1"

SIGNING_SECRET = "bench-signing-secret-0123456789ab"
SLACK_BOT_TOKEN = "xoxb-17653672481-19874698323-benchbenchbenchbench"
DISCORD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.bG9vcGJhY2stdGVzdC10b2tlbi1ub3QtcmVhbA"
DISCORD_API_PREFIX = "/api/v10"
# Stand-ins take bursts of new connections (one per answer for Slack's response_url); with
# aiohttp's default listen backlog (128) some SYNs get dropped and retried a second later.
BACKLOG = 4096


# -- statistics and processes -----------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """Linear-interpolated percentile (same definition as numpy's default)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def proc_status_kb(pid: int, key: str) -> int:
    """A `kB` figure from /proc/<pid>/status (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPU(s) {platform.machine()} {cpu}, Python {platform.python_version()}"


def read_line(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    """The first stdout line of `proc` starting with `prefix` (bounded wait)."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise RuntimeError(f"child did not print {prefix!r} within {timeout}s (exit code {proc.poll()})")


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0) -> int | None:
    """SIGTERM, wait, then SIGKILL if needed; returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode


async def wait_until(predicate: Any, timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
    return True


# -- Slack ------------------------------------------------------------------------------------


def sign(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 request signature (HMAC-SHA256 of `v0:{timestamp}:{body}`)."""
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


_SLASH_TEMPLATE = dict(parse_qsl((FIXTURES / "slack" / "slash_command.urlencoded").read_text().strip()))


def slash_command(text: str, response_url: str, *, user_id: str = "U2147483697") -> tuple[bytes, dict[str, str]]:
    """A signed `/bloodpatch <text>` request: (body, headers), exactly as Slack sends it."""
    form = {**_SLASH_TEMPLATE, "text": text, "response_url": response_url, "user_id": user_id}
    body = urlencode(form)
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(body, ts),
    }
    return body.encode(), headers


@dataclass
class Answer:
    at: float  # time.perf_counter() when the stand-in had read it
    body: dict[str, Any]


class SlackStandIn:
    """Slack's side of the wire: `/api/<method>` and `/response/<name>` on 127.0.0.1."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.response_delay = 0.0  # seconds before answering a response_url post (a slow Slack)
        self.api_calls: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0, backlog=BACKLOG)
        await site.start()
        self.url = f"http://{HOST}:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        await request.read()
        method = request.match_info["method"]
        self.api_calls[method] = self.api_calls.get(method, 0) + 1
        if method == "auth.test":
            data = json.loads((FIXTURES / "slack" / "method_auth.test.json").read_text())
        else:
            data = {"ok": True}
        return web.json_response(data)

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.answers.setdefault(request.match_info["name"], []).append(Answer(time.perf_counter(), body))
        if self.response_delay:
            await asyncio.sleep(self.response_delay)
        return web.Response(text="ok")


# -- Discord ----------------------------------------------------------------------------------


def discord_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "discord" / name).read_text(encoding="utf-8"))


def _discord_json(status: int, payload: Any) -> web.Response:
    if payload is None:
        return web.Response(status=204)
    # Exactly `application/json` (no charset): discord.py parses nothing else as JSON.
    return web.Response(status=status, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})


@dataclass
class Callback:
    at: float  # time.perf_counter() when the stand-in had read the callback
    body: dict[str, Any]


@dataclass
class FakeDiscord:
    """Discord's REST API (and optionally its gateway) on 127.0.0.1, recording interaction callbacks."""

    token: str = DISCORD_TOKEN
    callbacks: dict[str, Callback] = field(default_factory=dict)  # interaction id -> first callback
    waiters: dict[str, asyncio.Future[Callback]] = field(default_factory=dict)
    followups: int = 0
    unexpected: list[str] = field(default_factory=list)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1500000000000000100))
    _sequence: Any = field(default_factory=lambda: itertools.count(2))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        return self.base_url + DISCORD_API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", DISCORD_API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0, backlog=BACKLOG)
        await site.start()
        self.base_url = f"http://{HOST}:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, interaction_id: str) -> asyncio.Future[Callback]:
        """A future resolved with the first callback for this interaction."""
        future = asyncio.get_running_loop().create_future()
        if interaction_id in self.callbacks:
            future.set_result(self.callbacks[interaction_id])
        else:
            self.waiters[interaction_id] = future
        return future

    # -- REST --
    async def _rest(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        path = request.path.removeprefix(DISCORD_API_PREFIX)
        if m := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", path):
            callback = self.callbacks.setdefault(m.group(1), Callback(time.perf_counter(), body or {}))
            waiter = self.waiters.pop(m.group(1), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(callback)
            return _discord_json(200, self._callback(m.group(1), body or {}))
        if request.method == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", path):
            self.followups += 1
            return _discord_json(200, self._message(body or {}))
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return _discord_json(401, {"message": "401: Unauthorized", "code": 0})
        if path == "/users/@me":
            return _discord_json(200, discord_fixture("users_me.json"))
        if path == "/oauth2/applications/@me":
            return _discord_json(200, discord_fixture("application_me.json"))
        if path == "/gateway/bot":
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return _discord_json(200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
        self.unexpected.append(f"{request.method} {path}")
        return _discord_json(404, {"message": "404: Not Found", "code": 0})

    def _message(self, data: dict[str, Any]) -> dict[str, Any]:
        message = discord_fixture("interaction_component.json")["message"]
        message.update(id=str(next(self._ids)), content="", embeds=[], components=[], flags=0)
        for key in ("content", "embeds", "components", "flags"):
            if data.get(key) is not None:
                message[key] = data[key]
        return message

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type")
        data = body.get("data") or {}
        interaction = {
            "id": interaction_id,
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        if kind in (4, 7):
            message = self._message(data)
            interaction["response_message_id"] = message["id"]
            return {"interaction": interaction, "resource": {"type": kind, "message": message}}
        return {"interaction": interaction, "resource": {"type": kind}}

    # -- gateway --
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
                    await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": 1, "d": self._ready()}))
                    self.identified.set()
        finally:
            self._sockets.remove(ws)
        return ws

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": discord_fixture("users_me.json"),
            "guilds": [],
            "session_id": "bench-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": discord_fixture("application_me.json")["id"], "flags": 0},
        }

    async def push_interaction(self, payload: dict[str, Any]) -> None:
        """Send an INTERACTION_CREATE dispatch to the connected bot."""
        frame = json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": next(self._sequence), "d": payload})
        for ws in self._sockets:
            await ws.send_str(frame)


class Interactions:
    """Raw INTERACTION_CREATE payloads built from the test fixtures, each with a fresh id and user."""

    def __init__(self) -> None:
        self._ids = itertools.count(1310000000000000001)
        self._users = itertools.count(1400000000000001000)
        self._command = discord_fixture("interaction_command_guild.json")
        self._autocomplete = discord_fixture("interaction_autocomplete.json")

    def _fresh(self, template: dict[str, Any]) -> dict[str, Any]:
        payload = json.loads(json.dumps(template))
        number = next(self._ids)
        payload["id"] = str(number)
        payload["token"] = f"interaction-token-{number}"
        payload["member"]["user"]["id"] = str(next(self._users))
        return payload

    def command(self, subcommand: str, **options: Any) -> dict[str, Any]:
        payload = self._fresh(self._command)
        option_list = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
        payload["data"]["options"] = [{"name": subcommand, "type": 1, "options": option_list}]
        return payload

    def autocomplete(self, typed: str) -> dict[str, Any]:
        payload = self._fresh(self._autocomplete)
        payload["data"]["options"][0]["options"][0]["value"] = typed
        return payload
