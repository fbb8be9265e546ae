"""Slack settings from the environment (or a `.env` file in the working directory).

Every problem names the variable and says how to fix it; the CLI prints that
one line and exits with status 2 instead of a traceback. Secrets are never echoed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_HTTP_TIMEOUT = 10.0
MANIFEST_HINT = "see docs/slack.md"


class SettingsError(Exception):
    """A missing or invalid setting; `variable` names the environment variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str
    signing_secret: str  # empty only in Socket Mode, where Slack does not sign requests
    app_token: str | None = None
    api_url: str | None = None  # None: Slack's own API
    http_timeout: float = DEFAULT_HTTP_TIMEOUT  # seconds for each Web API / response_url request

    @property
    def base_url(self) -> str:
        return self.api_url or DEFAULT_API_URL

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"SlackSettings(api_url={self.api_url!r}, socket={self.app_token is not None})"


def read_env(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> dict[str, str]:
    """The process environment over `.env` (the real environment wins)."""
    path = dotenv if dotenv is not None else Path.cwd() / ".env"
    values: dict[str, str] = {}
    if path.is_file():
        values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


_TOKEN_KINDS = {
    "xoxb-": "a bot token (it belongs in SLACK_BOT_TOKEN)",
    "xapp-": "an app-level token (it belongs in SLACK_APP_TOKEN)",
    "xoxp-": "a user token (use the Bot User OAuth Token instead)",
    "xoxe": "a refresh/rotating token (turn token rotation off or use the bot token)",
}


def _token(env: Mapping[str, str], name: str, prefix: str, what: str, *, strict: bool = True) -> str:
    value = env.get(name, "").strip()
    if not value:
        problem = f"not set; put {what} ({prefix}…) in the environment or .env ({MANIFEST_HINT})"
        raise SettingsError(name, problem)
    if any(ch.isspace() for ch in value):
        raise SettingsError(name, "contains whitespace; paste the token again without spaces or line breaks")
    if strict and not value.startswith(prefix):
        got = next((hint for p, hint in _TOKEN_KINDS.items() if value.startswith(p)), "another kind of value")
        raise SettingsError(name, f"expected {what} starting with {prefix!r}, got {got}")
    return value


def load_settings(
    environ: Mapping[str, str] | None = None, *, socket: bool = False, dotenv: Path | None = None
) -> SlackSettings:
    """Build settings for HTTP mode (default) or Socket Mode; raise SettingsError on any problem.

    Variables: SLACK_BOT_TOKEN (xoxb-), SLACK_SIGNING_SECRET (HTTP mode),
    SLACK_APP_TOKEN (xapp-, Socket Mode), SLACK_API_URL (optional Web API base URL).
    """
    env = read_env(environ, dotenv)
    api_url = _api_url(env.get("SLACK_API_URL", "").strip())
    # Against a stand-in Web API (tests, local checks) any non-empty token will do;
    # against Slack itself, a token of the wrong kind is caught here with a clear message.
    strict = api_url is None
    bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-", "the Bot User OAuth Token", strict=strict)
    app_token = _token(env, "SLACK_APP_TOKEN", "xapp-", "an app-level token", strict=strict) if socket else None
    signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if not socket and not signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET",
            "not set; copy it from Basic Information > App Credentials (or run with --socket)",
        )
    if any(ch.isspace() for ch in signing_secret):
        raise SettingsError("SLACK_SIGNING_SECRET", "contains whitespace; paste it again")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url,
        http_timeout=_seconds(env, "SLACK_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 300:
        raise SettingsError(name, f"must be between 0 and 300 seconds, got {raw!r}")
    return value


def _api_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problem = f"must be an http(s) URL such as {DEFAULT_API_URL}, got {value!r}"
        raise SettingsError("SLACK_API_URL", problem)
    return value if value.endswith("/") else value + "/"
