"""Discord adapter settings, read once from the environment (and an optional `.env` file).

Nothing here runs at import time: `DiscordSettings.from_env()` is called by
`create_client()` and the runners, so tests can build settings explicitly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

# Bot tokens are three dot-separated base64url parts (id.timestamp.hmac).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{10,}")

TOKEN_HELP = (
    "Copy the bot token from https://discord.com/developers/applications -> your application -> Bot -> "
    "Reset Token, and put it in the environment or a .env file as DISCORD_TOKEN=... (see docs/discord.md)."
)


DEFAULT_COOLDOWN_USES = 5
DEFAULT_COOLDOWN_SECONDS = 10.0
DEFAULT_HTTP_TIMEOUT = 15.0  # seconds a REST call may stall between reads (DISCORD_HTTP_TIMEOUT)


class SettingsError(ValueError):
    """A setting is missing or malformed; `str()` is the message for the operator."""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    """Everything the Discord adapter reads from its environment.

    Parameters
    ----------
    token:
        The bot token (`DISCORD_TOKEN`), or None when only building a client (tests, checks).
    cooldown_uses, cooldown_seconds:
        Per-user rate limit shared by all `/bloodpatch` commands and buttons
        (`DISCORD_COOLDOWN_USES`, `DISCORD_COOLDOWN_SECONDS`; default 5 uses per 10 s).
    http_timeout:
        Seconds a REST call to Discord may connect or stall between reads before it fails
        (`DISCORD_HTTP_TIMEOUT`, default 15); the gateway WebSocket is not affected.
    """

    token: str | None = None
    cooldown_uses: int = DEFAULT_COOLDOWN_USES
    cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS
    http_timeout: float = DEFAULT_HTTP_TIMEOUT

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv_path: Path | None = None,
        use_dotenv: bool = True,
    ) -> DiscordSettings:
        """Build settings from `environ` (default `os.environ`) over a `.env` file.

        Real environment variables win over the `.env` file, and the file never
        changes `os.environ`.  The file is `dotenv_path` or `./.env`.

        Raises
        ------
        SettingsError
            A cooldown value is not a positive number.
        """
        values: dict[str, str] = {}
        if use_dotenv:
            path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
            if path.is_file():
                values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        token = (values.get("DISCORD_TOKEN") or "").strip() or None
        uses = _positive(values, "DISCORD_COOLDOWN_USES", int, DEFAULT_COOLDOWN_USES)
        seconds = _positive(values, "DISCORD_COOLDOWN_SECONDS", float, DEFAULT_COOLDOWN_SECONDS)
        timeout = _positive(values, "DISCORD_HTTP_TIMEOUT", float, DEFAULT_HTTP_TIMEOUT)
        return cls(token=token, cooldown_uses=int(uses), cooldown_seconds=float(seconds), http_timeout=float(timeout))

    def require_token(self) -> str:
        """Return the token, or raise `SettingsError` saying how to fix it.

        Only the shape is checked here; Discord itself decides whether the token is valid.
        """
        if self.token is None:
            raise SettingsError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
        token = self.token
        if token.lower().startswith("bot "):
            raise SettingsError(f"DISCORD_TOKEN must be the bare token, without the 'Bot ' prefix. {TOKEN_HELP}")
        if not _TOKEN_SHAPE.fullmatch(token):
            raise SettingsError(
                "DISCORD_TOKEN does not look like a bot token (expected three dot-separated parts; "
                f"the client secret or public key will not work). {TOKEN_HELP}"
            )
        return token


def _positive(values: Mapping[str, str], key: str, convert: type[int] | type[float], default: float) -> float:
    raw = values.get(key)
    if raw is None or not raw.strip():
        return default
    try:
        number = convert(raw.strip())
    except ValueError:
        raise SettingsError(f"{key}={raw!r} is not a number.") from None
    if number <= 0:
        raise SettingsError(f"{key}={raw!r} must be greater than 0.")
    return number
