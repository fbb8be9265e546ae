"""The deployable service: health endpoints, hot reload (SIGHUP and --watch), clean shutdown.

The real Service runs the real Bolt app on 127.0.0.1; a small aiohttp server stands in
for Slack's Web API and the slash command's response_url.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import logging
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot.adapters.slack import SlackSettings
from bot.core import load_library
from bot.runner import Plan
from bot.service import Service
from tests.conftest import run_cli
from tests.waiting import wait_until

SECRET = "runner-test-signing-secret"
TRIGGERS = itertools.count(1)


class StandIn:
    """Slack's Web API and response_url on loopback, recording what the bot posts."""

    def __init__(self) -> None:
        self.responses: asyncio.Queue[dict] = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/api/{method}", self.api)
        app.router.add_post("/response/{name}", self.response)
        self.server = TestServer(app, host="127.0.0.1")

    async def api(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user_id": "UBOT", "team_id": "T1", "bot_id": "B1"})

    async def response(self, request: web.Request) -> web.Response:
        self.responses.put_nowait(await request.json())
        return web.json_response({"ok": True})


def signed(body: str, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }


@pytest.fixture
async def standin():
    stand_in = StandIn()
    await stand_in.server.start_server()
    yield stand_in
    await stand_in.server.close()


async def start_service(content: Path, standin: StandIn, *, watch: bool = False):
    settings = SlackSettings(
        bot_token="xoxb-1-2-runnertest", signing_secret=SECRET, api_url=str(standin.server.make_url("/api/"))
    )
    service = Service(load_library(content), Plan(slack=settings), host="127.0.0.1", port=0)
    task = asyncio.create_task(service.run(watch=watch))
    for _ in range(200):
        if service.bound_port:
            break
        await asyncio.sleep(0.02)
    assert service.bound_port, "service did not start"
    return service, task


async def ask(session: ClientSession, service: Service, standin: StandIn, text: str) -> str:
    body = urlencode(
        {
            "command": "/bloodpatch",
            "text": text,
            "team_id": "T1",
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": str(standin.server.make_url("/response/1")),
            "trigger_id": f"1.2.{next(TRIGGERS)}",  # a new command each time, not a retry of the last one
        }
    )
    url = f"http://127.0.0.1:{service.bound_port}/slack/events"
    async with session.post(url, data=body, headers=signed(body)) as resp:
        assert resp.status == 200
        text = await resp.text()
    if text.strip().startswith("{") and json.loads(text).get("blocks"):  # answered in the ack
        return json.dumps(json.loads(text))
    message = await asyncio.wait_for(standin.responses.get(), 10)  # else at the response_url
    return json.dumps(message)


def retitle(path: Path, title: str) -> str:
    original = path.read_text()
    lines = original.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[index] = f"title: {title}\n"
    path.write_text("".join(lines))
    return original


async def test_health_and_readiness(content_copy: Path, standin: StandIn) -> None:
    service, task = await start_service(content_copy, standin)
    async with ClientSession() as session:
        base = f"http://127.0.0.1:{service.bound_port}"
        async with session.get(f"{base}/healthz") as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "ok"
        async with session.get(f"{base}/readyz") as resp:
            body = await resp.json()
            assert resp.status == 200 and body["ready"] is True and body["platforms"] == {"slack": True}
    service.stop.set()
    assert await asyncio.wait_for(task, 15) == 0
    assert service.health.ready is False  # stopping


async def test_sighup_reload_keeps_last_good_content(
    content_copy: Path, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    topic_file = content_copy / "topics" / "recovery.yaml"
    service, task = await start_service(content_copy, standin)
    async with ClientSession() as session:
        before = await ask(session, service, standin, "recovery")
        assert "aftercare" in before.lower() or "recovery" in before.lower()

        # A reviewer saves a broken file: the bot refuses it and keeps answering.
        retitle(topic_file, "[unclosed")
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: "reload refused" in caplog.text)
        assert f"{topic_file}:" in caplog.text  # file:line of the problem is logged
        during = await ask(session, service, standin, "recovery")
        assert during == before

        # The fix goes live without a restart.
        retitle(topic_file, "Recovery after the patch (reviewed edit)")
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: "content reloaded (SIGHUP)" in caplog.text)
        after = await ask(session, service, standin, "recovery")
        assert "Recovery after the patch (reviewed edit)" in after
    service.stop.set()
    assert await asyncio.wait_for(task, 15) == 0


async def test_watch_reloads_on_file_change(
    content_copy: Path, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    service, task = await start_service(content_copy, standin, watch=True)
    await asyncio.sleep(0.3)  # let the watcher start
    retitle(content_copy / "topics" / "risks.yaml", "Risks (edited while running)")
    await wait_until(lambda: "content reloaded (files changed)" in caplog.text, timeout=15)
    assert service.library.topic("risks").title == "Risks (edited while running)"
    service.stop.set()
    assert await asyncio.wait_for(task, 15) == 0


def test_run_all_without_settings_is_a_clear_error(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "", "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": ""}
    result = run_cli("run", "all", env=env)
    assert result.returncode == 2
    assert "no platform is configured" in result.stderr
    assert result.stderr.strip().count("\n") == 0  # one line, not a log of skipped platforms
    assert "Traceback" not in result.stderr


def test_run_slack_names_the_missing_variable() -> None:
    result = run_cli("run", "slack", env={"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""})
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_reload_without_a_running_bot(tmp_path: Path) -> None:
    result = run_cli("reload", "--pid-file", str(tmp_path / "none.pid"))
    assert result.returncode == 2
    assert "no running bot" in result.stderr


async def test_request_log_has_no_text_or_ids(
    content_copy: Path, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bloodpatch.requests")
    service, task = await start_service(content_copy, standin)
    secret_question = "my secret question: how long should I rest after the patch"
    async with ClientSession() as session:
        await ask(session, service, standin, secret_question)
    service.stop.set()
    await asyncio.wait_for(task, 15)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bloodpatch.requests"]
    assert lines, "no request log line"
    record = lines[-1]
    assert record["platform"] == "slack" and record["kind"] in {"search", "topic"} and record["topic"] == "recovery"
    assert record["latency_ms"] >= 0 and record["user"] and record["user"] != "U1"
    assert "secret" not in caplog.text and '"U1"' not in caplog.text
