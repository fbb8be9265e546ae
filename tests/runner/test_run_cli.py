"""`bloodpatch-bot run …` for real, as a child process: HTTP Slack, Socket Mode and Discord on loopback.

Each test starts the console script exactly as a deployment does (settings in the environment,
no `.env`), waits for `/readyz`, sends what the platform would send, and checks what came back
over the wire. The failures a deployment meets first (bad port, taken port, missing or rejected
token, broken content) are one line on stderr and the documented exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import ClientSession

from bot.exit_status import ExitStatus
from bot.settings import DiscordSettings
from tests.runner.conftest import (
    RUN_CONTENT,
    GatewayDiscord,
    content_args,
    discord_env,
    discord_harness,
    slack_env,
    slash_answer,
)

pytestmark = pytest.mark.loopback

LOOPBACK = ["--host", "127.0.0.1", "--port", "0"]


def one_error_line(log: str) -> str:
    """The single `bloodpatch-bot: …` line of a failed start (and no traceback)."""
    assert "Traceback" not in log, log
    errors = [line for line in log.splitlines() if line.startswith("bloodpatch-bot: ")]
    assert len(errors) == 1, log
    return errors[0]


# -- Slack over HTTP ----------------------------------------------------------------------------


async def test_http_slack_answers_a_signed_command_and_stops_on_sigterm(start_bot: Any, standin: Any, kit: Any):
    bot = start_bot("run", "slack", *content_args(), *LOOPBACK, env=slack_env(standin))
    ready = await bot.wait_ready()
    assert ready == {"ready": True, "content": True, "platforms": {"slack": True}, "store": True}  # SQLite here
    async with ClientSession() as session:
        async with session.get(await bot.url("/healthz")) as resp:
            assert resp.status == 200 and (await resp.json()) == {"status": "ok"}
        slack = kit.SlackClient(session, await bot.url("/slack/events"), standin)
        answer = await slash_answer(await slack.command("recovery", response="http"), standin, "http")
        kit.check_message(answer)
        assert "recovery" in kit.all_text(answer).lower()
        forged = await slack.command("recovery", signature="v0=" + "0" * 64)
        assert forged.status == 401  # the signing secret is really checked
    assert await bot.stop() == ExitStatus.OK
    assert "stopped" in bot.log


async def test_a_database_that_is_down_does_not_stop_answers(start_bot: Any, standin: Any, kit: Any):
    """DATABASE_URL names a PostgreSQL nobody listens on: the worker starts, says so, and answers."""
    env = slack_env(standin, DATABASE_URL="postgresql://bot:pw@127.0.0.1:9/bloodpatch")
    bot = start_bot("run", "slack", *content_args(), *LOOPBACK, env=env)
    ready = await bot.wait_ready()
    assert ready["ready"] is True and ready["store"] is False
    assert "store: shared postgresql database unavailable" in bot.log and "pw" not in bot.log
    async with ClientSession() as session:
        slack = kit.SlackClient(session, await bot.url("/slack/events"), standin)
        answer = await slash_answer(await slack.command("risks", response="nodb"), standin, "nodb")
        assert "risk" in kit.all_text(answer).lower()
    assert await bot.stop() == ExitStatus.OK
    assert "Traceback" not in bot.log


# -- Slack Socket Mode --------------------------------------------------------------------------


async def test_socket_mode_connects_answers_and_is_ready(start_bot: Any, standin: Any, kit: Any):
    env = slack_env(standin, SLACK_APP_TOKEN=kit.APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]  # not needed in Socket Mode
    bot = start_bot("run", "slack", "--socket", *content_args(), *LOOPBACK, env=env)
    assert (await bot.wait_ready())["platforms"] == {"slack": True}
    (opened, *_) = await standin.wait_for("/api/apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {kit.APP_TOKEN}"
    command = dict(parse_qsl(kit.load_fixture("slash_command.urlencoded")))
    command.update(text="risks", response_url=standin.response_url("socket"))
    envelope_id = "3f1e-runner-socket"
    await standin.socket_outbox.put(
        {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True, "payload": command}
    )
    answer = await _socket_answer(standin, envelope_id)
    kit.check_message(answer)
    assert "risk" in kit.all_text(answer).lower()
    url = await bot.url("/slack/events")
    async with ClientSession() as session, session.post(url, data=b"{}") as resp:
        assert resp.status in (404, 405)  # Socket Mode serves no /slack/events
    assert await bot.stop() == ExitStatus.OK


async def _socket_answer(standin: Any, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """The answer in the envelope's ack payload, or posted to the response_url."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for ack in standin.socket_acks:
            if ack.get("envelope_id") == envelope_id and (ack.get("payload") or {}).get("blocks"):
                return ack["payload"]
        if delivered := standin.delivered("/response/socket"):
            return delivered[0].body
        await asyncio.sleep(0.02)
    raise AssertionError(f"no answer; acks {standin.socket_acks}")


async def test_socket_mode_with_slack_refusing_is_one_line(start_bot: Any, standin: Any, kit: Any):
    standin.fail("/api/apps.connections.open", 403)
    env = slack_env(standin, SLACK_APP_TOKEN=kit.APP_TOKEN)
    bot = start_bot("run", "slack", "--socket", *content_args(), *LOOPBACK, env=env)
    assert await bot.finish() == ExitStatus.UNAVAILABLE
    assert "Slack refused to open Socket Mode (HTTP 403)" in one_error_line(bot.log)


# -- Discord --------------------------------------------------------------------------------------


def interaction(subcommand: str, number: int) -> dict[str, Any]:
    payload = discord_harness.load_fixture("interaction_command_guild.json")
    payload["id"] = str(1310000000000000100 + number)
    payload["token"] = f"runner-interaction-{number}"
    payload["data"]["options"] = [{"name": subcommand, "type": 1, "options": []}]
    return payload


async def test_discord_logs_in_connects_and_answers_an_interaction(
    gateway_discord: GatewayDiscord, monkeypatch: pytest.MonkeyPatch
):
    """The Service in this process (the CLI path is the two-process test below): one unsharded connection."""
    async with in_process_service(gateway_discord, monkeypatch) as service:
        assert service.health.platforms == {"discord": True}
        assert gateway_discord.calls("GET", "/users/@me")[0].status == 200  # logged in with the token
        (identify,) = gateway_discord.identifies
        assert identify["token"] == discord_harness.GOOD_TOKEN and "shard" not in identify
        assert type(service.discord_client).__name__ == "BloodpatchBot"
        payload = interaction("risks", 1)
        await gateway_discord.push_interaction(payload)
        callback = await gateway_discord.wait_for(lambda r: r.path.startswith(f"/interactions/{payload['id']}/"))
        assert callback.status == 200 and callback.callback_type == 4
        (embed, *_) = callback.data["embeds"]
        assert "risk" in embed["title"].lower()
        assert callback.data["allowed_mentions"]["parse"] == []  # nobody can be pinged by an answer


async def test_discord_shards_split_over_two_processes(start_bot: Any, gateway_discord: GatewayDiscord):
    """DISCORD_SHARD_COUNT=2 with DISCORD_SHARD_IDS=0 in one process and =1 in another: both connect, both answer."""
    bots = [
        start_bot(
            "run",
            "discord",
            *content_args(),
            *LOOPBACK,
            env=discord_env(gateway_discord, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS=str(shard)),
        )
        for shard in (0, 1)
    ]
    for bot in bots:
        await bot.wait_ready()
    assert sorted(i["shard"] for i in gateway_discord.identifies) == [[0, 2], [1, 2]]
    assert gateway_discord.calls("GET", "/gateway/bot") == []  # the count is ours, not Discord's recommendation
    for bot in bots:
        assert "discord: logged in as" in bot.log and "shards: " in bot.log
    payload = interaction("recovery", 2)
    await gateway_discord.push_interaction(payload)  # the stand-in sends it on both connections
    await gateway_discord.wait_for(lambda r: r.path.startswith(f"/interactions/{payload['id']}/"))
    for bot in bots:
        assert await bot.stop() == ExitStatus.OK


async def test_auto_sharding_asks_discord_how_many(gateway_discord: GatewayDiscord, monkeypatch: pytest.MonkeyPatch):
    """DISCORD_SHARD_COUNT=auto: discord.py's AutoShardedClient takes Discord's recommendation (/gateway/bot)."""
    async with in_process_service(gateway_discord, monkeypatch, DISCORD_SHARD_COUNT="auto") as service:
        assert type(service.discord_client).__name__ == "ShardedBloodpatchBot"
        assert len(gateway_discord.calls("GET", "/gateway/bot")) == 1
        assert [i["shard"] for i in gateway_discord.identifies] == [[0, 1]]


@contextlib.asynccontextmanager
async def in_process_service(fake: GatewayDiscord, monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    """The Service for Discord in this process, ready, stopped cleanly at the end."""
    import discord.gateway

    from bot.core import load_library
    from bot.runner import Plan
    from bot.service import Service

    # `point_at` sets discord.py's class-level URLs for this process; put them back afterwards.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    gateway = discord.gateway.DiscordWebSocket
    monkeypatch.setattr(gateway, "DEFAULT_GATEWAY", gateway.DEFAULT_GATEWAY)
    settings = DiscordSettings.from_env(discord_env(fake, **env), use_dotenv=False)
    service = Service(load_library(RUN_CONTENT), Plan(discord=settings), host="127.0.0.1", port=0)
    task = asyncio.create_task(service.run())
    try:
        for _ in range(400):
            if service.health.ready or task.done():
                break
            await asyncio.sleep(0.05)
        assert service.health.ready, service.problem
        yield service
    finally:
        service.stop.set()
        assert await asyncio.wait_for(task, 15) == ExitStatus.OK


# -- failures before anything starts ------------------------------------------------------------


def _taken_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def test_a_taken_port_is_one_line(start_bot: Any, standin: Any):
    with _taken_port() as taken:
        port = taken.getsockname()[1]
        bot = start_bot(
            "run", "slack", *content_args(), "--host", "127.0.0.1", "--port", str(port), env=slack_env(standin)
        )
        assert await bot.finish() == ExitStatus.USAGE
    assert f"--port: port {port} on 127.0.0.1 is already in use" in one_error_line(bot.log)


@pytest.mark.parametrize("argv", [["run", "slack"], ["sync", "discord"], ["ask", "does it hurt?"]])
def test_broken_content_exits_content_invalid_for_every_command(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    broken = tmp_path / "content"
    shutil.copytree(RUN_CONTENT, broken)
    topic = broken / "topics" / "recovery.yaml"
    topic.write_text(topic.read_text().replace("title:", "title: [unclosed\nx:", 1))
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DISCORD_TOKEN": discord_harness.GOOD_TOKEN,
        "BLOODPATCH_DATA_DIR": str(tmp_path / "data"),
    }.items():
        monkeypatch.setenv(name, value)
    extra = ["--host", "127.0.0.1", "--port", "0"] if argv[0] == "run" else []
    assert main([*argv, "--content", str(broken), *extra]) == ExitStatus.CONTENT_INVALID
    err = capsys.readouterr().err
    assert f"{topic}:" in err and "content is invalid" in err and "Traceback" not in err


def test_exit_statuses_are_one_enum() -> None:
    """Every command's statuses come from bot.exit_status (the old per-module constants are gone)."""
    import bot.adapters.discord.runner as discord_runner
    import bot.adapters.slack.runner as slack_runner
    import bot.runner as service

    for module in (service, discord_runner, slack_runner):
        assert not [name for name in vars(module) if name.startswith("EXIT_")], module.__name__
    assert json.loads(json.dumps({s.name: int(s) for s in ExitStatus})) == {
        "OK": 0,
        "CONTENT_INVALID": 1,
        "USAGE": 2,
        "UNAVAILABLE": 3,
        "CTRL_C": 130,
    }
