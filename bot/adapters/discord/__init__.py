"""Discord adapter: `/bloodpatch` slash commands rendered as sourced embeds (discord.py 2.7).

`create_client()` builds the bot (no token needed); `bloodpatch-bot run discord` (the Service in
bot/runner.py) runs it, and `sync_commands()` is what `bloodpatch-bot sync discord` calls.
"""

from bot.adapters.discord.client import BloodpatchBot, create_client
from bot.adapters.discord.runner import sync_commands, sync_tree
from bot.adapters.discord.settings import DiscordSettings, SettingsError

__all__ = [
    "BloodpatchBot",
    "DiscordSettings",
    "SettingsError",
    "create_client",
    "sync_commands",
    "sync_tree",
]
