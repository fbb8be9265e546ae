"""Build the discord.py client: a `commands.Bot` with the `/bloodpatch` group on its tree."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bot.adapters.discord.cog import BloodpatchCog, BloodpatchTree
from bot.adapters.discord.settings import DiscordSettings
from bot.core import Library, load_library

log = logging.getLogger(__name__)


class BloodpatchBot(commands.Bot):
    """The bot: one cog, no prefix commands, no privileged intents, mentions off by default.

    The `/bloodpatch` group is on `tree` as soon as the object exists (checks and
    `sync` need no login); `setup_hook` loads the cog that owns it, which also
    registers the persistent buttons.
    """

    def __init__(self, library: Library, settings: DiscordSettings) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # enough for slash commands in guilds and DMs; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=BloodpatchTree,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.library = library
        self.settings = settings
        self.bloodpatch_cog = BloodpatchCog(self, library, settings)
        self.tree.add_command(self.bloodpatch_cog.group)

    async def setup_hook(self) -> None:
        _bound_rest_calls(self, self.settings.http_timeout)
        # override=True: the group is already on the tree (added in __init__); the cog re-adds it as its own.
        await self.add_cog(self.bloodpatch_cog, override=True)
        log.info(
            "bloodpatch cog loaded: /%s with %d subcommands (register them with `bloodpatch-bot sync discord`)",
            self.bloodpatch_cog.group.name,
            len(self.bloodpatch_cog.group.commands),
        )


def _bound_rest_calls(client: discord.Client, seconds: float) -> None:
    """Give discord.py's HTTP session connect/read timeouts (it keeps aiohttp's 5-minute default).

    discord.py 2.7 has no option for this, so the session it created at login is adjusted.
    Only `sock_connect`/`sock_read` are set, never `total`: aiohttp lifts the read timeout
    for WebSocket connections, so the long-lived gateway connection is not cut off.
    """
    session = getattr(client.http, "_HTTPClient__session", None)
    if isinstance(session, aiohttp.ClientSession) and hasattr(session, "_timeout"):
        session._timeout = aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)
    else:  # a discord.py or aiohttp change: keep running, with their defaults
        log.warning("could not set Discord HTTP timeouts; using the library defaults")


def create_client(
    *,
    library: Library | None = None,
    settings: DiscordSettings | None = None,
    content_dir: Path | None = None,
) -> BloodpatchBot:
    """Build the bot; with no arguments, config comes from the environment (and `.env`).

    No token is needed to build it: the token is only used by `run_discord` /
    `sync_commands`.  Content comes from `library`, else `content_dir`, else the
    core's default (repo `content/` or `BLOODPATCH_CONTENT`).
    """
    if library is None:
        library = load_library(content_dir)
    if settings is None:
        settings = DiscordSettings.from_env()
    return BloodpatchBot(library, settings)
