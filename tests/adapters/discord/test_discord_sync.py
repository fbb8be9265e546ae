"""Command registration (`sync`) and the CLI runners, against the fake API on loopback."""

from __future__ import annotations

import re

import pytest

from bot import runner as service
from bot.adapters.discord import sync_commands, sync_tree
from bot.adapters.discord.cog import plan_topic_commands

pytestmark = pytest.mark.loopback

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
GUILD = 1100000000000000001
BAD_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.dGhpcy10b2tlbi13YXMtcmVzZXQtbG9uZy1hZ28"


@pytest.fixture(autouse=True)
def _own_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`run` opens the SQLite store; keep it out of the home directory."""
    monkeypatch.setenv("BLOODPATCH_DATA_DIR", str(tmp_path_factory.mktemp("data")))


def run_discord() -> int:
    """`bloodpatch-bot run discord` in this process (the only way to run the bot), on a free loopback port."""
    return service.run("discord", content_dir=None, socket=False, port="0", watch=False, host="127.0.0.1")


def walk(command: dict, path: str = ""):
    """Yield (where, payload) for a command and every option and choice below it."""
    where = f"{path}/{command['name']}"
    yield where, command
    for option in command.get("options", []):
        yield from walk(option, where)
    for choice in command.get("choices", []):
        yield f"{where}={choice['value']}", choice


def assert_valid_command(payload: dict) -> None:
    """Discord's rules for one application command, checked on the JSON we sent."""
    chars = 0
    for where, item in walk(payload):
        if "description" in item:  # commands and options
            assert NAME.fullmatch(item["name"]), where
            assert 1 <= len(item["description"]) <= 100, where
            chars += len(item["name"]) + len(item["description"])
        else:  # choices
            assert 1 <= len(item["name"]) <= 100, where
            chars += len(item["name"]) + len(str(item["value"]))
        assert len(item.get("options", [])) <= 25, where
        assert len(item.get("choices", [])) <= 25, where
    assert chars <= 4000  # our budget for Discord's combined size per command (bot/adapters/discord/size.py)


async def test_guild_sync_puts_valid_commands(loopback, discord_api, library):
    synced = await sync_tree(loopback.client, GUILD)

    (put,) = discord_api.calls("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
    assert discord_api.calls("PUT", r"/applications/\d+/commands") == []
    (group,) = put.json
    assert_valid_command(group)
    assert group["name"] == "bloodpatch"
    assert group["contexts"] == [0, 1]  # guilds and DMs with the bot
    assert group["integration_types"] == [0]  # guild install
    subcommands = {o["name"]: o for o in group["options"]}
    planned = {t.command for t in plan_topic_commands(library.topics)}
    training = {"quiz", "score", "leaderboard", "stats", "daily"}
    assert set(subcommands) == {"ask", "topic", "sources", "help"} | training | planned
    quiz = {o["name"]: o for o in subcommands["quiz"]["options"]}
    assert quiz["topic"]["autocomplete"] is True and not quiz["topic"]["required"]
    daily = {o["name"]: o for o in subcommands["daily"]["options"]}
    assert (daily["hour_utc"]["min_value"], daily["hour_utc"]["max_value"]) == (0, 23)
    assert {"risks", "recovery"} <= planned
    assert all(o["type"] == 1 for o in subcommands.values())
    assert next(o for o in subcommands["topic"]["options"] if o["name"] == "name")["autocomplete"] is True
    assert subcommands["risks"]["options"] == []  # audience and sharing are buttons on the answer
    audience = next(o for o in subcommands["ask"]["options"] if o["name"] == "audience")
    assert [c["value"] for c in audience["choices"]] == ["patient", "clinician"]
    assert [c.name for c in synced] == ["bloodpatch"]


async def test_global_sync_and_clear(loopback, discord_api):
    await sync_tree(loopback.client)
    await sync_tree(loopback.client, GUILD, clear=True)

    (global_put,) = discord_api.calls("PUT", r"/applications/\d+/commands")
    assert_valid_command(global_put.json[0])
    (cleared,) = discord_api.calls("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
    assert cleared.json == []


async def test_sync_retries_after_a_429(loopback, discord_api):
    discord_api.fail(
        "PUT",
        r"/applications/\d+/commands",
        429,
        body={"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
        headers={"Via": "1.1 google", "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0"},
    )

    await sync_tree(loopback.client)

    assert [c.status for c in discord_api.calls("PUT", r"/applications/\d+/commands")] == [429, 200]


def test_sync_command_cli_success(threaded_discord_api, capsys):
    status = sync_commands(GUILD, None)

    out = capsys.readouterr().out
    assert status == 0
    assert f"Synced /bloodpatch to guild {GUILD}" in out
    assert "scope=bot+applications.commands" in out
    assert "client_id=1000000000000000001" in out
    (put,) = threaded_discord_api.calls("PUT", rf"/applications/\d+/guilds/{GUILD}/commands")
    assert_valid_command(put.json[0])


def test_sync_command_cli_refused_guild(threaded_discord_api, capsys):
    threaded_discord_api.fail(
        "PUT", r"/applications/\d+/guilds/\d+/commands", 403, body={"message": "Missing Access", "code": 50001}
    )

    status = sync_commands(GUILD, None)

    err = capsys.readouterr().err
    assert status == 3  # ExitStatus.UNAVAILABLE: Discord refused
    assert "applications.commands" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("runner", [run_discord, lambda: sync_commands(None, None)], ids=["run", "sync"])
def test_rejected_token_exits_2_with_a_clear_message(threaded_discord_api, monkeypatch, capsys, runner):
    monkeypatch.setenv("DISCORD_TOKEN", BAD_TOKEN)

    status = runner()

    err = capsys.readouterr().err
    assert status == 2
    assert "Discord rejected DISCORD_TOKEN" in err
    assert "Traceback" not in err
    assert threaded_discord_api.calls("GET", "/users/@me")[0].status == 401


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (None, "DISCORD_TOKEN is not set"),
        ("", "DISCORD_TOKEN is not set"),
        ("hunter2", "does not look like a bot token"),
        ("Bot MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.bG9vcGJhY2stdGVzdC10b2tlbg", "without the 'Bot ' prefix"),
    ],
)
@pytest.mark.parametrize("runner", [run_discord, lambda: sync_commands(GUILD, None)], ids=["run", "sync"])
def test_missing_or_malformed_token_exits_2_without_network(
    threaded_discord_api, monkeypatch, capsys, runner, token, says
):
    if token is None:
        monkeypatch.delenv("DISCORD_TOKEN")
    else:
        monkeypatch.setenv("DISCORD_TOKEN", token)

    status = runner()

    err = capsys.readouterr().err
    assert status == 2
    assert says in err
    assert "docs/discord.md" in err
    assert threaded_discord_api.requests == []


def test_token_from_dotenv_file(threaded_discord_api, monkeypatch, tmp_path, capsys):
    token = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.bG9vcGJhY2stdGVzdC10b2tlbi1ub3QtcmVhbA"  # what the fake accepts
    monkeypatch.delenv("DISCORD_TOKEN")
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={token}\n", encoding="utf-8")

    assert sync_commands(GUILD, None) == 0
    assert threaded_discord_api.calls("GET", "/users/@me")[0].status == 200
