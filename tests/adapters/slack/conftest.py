"""Loopback harness for the Slack adapter: the real Bolt app, a stand-in Slack, signed requests.

- `standin`: an aiohttp server on 127.0.0.1:0 playing Slack's Web API (`/api/<method>`),
  the `response_url` endpoints (`/response/<name>`) and the Socket Mode WebSocket.
  It records every call, and can be told to fail (429 with Retry-After, 500, ...).
- `bolt`: the app from `create_app()` (settings from env pointing at the stand-in),
  served by `create_web_app()` on 127.0.0.1:0, plus a client that signs requests the
  way Slack does (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`). `bolt_factory` builds one
  with other `create_app()` arguments; the `ack_budget` fixture sets the app's ack budget.
- `check_message` / `check_view`: Block Kit validity and limits, asserted on what was sent.

Everything is asserted on the JSON that crossed the loopback; nothing of ours is mocked.
Helpers live here (not in an importable module) so they work in any pytest import mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import ClientSession, WSMsgType, web
from aiohttp.test_utils import TestServer

from bot.adapters.slack import create_app, create_web_app
from bot.adapters.slack.listeners import ACK_BUDGET_SECONDS
from bot.adapters.slack.quiz_service import feature_of
from bot.core import Library

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
APP_TOKEN = "xapp-1-A0BLOODPATCH-1234567890-abcdef"
WAIT_SECONDS = 8.0


def load_fixture(name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


# -- the stand-in Slack --------------------------------------------------------------


@dataclass
class Call:
    """One request the bot made to the stand-in."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int  # what the stand-in answered


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class SlackStandIn:
    """Slack's side of the wire, on 127.0.0.1. Web API at `/api/`, response URLs at `/response/<name>`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._ts = 0
        self.server: TestServer | None = None
        # Socket Mode: envelopes to push to the bot and the acks it sends back.
        self.socket_outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.socket_acks: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def fail(self, path: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next `times` requests to `path` with `status` (then behave normally)."""
        body = json.dumps({"ok": False, "error": "ratelimited" if status == 429 else "internal_error"})
        for _ in range(times):
            self._faults[path].append(Fault(status, headers or {}, body))

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def delivered(self, path: str) -> list[Call]:
        """Calls to `path` that the stand-in accepted (status 200)."""
        return [c for c in self.calls_to(path) if c.status == 200]

    async def wait_for(self, path: str, count: int = 1, *, timeout: float = WAIT_SECONDS) -> list[Call]:
        """Poll until `count` accepted calls reached `path`; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered(path)
            if len(got) >= count:
                return got
            await asyncio.sleep(0.01)
        seen = sorted({c.path for c in self.calls})
        raise AssertionError(f"expected {count} call(s) to {path} within {timeout}s; saw paths {seen}")

    async def wait_for_attempts(self, path: str, count: int, *, timeout: float = WAIT_SECONDS) -> list[Call]:
        """Poll until `count` requests (accepted or not) reached `path`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.calls_to(path)
            if len(got) >= count:
                return got
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} attempt(s) at {path}, got {len(self.calls_to(path))}")

    # -- handlers --
    async def _record(self, request: web.Request) -> tuple[dict[str, Any], Fault | None]:
        raw = await request.text()
        if request.content_type == "application/json":
            body = json.loads(raw or "{}")
        else:
            body = dict(parse_qsl(raw))
            body.update(request.query)
        fault = self._faults[request.path].popleft() if self._faults[request.path] else None
        self.calls.append(Call(request.path, body, dict(request.headers), fault.status if fault else 200))
        return body, fault

    async def _api(self, request: web.Request) -> web.StreamResponse:
        body, fault = await self._record(request)
        if fault is not None:
            return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
        method = request.match_info["method"]
        if method == "auth.test":
            data = load_fixture("method_auth.test.json")
        elif method == "chat.postMessage":
            self._ts += 1
            data = {"ok": True, "channel": body.get("channel"), "ts": f"1700000500.{self._ts:06d}"}
        elif method == "views.publish":
            data = {"ok": True, "view": {"id": "V0HOME", **(body.get("view") or {})}}
        elif method == "apps.connections.open":
            data = {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        else:
            data = {"ok": True}
        return web.json_response(data)

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        _, fault = await self._record(request)
        if fault is not None:
            return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0BLOODPATCH"}}
        await ws.send_json(hello)

        async def push() -> None:
            while True:
                await ws.send_json(await self.socket_outbox.get())

        pusher = asyncio.create_task(push())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(msg.data))
        finally:
            pusher.cancel()
        return ws

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        return app


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    fake = SlackStandIn()
    fake.server = TestServer(fake.application(), host="127.0.0.1", port=0)
    await fake.server.start_server()
    try:
        yield fake
    finally:
        await fake.server.close()


# -- signed requests to the bot -----------------------------------------------------------


def sign(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's request signature, computed here independently of slack_sdk."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    text: str
    elapsed: float


class SlackClient:
    """Sends what Slack sends: form-encoded commands and actions, JSON events, all signed.

    Like Slack, it gives each command and click its own trigger_id and each event its own
    event_id; a retry (`fresh=False`, plus `X-Slack-Retry-Num`) resends them unchanged.
    """

    _ids = itertools.count(1)

    def __init__(self, session: ClientSession, url: str, standin: SlackStandIn) -> None:
        self.session = session
        self.url = url
        self.standin = standin

    @classmethod
    def fresh_id(cls, prefix: str) -> str:
        return f"{prefix}{next(cls._ids):010d}"

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        omit: tuple[str, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else sign(body, ts),
            **(headers or {}),
        }
        for name in omit:
            sent.pop(name)
        started = time.perf_counter()
        async with self.session.post(self.url, data=body.encode(), headers=sent) as resp:
            return Reply(resp.status, await resp.text(), time.perf_counter() - started)

    def command_body(self, text: str, *, response: str = "cmd", **fields: str) -> str:
        form = dict(parse_qsl(load_fixture("slash_command.urlencoded")))
        form.update(text=text, response_url=self.standin.response_url(response), trigger_id=self.fresh_id("13345."))
        form.update(fields)
        return urlencode(form)

    async def command(self, text: str, *, response: str = "cmd", **kwargs: Any) -> Reply:
        body = self.command_body(text, response=response)
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def answer(self, text: str, *, response: str = "cmd") -> dict[str, Any]:
        """Send `/bloodpatch text` and return the answer carried by the ack (asserting it is there)."""
        reply = await self.command(text, response=response)
        assert reply.status == 200, reply
        assert reply.text.startswith("{"), f"expected the answer in the ack body, got {reply.text[:80]!r}"
        body: dict[str, Any] = json.loads(reply.text)
        return body

    async def action(self, payload: dict[str, Any], *, fresh: bool = True, **kwargs: Any) -> Reply:
        if fresh:
            payload = {**payload, "trigger_id": self.fresh_id("9876.")}
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def event(self, envelope: dict[str, Any], *, fresh: bool = True, **kwargs: Any) -> Reply:
        if fresh and "event_id" in envelope:
            envelope = {**envelope, "event_id": self.fresh_id("Ev")}
        return await self.post(json.dumps(envelope), "application/json", **kwargs)


@dataclass
class Bolt:
    """The running bot, its stand-in Slack and a signing client."""

    app: Any
    standin: SlackStandIn
    slack: SlackClient


@pytest.fixture(scope="session")
def slack_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where apps built without `store=` keep the quiz's SQLite file: one per session, never ~/.local."""
    return tmp_path_factory.mktemp("slack-data")


@pytest.fixture
def slack_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, standin: SlackStandIn, slack_data_dir: Path
) -> dict[str, str]:
    """Settings as a deployment would give them, pointing at the stand-in; no stray .env."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    for name in ("SLACK_APP_TOKEN", "DATABASE_URL", "SLACK_ADMIN_USERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BLOODPATCH_DATA_DIR", str(slack_data_dir))
    monkeypatch.chdir(tmp_path)
    return env


@pytest.fixture
def ack_budget() -> float:
    """The app's ack budget (override to 0 to send every command's answer to the response_url)."""
    return ACK_BUDGET_SECONDS


BoltFactory = Callable[..., contextlib.AbstractAsyncContextManager[Bolt]]


@pytest.fixture
def bolt_factory(slack_env: dict[str, str], standin: SlackStandIn, library: Library, ack_budget: float) -> BoltFactory:
    """`async with bolt_factory(**create_app_kwargs) as bolt:` a bot built with other arguments."""

    @contextlib.asynccontextmanager
    async def serve(**kwargs: Any) -> AsyncIterator[Bolt]:
        kwargs = {"library": library, "ack_budget": ack_budget, **kwargs}
        app = create_app(**kwargs)
        server = TestServer(create_web_app(app), host="127.0.0.1", port=0)
        await server.start_server()
        try:
            async with ClientSession() as session:
                yield Bolt(app, standin, SlackClient(session, str(server.make_url("/slack/events")), standin))
        finally:
            await server.close()
            feature = feature_of(app)  # as the service does on shutdown: write queued counts, close the store
            if feature is not None:
                await feature.aclose()

    return serve


@pytest.fixture
async def bolt(bolt_factory: BoltFactory) -> AsyncIterator[Bolt]:
    async with bolt_factory() as running:
        yield running


# -- Block Kit checks -------------------------------------------------------------------------

BLOCK_TYPES = {"section", "header", "context", "actions", "divider"}


TEXT_KINDS = ("mrkdwn", "plain_text")


def _check_text(obj: Any, where: str, limit: int, *, kinds: tuple[str, ...] = TEXT_KINDS) -> None:
    assert isinstance(obj, dict) and obj.get("type") in kinds, f"{where}: bad text object {obj!r}"
    text = obj.get("text")
    assert isinstance(text, str) and 1 <= len(text) <= limit, f"{where}: length {len(text or '')} > {limit}"
    if obj["type"] == "mrkdwn":
        check_mrkdwn(text, where)


def check_mrkdwn(text: str, where: str = "text") -> None:
    """The only `<` we send opens a link; anything else (`<!channel>`, `<@U…>`) must be escaped."""
    for i, ch in enumerate(text):
        if ch == "<":
            snippet = text[i : i + 20]
            assert text.startswith(("<http://", "<https://"), i), f"{where}: unescaped '<' at {snippet!r}"
            end = text.find(">", i)
            assert end != -1 and "<" not in text[i + 1 : end], f"{where}: link not closed at {snippet!r}"
            assert "|" in text[i:end], f"{where}: link without a label at {snippet!r}"


def _check_button(el: dict[str, Any], where: str, action_ids: set[str]) -> None:
    assert el.get("type") == "button", f"{where}: only buttons are used, got {el.get('type')}"
    _check_text(el.get("text"), f"{where}.text", 75, kinds=("plain_text",))
    action_id = el.get("action_id", "")
    assert 1 <= len(action_id) <= 255, f"{where}: action_id length {len(action_id)}"
    assert action_id not in action_ids, f"{where}: duplicate action_id {action_id}"
    action_ids.add(action_id)
    assert len(el.get("value", "")) <= 2000, f"{where}: value too long"
    assert len(el.get("url", "")) <= 3000, f"{where}: url too long"
    assert el.get("style") in (None, "primary", "danger"), f"{where}: bad style"


def check_blocks(blocks: Any, *, max_blocks: int = 50) -> None:
    """Assert every Block Kit rule and limit we rely on."""
    assert isinstance(blocks, list) and 1 <= len(blocks) <= max_blocks, f"{len(blocks)} blocks > {max_blocks}"
    action_ids: set[str] = set()
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"blocks[{n}]({block.get('type')})"
        assert block.get("type") in BLOCK_TYPES, f"{where}: unexpected block type"
        if "block_id" in block:
            assert 1 <= len(block["block_id"]) <= 255 and block["block_id"] not in block_ids
            block_ids.add(block["block_id"])
        if block["type"] == "section":
            _check_text(block.get("text"), where, 3000)
            assert len(block.get("fields", [])) <= 10
            for f in block.get("fields", []):
                _check_text(f, where, 2000)
            if "accessory" in block:
                _check_button(block["accessory"], f"{where}.accessory", action_ids)
        elif block["type"] == "header":
            _check_text(block.get("text"), where, 150, kinds=("plain_text",))
        elif block["type"] == "context":
            elements = block.get("elements", [])
            assert 1 <= len(elements) <= 10, f"{where}: {len(elements)} elements"
            for i, el in enumerate(elements):
                _check_text(el, f"{where}.elements[{i}]", 3000)
        elif block["type"] == "actions":
            elements = block.get("elements", [])
            assert 1 <= len(elements) <= 25, f"{where}: {len(elements)} elements"
            for i, el in enumerate(elements):
                _check_button(el, f"{where}.elements[{i}]", action_ids)


def check_message_payload(payload: dict[str, Any]) -> None:
    """A message as posted to chat.postMessage or a response_url."""
    text = payload.get("text")
    assert isinstance(text, str) and 1 <= len(text) <= 40000, "a plain-text fallback is required"
    check_mrkdwn(text, "text")
    check_blocks(payload.get("blocks"))
    assert "link_names" not in payload and payload.get("parse") in (None, "none"), "mentions must stay off"


def check_view(view: dict[str, Any]) -> None:
    assert view.get("type") == "home"
    check_blocks(view.get("blocks"), max_blocks=100)


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button in a message or view, in order."""
    found = []
    for block in payload.get("blocks", []):
        if block["type"] == "actions":
            found.extend(block["elements"])
        elif "accessory" in block:
            found.append(block["accessory"])
    return found


def header(payload: dict[str, Any]) -> str | None:
    return next((b["text"]["text"] for b in payload.get("blocks", []) if b["type"] == "header"), None)


def all_text(payload: Any) -> str:
    """Every string in a payload, for "does X appear anywhere" checks."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict):
        return "\n".join(all_text(v) for v in payload.values())
    if isinstance(payload, list):
        return "\n".join(all_text(v) for v in payload)
    return ""


class Kit:
    """Checks and readers for sent payloads, handed to tests as the `kit` fixture."""

    check_message = staticmethod(check_message_payload)
    check_view = staticmethod(check_view)
    check_blocks = staticmethod(check_blocks)
    check_mrkdwn = staticmethod(check_mrkdwn)
    buttons = staticmethod(buttons)
    header = staticmethod(header)
    all_text = staticmethod(all_text)
    load_fixture = staticmethod(load_fixture)
    sign = staticmethod(sign)
    SlackClient = SlackClient
    BOT_TOKEN = BOT_TOKEN
    APP_TOKEN = APP_TOKEN
    SIGNING_SECRET = SIGNING_SECRET


@pytest.fixture
def kit() -> type[Kit]:
    return Kit


@pytest.fixture(autouse=True)
async def _close_pooled_sessions() -> AsyncIterator[None]:
    """The adapter pools one HTTP session per event loop; close it with the test's loop."""
    yield
    from bot.adapters.slack.transport import close_sessions

    await close_sessions()
