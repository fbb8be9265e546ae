"""manifest.yml agrees with the code: the command, the events we handle, the scopes they need, one URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.adapters.slack.app import EVENTS_PATH
from bot.adapters.slack.listeners.commands import COMMAND

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.yml"


def load() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_slash_command_and_urls() -> None:
    manifest = load()
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert len(command["description"]) <= 100 and len(command["usage_hint"]) <= 100
    settings = manifest["settings"]
    urls = {command["url"], settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]}
    assert len(urls) == 1, "commands, events and interactivity share one endpoint"
    (url,) = urls
    assert urlsplit(url).scheme == "https" and urlsplit(url).path == EVENTS_PATH


def test_events_scopes_and_app_home() -> None:
    manifest = load()
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"commands", "chat:write", "app_mentions:read", "im:history"}
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert not home["messages_tab_read_only_enabled"]  # users can DM questions
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000
