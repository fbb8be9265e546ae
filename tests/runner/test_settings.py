"""bot/settings.py: one reader of the environment and `.env`, one error type, one line per mistake.

`run` checks every setting before it imports a platform SDK, binds a port or loads content,
so these run `bloodpatch-bot run …` in this process (`bot.__main__.main`) and read stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.exit_status import ExitStatus
from bot.settings import (
    DiscordSettings,
    ServiceSettings,
    SettingsError,
    Sharding,
    read_env,
    service_settings,
    slack_settings,
)
from tests.runner.conftest import RUN_CONTENT, discord_harness, scrubbed_env


def one_error_line(log: str) -> str:
    assert "Traceback" not in log, log
    errors = [line for line in log.splitlines() if line.startswith("bloodpatch-bot: ")]
    assert len(errors) == 1, log
    return errors[0]


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["slack", "--port", "70000"], {}, "--port: must be between 0 and 65535, got 70000"),
        (["slack", "--port", "eighty"], {}, "--port: must be a port number"),
        (["slack"], {"PORT": "-1"}, "PORT: must be between 0 and 65535"),
        (["slack"], {"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN: not set"),
        (["slack"], {"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET: not set"),
        (["slack", "--socket"], {}, "SLACK_APP_TOKEN: not set"),
        (["slack"], {"SLACK_HTTP_TIMEOUT": "soon"}, "SLACK_HTTP_TIMEOUT: must be a number of seconds"),
        (["slack"], {"SLACK_ACK_BUDGET_SECONDS": "3"}, "SLACK_ACK_BUDGET_SECONDS: must be between 0"),
        (["slack"], {"BLOODPATCH_LOG_LEVEL": "chatty"}, "BLOODPATCH_LOG_LEVEL: must be one of"),
        (["slack"], {"DATABASE_URL": "mysql://db/bot"}, "DATABASE_URL: unsupported database 'mysql'"),
        (["slack", "--host", "no-such-host.invalid"], {}, "BLOODPATCH_HOST: cannot listen on 'no-such-host.invalid'"),
        (["discord"], {"DISCORD_TOKEN": ""}, "DISCORD_TOKEN is not set"),
        (["discord"], {"DISCORD_TOKEN": "Bot abc.def.ghi"}, "without the 'Bot ' prefix"),
        (["discord"], {"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS: needs DISCORD_SHARD_COUNT"),
        (["discord"], {"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "DISCORD_SHARD_IDS: shard ids run"),
        (["discord"], {"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT: must be a number or 'auto'"),
        (["discord"], {"DISCORD_COOLDOWN_USES": "0"}, "DISCORD_COOLDOWN_USES: '0' must be greater than 0"),
        (["all"], {"SLACK_BOT_TOKEN": "", "DISCORD_TOKEN": ""}, "no platform is configured"),
    ],
)
def test_bad_settings_are_one_line_and_exit_usage(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    says: str,
) -> None:
    """Checked before anything is imported, bound or loaded: the same path a container start takes."""
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)  # no .env
    good = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DISCORD_TOKEN": discord_harness.GOOD_TOKEN,
    }
    for name in set(os.environ) - set(scrubbed_env()):  # no platform or service settings from this shell
        monkeypatch.delenv(name)
    for name, value in {**good, **env}.items():
        monkeypatch.setenv(name, value)
    assert main(["run", *argv, "--content", str(RUN_CONTENT)]) == ExitStatus.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert says in one_error_line(captured.err) and captured.err.count("\n") == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"DISCORD_SHARD_COUNT": "auto"}, Sharding()),
        ({"DISCORD_SHARD_COUNT": " 3 "}, Sharding(3)),
        ({"DISCORD_SHARD_COUNT": "16", "DISCORD_SHARD_IDS": "0-3, 8"}, Sharding(16, (0, 1, 2, 3, 8))),
    ],
)
def test_sharding_from_settings(env: dict[str, str], expected: Sharding | None) -> None:
    sharding = DiscordSettings.from_env(env, use_dotenv=False).sharding
    assert sharding == expected
    if sharding is not None:
        options = sharding.client_options()
        assert options["shard_count"] == expected.count
        assert options.get("shard_ids") == (list(expected.ids) if expected.ids else None)


@pytest.mark.parametrize("ids", ["0,0", "1-x", "", "4"])
def test_bad_shard_ids(ids: str) -> None:
    env = {"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": ids}
    if not ids:
        assert DiscordSettings.from_env(env, use_dotenv=False).sharding == Sharding(4)
        return
    with pytest.raises(SettingsError) as caught:
        DiscordSettings.from_env(env, use_dotenv=False)
    assert caught.value.variable == "DISCORD_SHARD_IDS"


def test_one_dotenv_reader_for_the_service_and_both_platforms(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "PORT=4000\nBLOODPATCH_HOST=127.0.0.2\nDISCORD_TOKEN=from-file\nDISCORD_SHARD_COUNT=2\n"
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file-secret\nDATABASE_URL=postgresql://u:pw@db/bot\n",
        encoding="utf-8",
    )
    environ = {"PORT": "5000", "SLACK_SIGNING_SECRET": "env-secret"}  # the environment wins over the file
    assert read_env(environ, dotenv)["PORT"] == "5000"
    service = service_settings(environ, dotenv)
    assert (service.host, service.port, service.database_kind) == ("127.0.0.2", 5000, "postgresql")
    assert "pw" not in repr(service)  # DATABASE_URL's password stays out of logs
    assert service_settings(environ, dotenv, port="0", host="::1").port == 0  # the command line wins
    assert DiscordSettings.from_env(environ, dotenv_path=dotenv).sharding == Sharding(2)
    slack = slack_settings(environ, dotenv=dotenv)
    assert (slack.bot_token, slack.signing_secret) == ("xoxb-from-file", "env-secret")
    assert "from-file" not in repr(DiscordSettings.from_env(environ, dotenv_path=dotenv))


def test_service_defaults(tmp_path: Path) -> None:
    settings = service_settings({}, tmp_path / "none.env")
    assert settings.port == 3000 and settings.host == "0.0.0.0" and settings.database_url is None
    assert settings.reload_poll_seconds == ServiceSettings.__dataclass_fields__["reload_poll_seconds"].default


@pytest.mark.parametrize(
    ("database_url", "status", "says"),
    [
        ("postgresql://bot:pw@127.0.0.1:9/bloodpatch", ExitStatus.UNAVAILABLE, "cannot reach the database"),
        ("mysql://db/bot", ExitStatus.USAGE, "DATABASE_URL: unsupported database 'mysql'"),
    ],
)
def test_reload_through_a_database_that_cannot_be_used_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    status: ExitStatus,
    says: str,
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["reload"]) == status
    captured = capsys.readouterr()
    assert says in one_error_line(captured.err) and captured.err.count("\n") == 1
    assert "pw" not in captured.err
