"""Discord adapter: `/bloodpatch` slash commands rendered as sourced embeds (discord.py 2.7).

`create_client()` builds the bot (no token needed); `run_discord()` and
`sync_commands()` are what `bloodpatch-bot run discord` / `sync discord` call.
"""

from bot.adapters.discord.client import BloodpatchBot, create_client
from bot.adapters.discord.runner import run_discord, sync_commands, sync_tree
from bot.adapters.discord.settings import DiscordSettings, SettingsError

__all__ = [
    "BloodpatchBot",
    "DiscordSettings",
    "SettingsError",
    "create_client",
    "run_discord",
    "sync_commands",
    "sync_tree",
]
