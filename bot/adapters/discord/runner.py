"""Discord pieces of the command line: logging in for the Service, and `bloodpatch-bot sync discord`.

`bloodpatch-bot run discord` (bot/runner.py's Service) is the only way to run the bot; it calls
`point_at` and `login` from here. Every failure becomes one line for the operator:
`SettingsError` (missing, malformed or rejected token: exit status USAGE) or `Unavailable`
(Discord unreachable or refusing: exit status UNAVAILABLE).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.client import BloodpatchBot, create_client
from bot.exit_status import ExitStatus, Unavailable
from bot.settings import DISCORD_TOKEN_HELP, DiscordSettings, SettingsError

log = logging.getLogger(__name__)

REJECTED_TOKEN = f"Discord rejected DISCORD_TOKEN (401 Unauthorized): it is wrong or was reset. {DISCORD_TOKEN_HELP}"
INVITE_SCOPES = ("bot", "applications.commands")


def point_at(settings: DiscordSettings) -> None:
    """Use a stand-in Discord (`DISCORD_API_URL`, `DISCORD_GATEWAY_URL`) when set; else Discord itself.

    discord.py reads both from class attributes, so this is process-wide: one Discord client per process.
    """
    if settings.api_url:
        discord.http.Route.BASE = settings.api_url.rstrip("/")  # type: ignore[misc]
    if settings.gateway_url:
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def failure(exc: BaseException) -> SettingsError | Unavailable | None:
    """The operator's one line for an error from logging in or connecting; None for an unexpected one."""
    if isinstance(exc, discord.LoginFailure):
        return SettingsError("DISCORD_TOKEN", REJECTED_TOKEN)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return SettingsError("DISCORD_TOKEN", f"Discord refused the gateway intents: {exc}")
    if isinstance(exc, discord.HTTPException):
        return Unavailable(f"Discord refused the request ({exc.status}): {exc.text or exc}")
    if isinstance(exc, discord.ConnectionClosed):
        return Unavailable(f"Discord closed the gateway connection (code {exc.code}): {exc.reason or 'no reason'}")
    if isinstance(exc, discord.GatewayNotFound | aiohttp.ClientError | OSError | TimeoutError):
        return Unavailable(f"cannot reach Discord ({type(exc).__name__}: {exc})")
    return None


async def login(client: discord.Client, token: str) -> None:
    """Log in over REST (checks the token, runs `setup_hook`); raises SettingsError or Unavailable."""
    try:
        await client.login(token)
    except Exception as exc:
        problem = failure(exc)
        if problem is None:
            raise
        raise problem from None


def invite_url(application_id: int) -> str:
    """The URL that adds the bot to a server with both scopes and no extra permissions."""
    return discord.utils.oauth_url(application_id, permissions=discord.Permissions.none(), scopes=INVITE_SCOPES)


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
        await login(client, token)
        try:
            synced = await sync_tree(client, guild_id, clear=clear)
        except discord.Forbidden as exc:
            raise Unavailable(
                f"Discord refused the commands ({exc.status}): the bot is not in guild {guild_id} or was invited "
                "without the applications.commands scope; invite it again (see docs/discord.md)."
            ) from None
        except discord.HTTPException as exc:
            raise Unavailable(f"Discord rejected the commands ({exc.status}): {exc.text}") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise Unavailable(f"could not reach Discord: {exc}") from None
        return synced, client.application_id


def sync_commands(guild_id: int | None = None, content_dir: Path | None = None, *, clear: bool = False) -> int:
    """Register `/bloodpatch` with Discord, print what was synced and the invite URL; returns an ExitStatus.

    Bad content raises ContentInvalid (the CLI prints it, like every command); settings problems and
    Discord's refusals print one line.
    """
    from bot.core import load_library
    from bot.exit_status import fail

    try:
        settings = DiscordSettings.from_env()
        token = settings.require_token()
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    library = load_library(content_dir)
    point_at(settings)
    client = create_client(library=library, settings=settings)
    from bot.adapters.discord.size import tree_problem

    if (too_large := tree_problem(client.tree)) is not None:  # lint's line; nothing is sent to Discord
        return fail(ExitStatus.CONTENT_INVALID, too_large)
    try:
        synced, application_id = asyncio.run(_login_and_sync(client, token, guild_id, clear))
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    except Unavailable as exc:
        return fail(ExitStatus.UNAVAILABLE, str(exc))
    names = ", ".join(f"/{c.name}" for c in synced) or "nothing"
    if guild_id is None:
        print(f"Synced {names} globally; Discord can take up to an hour to show changes everywhere.")
    elif clear:
        print(f"Removed the guild copies of the commands from guild {guild_id}.")
    else:
        print(f"Synced {names} to guild {guild_id}; usable there now.")
    if application_id is not None:
        print(f"Invite URL: {invite_url(application_id)}")
    return ExitStatus.OK
