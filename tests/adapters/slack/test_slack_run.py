"""`run_slack` for real: an HTTP server in a child process, and Socket Mode over a loopback WebSocket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import ClientError, ClientSession

from bot.adapters.slack import create_app, load_settings, serve
from bot.core import Library

pytestmark = pytest.mark.loopback

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_http_mode_serves_signed_requests_and_stops_cleanly_on_sigterm(
    standin: Any, kit: Any, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": kit.BOT_TOKEN,
        "SLACK_SIGNING_SECRET": kit.SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "PYTHONPATH": str(ROOT),
    }
    code = f"import sys; from bot.adapters.slack import run_slack; sys.exit(run_slack(None, False, {port}))"
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        async with ClientSession() as session:
            slack = kit.SlackClient(session, f"http://127.0.0.1:{port}/slack/events", standin)
            deadline = time.monotonic() + 30
            while True:
                try:
                    reply = await slack.event(kit.load_fixture("url_verification.json"))
                    break
                except ClientError:
                    assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
                    assert time.monotonic() < deadline, "the server did not come up"
                    await asyncio.sleep(0.1)
            assert reply.status == 200 and "challenge" in reply.text
            assert (await slack.command("recovery")).status == 200
            (call,) = await standin.wait_for("/response/cmd")
            kit.check_message(call.body)
        child.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(child.wait, 15) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


async def test_socket_mode_acks_the_envelope_and_answers(
    standin: Any, kit: Any, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        {"SLACK_BOT_TOKEN": kit.BOT_TOKEN, "SLACK_APP_TOKEN": kit.APP_TOKEN, "SLACK_API_URL": standin.api_url},
        socket=True,
    )
    app = create_app(settings=settings, library=library)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, settings, socket=True, stop=stop))
    try:
        (opened,) = await standin.wait_for("/api/apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {kit.APP_TOKEN}"
        command = dict(parse_qsl(kit.load_fixture("slash_command.urlencoded")))
        command.update(text="--clinician risks", response_url=standin.response_url("socket"))
        await standin.socket_outbox.put(
            {
                "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        (call,) = await standin.wait_for("/response/socket")
        kit.check_message(call.body)
        assert kit.header(call.body) == library.topic("risks").title
        assert any(b["text"]["text"] == "Patient view" for b in kit.buttons(call.body))
        deadline = time.monotonic() + 5
        while not standin.socket_acks and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert [a["envelope_id"] for a in standin.socket_acks] == ["57d6a792-4d35-4d0b-b6aa-3361493e1caf"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
