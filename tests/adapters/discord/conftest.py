"""Loopback harness: the real discord.py client against a fake Discord REST API on 127.0.0.1.

This is the only place that touches discord.py internals, so a version bump
breaks one file:

* `discord.http.Route.BASE` (a class variable) is pointed at the fake; both the
  bot's HTTP client and the interaction webhooks build their URLs from it.
* `client.login()` runs first: it fetches `/users/@me` and `/oauth2/applications/@me`,
  creates the HTTP session interactions reuse, and runs `setup_hook` (the cog).
* Raw `INTERACTION_CREATE` payloads (fixtures in tests/fixtures/discord/) go
  through `client._connection.parse_interaction_create`, so the command tree
  and the view store dispatch them exactly as they would from the gateway.

Pitfalls of discord.py 2.7 handled here: responses are JSON only when
`Content-Type` is exactly `application/json` (so responses are built by hand,
not with `json_response`, which appends a charset); interaction callbacks are
posted with `?with_response=1` and expect an interaction-callback body whose
message id keys the view store; interaction payloads need `attachment_size_limit`;
a 429 is only retried when it carries a `Via` header and a JSON `retry_after`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web

from bot.adapters.discord import BloodpatchBot, DiscordSettings, create_client
from bot.core import Library

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
API_PREFIX = "/api/v10"
APP_ID = "1000000000000000001"
GOOD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.bG9vcGJhY2stdGVzdC10b2tlbi1ub3QtcmVhbA"
DEFAULT_USER = 1400000000000000001
GUILD_ID = 1100000000000000001
OPTION_TYPES = {str: 3, int: 4, bool: 5}


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _json_response(status: int, payload: Any = None, headers: dict[str, str] | None = None) -> web.Response:
    if payload is None and status == 204:
        return web.Response(status=204, headers=headers)
    body = json.dumps(payload).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": "application/json", **(headers or {})})


@dataclass
class Recorded:
    """One request the bot made, and what the fake answered."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    response: Any = None

    @property
    def data(self) -> dict[str, Any]:
        """The `data` of an interaction callback (or the body of a webhook call)."""
        if isinstance(self.json, dict) and "type" in self.json and "data" in self.json:
            return self.json["data"] or {}
        return self.json or {}

    @property
    def callback_type(self) -> int | None:
        return self.json.get("type") if isinstance(self.json, dict) else None

    @property
    def message(self) -> dict[str, Any]:
        """The message this request created or edited, as the fake stored it."""
        if isinstance(self.response, dict) and "resource" in self.response:
            return self.response["resource"]["message"]
        return self.response

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for row in self.data.get("components", []) for c in row["components"]]

    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.data.get("components", []) for c in row["components"]]


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int | None  # None: forever


@dataclass
class FakeDiscord:
    """An aiohttp server that answers like Discord's REST API and records every call."""

    token: str = GOOD_TOKEN
    requests: list[Recorded] = field(default_factory=list)
    base_url: str = ""
    _faults: list[Fault] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1500000000000000100))
    _messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # message id -> payload
    _interaction_message: dict[str, str] = field(default_factory=dict)  # interaction id -> message id
    _runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- scripting -----------------------------------------------------------------
    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer matching requests with `status` (the next `times` of them, or all when None)."""
        body = body if body is not None else {"message": f"{status}: fake failure", "code": 0}
        self._faults.append(Fault(method, re.compile(path_regex), status, body, headers or {}, times))

    def remember_message(self, interaction_id: str, message: dict[str, Any]) -> None:
        """A component interaction is about this message (so an update edits it)."""
        self._messages[message["id"]] = message
        self._interaction_message[interaction_id] = message["id"]

    def calls(self, method: str, path_regex: str) -> list[Recorded]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], *, timeout: float = 5.0, count: int = 1
    ) -> Recorded:
        """Poll until `count` recorded requests match; return the last of them."""
        deadline = time.monotonic() + timeout
        while True:
            hits = [r for r in self.requests if r.status and predicate(r)]
            if len(hits) >= count:
                return hits[count - 1]
            if time.monotonic() > deadline:
                seen = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in self.requests)
                raise AssertionError(f"no matching request within {timeout}s; saw:\n{seen}")
            await asyncio.sleep(0.005)

    # -- serving -------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body: Any = None
        if raw:
            body = json.loads(raw) if request.content_type == "application/json" else raw.decode("utf-8", "replace")
        record = Recorded(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            query=dict(request.query),
            json=body,
            headers=dict(request.headers),
        )
        status, payload, headers = self._answer(record)
        record.response = payload
        record.status = status
        self.requests.append(record)
        return _json_response(status, payload, headers)

    def _answer(self, r: Recorded) -> tuple[int, Any, dict[str, str]]:
        for fault in self._faults:
            if fault.method == r.method and fault.pattern.fullmatch(r.path) and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault.status, fault.body, fault.headers

        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", r.path):
            return 200, self._callback(m.group(1), r.json or {}), {}
        if r.method == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", r.path):  # follow-up message
            return 200, self._new_message(r.json or {}), {}
        if m := re.fullmatch(r"/webhooks/\d+/[^/]+/messages/([^/]+)", r.path):
            if r.method == "DELETE":
                return 204, None, {}
            old = self._messages.get(m.group(1))
            return 200, self._message(m.group(1), r.json or {}, old) if old else self._new_message(r.json or {}), {}

        if r.headers.get("Authorization") != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if r.method == "GET" and r.path == "/users/@me":
            return 200, load_fixture("users_me.json"), {}
        if r.method == "GET" and r.path == "/oauth2/applications/@me":
            return 200, load_fixture("application_me.json"), {}
        if r.method == "POST" and (m := re.fullmatch(r"/channels/(\d+)/messages", r.path)):  # the daily question
            message = self._new_message(r.json or {})
            message.update(channel_id=m.group(1), type=0, flags=0)
            message.pop("interaction_metadata", None)
            return 200, message, {}
        if m := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", r.path):
            if r.method == "PUT":
                return 200, [self._command(c, m.group(1), m.group(2)) for c in r.json or []], {}
            return 200, [], {}
        return 404, {"message": "404: Not Found", "code": 0}, {}

    def _command(self, payload: dict[str, Any], app_id: str, guild_id: str | None) -> dict[str, Any]:
        out = {**payload, "id": str(next(self._ids)), "application_id": app_id, "version": "1"}
        if guild_id:
            out["guild_id"] = guild_id
        return out

    def _message(self, message_id: str, data: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
        """Store a message created from `data`, or `base` edited by `data` (as Discord would)."""
        if base is None:
            message = load_fixture("interaction_component.json")["message"]
            message.update(id=message_id, content="", embeds=[], components=[], flags=0)
        else:
            message = copy.deepcopy(base)
            message["edited_timestamp"] = "2025-01-01T12:00:05.000000+00:00"
        for key in ("content", "embeds", "components", "flags"):
            if data.get(key) is not None:
                message[key] = data[key]
        self._messages[message_id] = message
        return message

    def _new_message(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._message(str(next(self._ids)), data)

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body.get("type")
        data = body.get("data") or {}
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            }
        }
        if kind == 4:
            message = self._new_message(data)
        elif kind == 7:
            old_id = self._interaction_message.get(interaction_id)
            old = self._messages.get(old_id) if old_id else None
            message = self._message(old_id, data, old) if old_id else self._new_message(data)
        else:
            response["resource"] = {"type": kind}
            return response
        response["interaction"]["response_message_id"] = message["id"]
        response["resource"] = {"type": kind, "message": message}
        return response


def _options(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "type": OPTION_TYPES[type(v)], "value": v} for k, v in values.items()]


class Loopback:
    """Sends raw interactions into a logged-in client and returns what it sent back."""

    _ids = itertools.count(1310000000000000001)

    def __init__(self, client: BloodpatchBot, fake: FakeDiscord, library: Library) -> None:
        self.client = client
        self.fake = fake
        self.library = library

    def _interaction(self, fixture: str, user_id: int | None) -> dict[str, Any]:
        payload = load_fixture(fixture)
        number = next(self._ids)
        payload["id"] = str(number)
        payload["token"] = f"interaction-token-{number}"
        if user_id is not None:
            holder = payload["member"]["user"] if "member" in payload else payload["user"]
            holder["id"] = str(user_id)
        return payload

    def command_payload(
        self, subcommand: str, *, user_id: int | None = None, dm: bool = False, **options: Any
    ) -> dict[str, Any]:
        payload = self._interaction("interaction_command_dm.json" if dm else "interaction_command_guild.json", user_id)
        payload["data"]["options"] = [{"name": subcommand, "type": 1, "options": _options(options)}]
        return payload

    def autocomplete_payload(self, value: str, *, user_id: int | None = None) -> dict[str, Any]:
        payload = self._interaction("interaction_autocomplete.json", user_id)
        payload["data"]["options"][0]["options"][0]["value"] = value
        return payload

    def component_payload(
        self, message: dict[str, Any], custom_id: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        payload = self._interaction("interaction_component.json", user_id)
        payload["message"] = copy.deepcopy(message)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return payload

    def inject(self, payload: dict[str, Any]) -> None:
        """Feed a raw INTERACTION_CREATE payload through discord.py's parser, as the gateway would."""
        if payload["type"] == 3:
            self.fake.remember_message(payload["id"], payload["message"])
        self.client._connection.parse_interaction_create(payload)

    def calls_for(self, payload: dict[str, Any]) -> Callable[[Recorded], bool]:
        """Predicate: a callback for this interaction (any status)."""
        prefix = f"/interactions/{payload['id']}/"
        return lambda r: r.path.startswith(prefix)

    async def dispatch(self, payload: dict[str, Any], *, timeout: float = 5.0) -> Recorded:
        """Inject the payload and return the successful interaction callback the bot posted."""
        self.inject(payload)
        path = re.compile(rf"/interactions/{payload['id']}/[^/]+/callback")
        return await self.fake.wait_for(lambda r: r.status < 300 and bool(path.fullmatch(r.path)), timeout=timeout)

    async def command(
        self, subcommand: str, *, user_id: int | None = None, dm: bool = False, **options: Any
    ) -> Recorded:
        return await self.dispatch(self.command_payload(subcommand, user_id=user_id, dm=dm, **options))

    async def autocomplete(self, value: str, *, user_id: int | None = None) -> Recorded:
        return await self.dispatch(self.autocomplete_payload(value, user_id=user_id))

    async def click(self, message: dict[str, Any], custom_id: str, *, user_id: int | None = None) -> Recorded:
        """Press a button on a message the bot sent (`Recorded.message`)."""
        ids = [c.get("custom_id") for row in message.get("components", []) for c in row["components"]]
        assert custom_id in ids, f"{custom_id!r} is not on the message ({ids})"
        return await self.dispatch(self.component_payload(message, custom_id, user_id=user_id))

    async def followup(self, callback: Recorded, *, count: int = 1, timeout: float = 5.0) -> Recorded:
        """The `count`-th follow-up message posted with the same interaction token as `callback`."""
        token = callback.path.split("/")[3]
        return await self.fake.wait_for(
            lambda r: r.method == "POST" and r.path.startswith("/webhooks/") and r.path.endswith(f"/{token}"),
            count=count,
            timeout=timeout,
        )


@pytest.fixture
def discord_settings() -> DiscordSettings:
    """Generous cooldown so only the cooldown tests meet it.  (`library` comes from tests/conftest.py.)"""
    return DiscordSettings(token=None, cooldown_uses=1000, cooldown_seconds=1.0)


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    yield fake
    await fake.close()


@pytest.fixture
async def make_loopback(
    discord_api: FakeDiscord,
    library: Library,
    discord_settings: DiscordSettings,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Callable[..., Awaitable[Loopback]]]:
    """Factory: a logged-in client on the fake API (`store=` for the quiz).  Fails the test on any unhandled error."""
    caplog.set_level(logging.INFO)
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    clients: list[BloodpatchBot] = []

    async def make(settings: DiscordSettings | None = None, *, store: Any = None) -> Loopback:
        client = create_client(library=library, settings=settings or discord_settings, store=store)
        await client.login(GOOD_TOKEN)
        clients.append(client)
        return Loopback(client, discord_api, library)

    yield make
    await asyncio.sleep(0.05)  # let finished handlers log before looking
    for client in clients:
        await client.close()
    loop.set_exception_handler(None)
    library_errors = [
        r.getMessage() for r in caplog.records if r.name.startswith("discord") and r.levelno >= logging.ERROR
    ]
    assert not loop_errors, loop_errors
    assert not library_errors, library_errors


@pytest.fixture
async def loopback(make_loopback: Callable[..., Awaitable[Loopback]]) -> Loopback:
    return await make_loopback()


class _NoWaitAsyncio:
    """The asyncio module as discord.webhook.async_ sees it, except that `sleep` does not wait."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result: Any = None) -> Any:
        await asyncio.sleep(0)
        return result


@pytest.fixture
def no_webhook_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip discord.py's 1+3+5+7+9 s back-off between webhook retries; the retry logic still runs."""
    monkeypatch.setattr(discord.webhook.async_, "asyncio", _NoWaitAsyncio())


@pytest.fixture
def threaded_discord_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeDiscord]:
    """The fake API on its own thread, for the blocking CLI runners (they call `asyncio.run`).

    Also isolates the environment: a token in DISCORD_TOKEN and a cwd with no `.env`.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-discord", daemon=True)
    thread.start()
    fake = FakeDiscord()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(5)
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
