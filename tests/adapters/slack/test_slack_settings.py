"""Settings from env/.env, the `create_app` contract, and `run slack`'s exit on bad settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from bot import runner as service
from bot.adapters.slack import SettingsError, SlackSettings, create_app, load_settings
from bot.core import Library
from bot.exit_status import ExitStatus
from bot.settings import SettingsError as OneSettingsError


def run_slack(content_dir: Path | None = None, socket: bool = False, port: int | str | None = 3000) -> int:
    """`bloodpatch-bot run slack` in this process: the Service, the only way to run the bot."""
    return service.run("slack", content_dir=content_dir, socket=socket, port=port, watch=False)


GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
}


def test_create_app_takes_no_arguments_and_never_touches_the_network(slack_env: dict[str, str], standin: Any) -> None:
    app = create_app()
    assert isinstance(app, AsyncApp)
    assert app.client.base_url == slack_env["SLACK_API_URL"]
    assert app.client.token == slack_env["SLACK_BOT_TOKEN"]
    assert standin.calls == []  # no auth.test at start-up
    retry_kinds = {type(h).__name__ for h in app.client.retry_handlers}
    assert retry_kinds >= {
        "AsyncRateLimitErrorRetryHandler",
        "AsyncServerErrorRetryHandler",
        "AsyncConnectionErrorRetryHandler",
    }


def test_api_url_gets_its_trailing_slash(
    slack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    assert create_app(library=library).client.base_url == "http://127.0.0.1:9/api/"


def test_default_api_url_is_slacks(
    slack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    monkeypatch.delenv("SLACK_API_URL")
    assert create_app(library=library).client.base_url == "https://slack.com/api/"


@pytest.mark.parametrize(
    ("env", "variable", "hint"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN", "not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET", "not set"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxp-1-2"}, "SLACK_BOT_TOKEN", "user token"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xapp-1-2"}, "SLACK_BOT_TOKEN", "app-level token"),
        ({**GOOD, "SLACK_BOT_TOKEN": "hunter2"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxb-1 2"}, "SLACK_BOT_TOKEN", "whitespace"),
        ({**GOOD, "SLACK_API_URL": "slack.example"}, "SLACK_API_URL", "http(s) URL"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], variable: str, hint: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env, dotenv=Path("/nonexistent/.env"))
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable) and hint in str(caught.value)
    assert "hunter2" not in str(caught.value)  # secrets are never echoed


def test_socket_mode_needs_an_app_token_but_no_signing_secret() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1"}
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        load_settings(env, socket=True, dotenv=Path("/nonexistent/.env"))
    settings = load_settings({**env, "SLACK_APP_TOKEN": "xapp-1-A-2"}, socket=True, dotenv=Path("/nonexistent"))
    assert settings.app_token == "xapp-1-A-2" and settings.signing_secret == ""
    assert "xoxb" not in repr(settings) and "xapp" not in repr(settings)


def test_create_app_refuses_http_settings_without_a_signing_secret(library: Library) -> None:
    unsigned = SlackSettings(bot_token="xoxb-1", signing_secret="")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        create_app(settings=unsigned, library=library)


def test_dotenv_fills_in_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=from-file\n", encoding="utf-8")
    settings = load_settings({"SLACK_SIGNING_SECRET": "from-env"}, dotenv=dotenv)
    assert settings.bot_token == "xoxb-from-file"
    assert settings.signing_secret == "from-env"


def test_create_app_reads_dotenv_from_the_working_directory(
    slack_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, library: Library
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=from-dotenv\n", encoding="utf-8")
    assert isinstance(create_app(library=library), AsyncApp)


@pytest.mark.parametrize(
    ("env", "socket", "variable"),
    [
        ({}, False, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, False, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, True, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, True, "SLACK_APP_TOKEN"),
    ],
)
def test_run_slack_exits_2_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    socket: bool,
    variable: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run_slack(None, socket=socket, port=3000) == 2
    err = capsys.readouterr().err
    assert variable in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_run_slack_rejects_a_bad_port(slack_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_slack(None, socket=False, port=70000) == ExitStatus.USAGE
    err = capsys.readouterr().err
    assert err.strip() == "bloodpatch-bot: --port: must be between 0 and 65535, got 70000"


def test_one_settings_error_for_every_platform() -> None:
    """The adapters' SettingsError is bot/settings.py's: one type, one `.env` reader."""
    from bot.adapters.discord import SettingsError as DiscordSettingsError

    assert SettingsError is OneSettingsError is DiscordSettingsError


def test_any_token_is_accepted_against_a_stand_in_api() -> None:
    """Checks and tests point SLACK_API_URL at a local stand-in and may use simple fake tokens."""
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "test-token", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:1/api"},
        dotenv=Path("/nonexistent/.env"),
    )
    assert settings.bot_token == "test-token" and settings.api_url == "http://127.0.0.1:1/api/"
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        load_settings({"SLACK_BOT_TOKEN": "test-token", "SLACK_SIGNING_SECRET": "s"}, dotenv=Path("/nonexistent/.env"))


def test_http_timeout_is_a_setting() -> None:
    base = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "s"}
    assert load_settings(base, dotenv=Path("/nonexistent/.env")).http_timeout == 10.0
    assert load_settings({**base, "SLACK_HTTP_TIMEOUT": "2.5"}, dotenv=Path("/nonexistent/.env")).http_timeout == 2.5
    with pytest.raises(SettingsError, match="SLACK_HTTP_TIMEOUT"):
        load_settings({**base, "SLACK_HTTP_TIMEOUT": "soon"}, dotenv=Path("/nonexistent/.env"))
