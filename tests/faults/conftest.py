"""Network faults the adapters' own harnesses cannot script: a stand-in that never answers, or hangs up.

The loopback harnesses of tests/adapters/{discord,slack}/conftest.py are reused, not copied:
those files are loaded here by path (their directories are deliberately not packages, so a
`discord`/`slack` package cannot shadow the libraries), and their fixtures are re-exported.
Two fixtures are replaced by subclasses that add two faults on top of the status-code ones:

- `stall`: read the request, then send nothing until the client gives up (a timeout);
- `drop`: read the request, then close the connection without a response.

A request that met one of them is recorded with the status STALLED or DROPPED (markers,
never sent on the wire), so it counts as an attempt but never as a delivery.

Client timeouts are shrunk so a timeout costs a fraction of a second:

- Slack: `SLACK_HTTP_TIMEOUT` (default 10 s), the timeout of both the Web API client and the
  response_url posts, is set in the environment before the app is built.
- Discord: the bot's own `DiscordSettings.http_timeout` (DISCORD_HTTP_TIMEOUT) is set short;
  `discord_timeout()` re-applies it with another value on a logged-in client.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.harness import load_conftest

ADAPTER_TESTS = Path(__file__).resolve().parents[1] / "adapters"

STALLED = 598  # marker: the stand-in held the request and never answered
DROPPED = 597  # marker: the stand-in closed the connection without answering
NO_ANSWER = (STALLED, DROPPED)
STALL_MAX_SECONDS = 10.0  # a stall ends when the client hangs up, or after this
SLACK_TIMEOUT = 0.5
DISCORD_TIMEOUT = 0.5


discord_harness = load_conftest("_bloodpatch_faults_discord_harness", ADAPTER_TESTS / "discord" / "conftest.py")
slack_harness = load_conftest("_bloodpatch_faults_slack_harness", ADAPTER_TESTS / "slack" / "conftest.py")

# Re-exported fixtures (pytest finds fixtures by name in this module).
discord_settings = discord_harness.discord_settings
make_loopback = discord_harness.make_loopback
loopback = discord_harness.loopback
slack_env = slack_harness.slack_env
slack_data_dir = slack_harness.slack_data_dir
bolt_factory = slack_harness.bolt_factory
bolt = slack_harness.bolt
kit = slack_harness.kit


@pytest.fixture
def ack_budget() -> float:
    """0: commands are answered at the response_url (a slow answer's path), so its faults meet commands."""
    return 0.0


@dataclass
class NetFault:
    kind: str  # "stall" or "drop"
    method: str | None = None

    @property
    def marker(self) -> int:
        return STALLED if self.kind == "stall" else DROPPED


async def _misbehave(request: web.Request, fault: NetFault, released: asyncio.Event) -> web.Response | None:
    """Never answer: hang up at once (drop), or hold the request until the client hangs up (stall).

    Returns None when the test released the stand-in while a stall was still held: the
    caller then answers the request normally, late.
    """
    if fault.kind == "stall":
        deadline = time.monotonic() + STALL_MAX_SECONDS
        while request.transport is not None and not request.transport.is_closing() and time.monotonic() < deadline:
            if released.is_set():
                return None
            await asyncio.sleep(0.01)
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)  # goes nowhere: the connection is closed


class _NetFaults:
    """Per-path queues of stall/drop faults (a path is a regex for Discord, a literal for Slack)."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[NetFault]] = defaultdict(deque)
        self.released = asyncio.Event()  # set: held requests are answered (late) and no more are held

    def add(self, key: str, kind: str, times: int, method: str | None = None) -> None:
        for _ in range(times):
            self.queues[key].append(NetFault(kind, method))


# -- Slack -------------------------------------------------------------------------------------


class FaultySlack(slack_harness.SlackStandIn):
    """The Slack stand-in, plus `stall(path)` and `drop(path)`."""

    def __init__(self) -> None:
        super().__init__()
        self._net = _NetFaults()

    def stall(self, path: str, *, times: int = 1) -> None:
        """Hold the next `times` requests to `path` without answering."""
        self._net.add(path, "stall", times)

    def drop(self, path: str, *, times: int = 1) -> None:
        """Close the connection of the next `times` requests to `path` without answering."""
        self._net.add(path, "drop", times)

    def release(self) -> None:
        """Answer every held request now (late; each is recorded again with the status it got)."""
        self._net.released.set()

    def application(self) -> web.Application:
        app = super().application()

        @web.middleware
        async def network_faults(request: web.Request, handler: Any) -> web.StreamResponse:
            queue = self._net.queues.get(request.path)
            if not queue:
                return await handler(request)
            fault = queue.popleft()
            raw = await request.text()
            body = json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
            self.calls.append(slack_harness.Call(request.path, body, dict(request.headers), fault.marker))
            response = await _misbehave(request, fault, self._net.released)
            return response if response is not None else await handler(request)

        app.middlewares.append(network_faults)
        return app


@pytest.fixture
def slack_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """Shrink the Slack clients' timeout with the app's own setting, before `bolt` builds the app."""
    monkeypatch.setenv("SLACK_HTTP_TIMEOUT", str(SLACK_TIMEOUT))
    return SLACK_TIMEOUT


@pytest.fixture
async def standin(slack_timeout: float) -> AsyncIterator[FaultySlack]:
    """Replaces the harness's `standin` (so `slack_env` and `bolt` use this one)."""
    from bot.adapters.slack import transport

    fake = FaultySlack()
    fake.server = TestServer(fake.application(), host="127.0.0.1", port=0)
    await fake.server.start_server()
    try:
        yield fake
    finally:
        fake.release()
        await asyncio.sleep(0.05)  # let released requests finish
        await transport.close_sessions()  # the pooled response_url session of this test's event loop
        await fake.server.close()


class _RecordingAsyncio:
    """The asyncio module as slack_sdk's retry handler sees it, except that `sleep` records and returns."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self.sleeps.append(delay)
        await asyncio.sleep(0)
        return result


@pytest.fixture
def slack_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off slack_sdk's retry handlers asked for, in seconds, without waiting for it.

    Patches the library (slack_sdk.http_retry.async_handler's `asyncio.sleep`), not our code:
    the retry decisions and the computed intervals are slack_sdk's own and stay real.
    """
    from slack_sdk.http_retry import async_handler

    recorder = _RecordingAsyncio()
    monkeypatch.setattr(async_handler, "asyncio", recorder)
    return recorder.sleeps


# -- Discord -----------------------------------------------------------------------------------


class FaultyDiscord(discord_harness.FakeDiscord):
    """The fake Discord API, plus `stall(method, path_regex)` and `drop(method, path_regex)`."""

    def __init__(self) -> None:
        super().__init__()
        self._net = _NetFaults()

    def stall(self, method: str, path_regex: str, *, times: int = 1) -> None:
        self._net.add(path_regex, "stall", times, method)

    def drop(self, method: str, path_regex: str, *, times: int = 1) -> None:
        self._net.add(path_regex, "drop", times, method)

    def release(self) -> None:
        self._net.released.set()

    def _take(self, method: str, path: str) -> NetFault | None:
        for regex, queue in self._net.queues.items():
            if queue and queue[0].method == method and re.fullmatch(regex, path):
                return queue.popleft()
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix(discord_harness.API_PREFIX)
        fault = self._take(request.method, path)
        if fault is None:
            return await super()._handle(request)
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        self.requests.append(
            discord_harness.Recorded(
                method=request.method,
                path=path,
                query=dict(request.query),
                json=body,
                headers=dict(request.headers),
                status=fault.marker,
            )
        )
        response = await _misbehave(request, fault, self._net.released)
        return response if response is not None else await super()._handle(request)


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FaultyDiscord]:
    """Replaces the harness's `discord_api` (so `make_loopback` uses this one)."""
    import discord

    fake = FaultyDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    yield fake
    fake.release()
    await fake.close()


def discord_timeout(client: Any, seconds: float = DISCORD_TIMEOUT) -> None:
    """Re-apply the bot's own REST timeout (set at login from DISCORD_HTTP_TIMEOUT) with another value."""
    from bot.adapters.discord.client import _bound_rest_calls

    _bound_rest_calls(client, seconds)


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Exceptions the event loop saw that nobody handled; the test fails if there are any."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    loop.set_exception_handler(previous)
    assert not seen, seen
