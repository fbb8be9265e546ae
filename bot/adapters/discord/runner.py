"""Entry points for the CLI: `bloodpatch-bot run discord` and `bloodpatch-bot sync discord`.

Both return an exit status instead of raising: 0 on success, 2 when the token is
missing, malformed or rejected (a clear sentence on stderr, no traceback), 1 for
other failures (bad content, Discord unreachable or refusing the commands).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.client import BloodpatchBot, create_client
from bot.adapters.discord.settings import TOKEN_HELP, DiscordSettings, SettingsError
from bot.core import ContentInvalid, load_library

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

REJECTED_TOKEN = f"Discord rejected DISCORD_TOKEN (401 Unauthorized): it is wrong or was reset. {TOKEN_HELP}"
INVITE_SCOPES = ("bot", "applications.commands")


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _prepare(content_dir: Path | None) -> tuple[BloodpatchBot, str] | int:
    """Settings, token and content, or the exit status explaining what is wrong."""
    try:
        settings = DiscordSettings.from_env()
        token = settings.require_token()
    except SettingsError as exc:
        _error(str(exc))
        return EXIT_CONFIG
    try:
        library = load_library(content_dir)
    except ContentInvalid as exc:
        _error("the content has errors:")
        for problem in exc.errors:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAILURE
    except FileNotFoundError as exc:
        _error(f"content not found: {exc}")
        return EXIT_FAILURE
    return create_client(library=library, settings=settings), token


def invite_url(application_id: int) -> str:
    """The URL that adds the bot to a server with both scopes and no extra permissions."""
    return discord.utils.oauth_url(application_id, permissions=discord.Permissions.none(), scopes=INVITE_SCOPES)


def _ensure_logging() -> None:
    if not logging.getLogger().handlers:
        discord.utils.setup_logging(level=logging.INFO)


async def _start(client: BloodpatchBot, token: str) -> None:
    async with client:
        await client.start(token)


def run_discord(content_dir: Path | None = None) -> int:
    """Run the bot until interrupted.  Commands are not synced here: see `sync_commands`."""
    prepared = _prepare(content_dir)
    if isinstance(prepared, int):
        return prepared
    client, token = prepared
    _ensure_logging()
    try:
        asyncio.run(_start(client, token))
    except discord.LoginFailure:
        _error(REJECTED_TOKEN)
        return EXIT_CONFIG
    except discord.PrivilegedIntentsRequired as exc:
        _error(f"Discord refused the gateway intents: {exc}")
        return EXIT_CONFIG
    except (discord.HTTPException, discord.GatewayNotFound, aiohttp.ClientError, OSError) as exc:
        _error(f"could not connect to Discord: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK


async def sync_tree(
    client: commands.Bot, guild_id: int | None = None, *, clear: bool = False
) -> list[app_commands.AppCommand]:
    """Upload the command tree: to one guild (instant; global commands copied there) or globally.

    With `clear=True` and a guild, removes the guild copies instead (use after
    testing in a guild, before relying on the global commands).
    """
    tree = client.tree
    if guild_id is None:
        return await tree.sync()
    guild = discord.Object(id=guild_id)
    if clear:
        tree.clear_commands(guild=guild)
    else:
        tree.copy_global_to(guild=guild)
    return await tree.sync(guild=guild)


async def _login_and_sync(
    client: BloodpatchBot, token: str, guild_id: int | None, clear: bool
) -> tuple[list[app_commands.AppCommand], int | None]:
    async with client:
        await client.login(token)
        synced = await sync_tree(client, guild_id, clear=clear)
        return synced, client.application_id


def sync_commands(guild_id: int | None = None, content_dir: Path | None = None, *, clear: bool = False) -> int:
    """Register `/bloodpatch` with Discord, print what was synced and the invite URL."""
    prepared = _prepare(content_dir)
    if isinstance(prepared, int):
        return prepared
    client, token = prepared
    try:
        synced, application_id = asyncio.run(_login_and_sync(client, token, guild_id, clear))
    except discord.LoginFailure:
        _error(REJECTED_TOKEN)
        return EXIT_CONFIG
    except discord.Forbidden as exc:
        _error(
            f"Discord refused the commands ({exc.status}): the bot is not in guild {guild_id} or was invited "
            "without the applications.commands scope; invite it again (see docs/discord.md)."
        )
        return EXIT_FAILURE
    except discord.HTTPException as exc:
        _error(f"Discord rejected the commands ({exc.status}): {exc.text}")
        return EXIT_FAILURE
    except (aiohttp.ClientError, OSError) as exc:
        _error(f"could not reach Discord: {exc}")
        return EXIT_FAILURE
    names = ", ".join(f"/{c.name}" for c in synced) or "nothing"
    if guild_id is None:
        print(f"Synced {names} globally; Discord can take up to an hour to show changes everywhere.")
    elif clear:
        print(f"Removed the guild copies of the commands from guild {guild_id}.")
    else:
        print(f"Synced {names} to guild {guild_id}; usable there now.")
    if application_id is not None:
        print(f"Invite URL: {invite_url(application_id)}")
    return EXIT_OK
