"""Slack's settings, as the adapter imports them; they are defined in `bot/settings.py`.

One module reads the environment and `.env` for every platform and the service, so the
adapter re-exports its part instead of reading anything itself. `load_settings` keeps the
name the adapter and its tools call.
"""

from __future__ import annotations

from bot.settings import DEFAULT_SLACK_API_URL as DEFAULT_API_URL
from bot.settings import DEFAULT_SLACK_HTTP_TIMEOUT as DEFAULT_HTTP_TIMEOUT
from bot.settings import SettingsError, SlackSettings, read_env
from bot.settings import slack_settings as load_settings

__all__ = ["DEFAULT_API_URL", "DEFAULT_HTTP_TIMEOUT", "SettingsError", "SlackSettings", "load_settings", "read_env"]
