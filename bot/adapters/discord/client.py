"""Build the discord.py client: a `commands.Bot` with the `/bloodpatch` group on its tree.

The quiz, feedback, score, leaderboard, stats and daily question need a store
(`bot.store.Store`), passed in by whoever owns its life (the Service). Without one the bot
answers questions as before and those features reply "unavailable right now".
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bot.adapters.discord.cog import BloodpatchCog, BloodpatchTree
from bot.adapters.discord.quiz_cog import QuizCog
from bot.adapters.discord.settings import DiscordSettings
from bot.core import Library, load_library
from bot.engagement import Engagement
from bot.store import Store, StoreSettings

NO_STORE = "no database passed to the Discord client"

log = logging.getLogger(__name__)


class BloodpatchBot(commands.Bot):
    """The bot: two cogs, no prefix commands, no privileged intents, mentions off by default.

    The `/bloodpatch` group is on `tree` as soon as the object exists (checks and
    `sync` need no login); `setup_hook` loads the cog that owns it and the quiz cog,
    which register the persistent buttons. `store` is not closed here: its owner closes it.
    """

    def __init__(self, library: Library, settings: DiscordSettings, store: Store | None = None) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # enough for slash commands in guilds and DMs; nothing privileged
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=BloodpatchTree,
            allowed_mentions=discord.AllowedMentions.none(),
            **(settings.sharding.client_options() if settings.sharding else {}),  # only on ShardedBloodpatchBot
        )
        self.library = library
        self.settings = settings
        self.store = store
        self.engagement = Engagement(library, store if store is not None else _no_store())
        self.bloodpatch_cog = BloodpatchCog(self, library, settings)
        self.quiz_cog = QuizCog(self, self.engagement, self.bloodpatch_cog.cooldown)
        self.tree.add_command(self.bloodpatch_cog.group)

    async def setup_hook(self) -> None:
        _bound_rest_calls(self, self.settings.http_timeout)
        # override=True: the group is already on the tree (added in __init__); the cog re-adds it as its own.
        await self.add_cog(self.bloodpatch_cog, override=True)
        await self.add_cog(self.quiz_cog, override=True)
        if self.store is None:
            log.info("quiz, feedback, scores and the daily question are off: %s", NO_STORE)
        log.info(
            "bloodpatch cog loaded: /%s with %d subcommands (register them with `bloodpatch-bot sync discord`)",
            self.bloodpatch_cog.group.name,
            len(self.bloodpatch_cog.group.commands),
        )

    async def close(self) -> None:
        """Stop the daily loop and let asks being recorded finish, then disconnect."""
        await self.quiz_cog.shutdown()
        await super().close()


def _no_store() -> Store:
    """A store with no database: every operation says why (StoreUnavailable), so replies are polite notices."""
    return Store(StoreSettings(url="sqlite+aiosqlite://"), None, problem=NO_STORE)


class ShardedBloodpatchBot(BloodpatchBot, commands.AutoShardedBot):
    """The same bot on several gateway shards (`DISCORD_SHARD_COUNT`, `DISCORD_SHARD_IDS`; see docs/deploy.md)."""


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
    store: Store | None = None,
) -> BloodpatchBot:
    """Build the bot; with no arguments, config comes from the environment (and `.env`).

    No token is needed to build it: the token is only used by `bloodpatch-bot run` /
    `sync_commands`.  Content comes from `library`, else `content_dir`, else the
    core's default (repo `content/` or `BLOODPATCH_CONTENT`).

    `store` (from `await bot.store.open_store(...)`) holds quiz progress, feedback counts and
    daily-question channels; the caller opens and closes it. None: those features reply
    "unavailable right now" and answers to questions work as always.
    """
    if library is None:
        library = load_library(content_dir)
    if settings is None:
        settings = DiscordSettings.from_env()
    return (ShardedBloodpatchBot if settings.sharding else BloodpatchBot)(library, settings, store)
