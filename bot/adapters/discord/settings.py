"""Discord's settings, as the adapter imports them; they are defined in `bot/settings.py`.

One module reads the environment and `.env` for every platform and the service, so the
adapter re-exports its part instead of reading anything itself.
"""

from __future__ import annotations

from bot.settings import DEFAULT_COOLDOWN_SECONDS, DEFAULT_COOLDOWN_USES, DiscordSettings, SettingsError, Sharding
from bot.settings import DEFAULT_DISCORD_HTTP_TIMEOUT as DEFAULT_HTTP_TIMEOUT
from bot.settings import DISCORD_TOKEN_HELP as TOKEN_HELP

__all__ = [
    "DEFAULT_COOLDOWN_SECONDS",
    "DEFAULT_COOLDOWN_USES",
    "DEFAULT_HTTP_TIMEOUT",
    "TOKEN_HELP",
    "DiscordSettings",
    "SettingsError",
    "Sharding",
]
