"""Slack adapter: a Bolt app that answers `/bloodpatch`, mentions, DMs and the App Home tab.

Contract: `create_app()` (no arguments, settings from the environment) returns a
`slack_bolt.async_app.AsyncApp`; `SLACK_API_URL` points its Web API client elsewhere.
"""

from bot.adapters.slack.app import EVENTS_PATH, create_app, create_web_app
from bot.adapters.slack.settings import SettingsError, SlackSettings, load_settings

__all__ = [
    "EVENTS_PATH",
    "SettingsError",
    "SlackSettings",
    "create_app",
    "create_web_app",
    "load_settings",
]
