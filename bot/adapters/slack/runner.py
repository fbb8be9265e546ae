"""`bloodpatch-bot run slack [--socket] [--port N]`: serve until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.app import DEFAULT_PORT, EVENTS_PATH, create_app, create_web_app
from bot.adapters.slack.settings import SettingsError, SlackSettings, load_settings
from bot.adapters.slack.transport import close_sessions

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SETTINGS = 2

# auth.test errors that mean the token itself is wrong (not a network hiccup).
_BAD_TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


async def verify_token(app: AsyncApp) -> None:
    """Check SLACK_BOT_TOKEN with auth.test; raise SettingsError only if Slack rejects it.

    A network failure is logged and tolerated: Bolt retries auth.test on the first request.
    """
    try:
        result = await app.client.auth_test()
    except SlackApiError as e:
        error = e.response.get("error") if e.response is not None else None
        if error in _BAD_TOKEN_ERRORS:
            problem = f"rejected by Slack ({error}); reinstall the app and copy the token again"
            raise SettingsError("SLACK_BOT_TOKEN", problem) from None
        log.warning("could not verify SLACK_BOT_TOKEN yet (%s); will retry on the first request", error)
    except (TimeoutError, OSError) as e:
        log.warning("could not reach Slack to check SLACK_BOT_TOKEN (%s); will retry", type(e).__name__)
    else:
        log.info("connected to Slack workspace %s as %s", result.get("team"), result.get("user"))


async def serve(
    app: AsyncApp,
    settings: SlackSettings,
    *,
    socket: bool,
    port: int = DEFAULT_PORT,
    host: str = "0.0.0.0",
    stop: asyncio.Event,
    web_app: web.Application | None = None,
) -> None:
    """Run the app until `stop` is set: HTTP (aiohttp on host:port) or Socket Mode.

    `web_app` lets a caller serve its own application (e.g. with health routes added)
    built by `create_web_app(app)`.
    """
    if socket:
        handler = AsyncSocketModeHandler(app, settings.app_token)
        await handler.connect_async()
        log.info("Slack Socket Mode connected")
        try:
            await stop.wait()
        finally:
            await handler.close_async()
            await close_sessions()
        return
    if not settings.signing_secret:
        raise SettingsError("SLACK_SIGNING_SECRET", "required in HTTP mode (only Socket Mode works without it)")
    runner = web.AppRunner(web_app or create_web_app(app), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("Slack HTTP endpoint listening on %s%s", site.name, EVENTS_PATH)
        await stop.wait()
    finally:
        await runner.cleanup()
        await close_sessions()


def run_slack(content_dir: Path | None = None, socket: bool = False, port: int = DEFAULT_PORT) -> int:
    """Load settings and content, then serve Slack until interrupted. Returns an exit status.

    Missing or invalid settings print one line naming the variable and return 2.
    """
    try:
        settings = load_settings(socket=socket)
    except SettingsError as e:
        print(f"bloodpatch-bot: {e}", file=sys.stderr)
        return EXIT_SETTINGS
    if not 0 <= port <= 65535:
        print(f"bloodpatch-bot: --port must be between 0 and 65535, got {port}", file=sys.stderr)
        return EXIT_SETTINGS
    from bot.core import load_library
    from bot.core.loader import ContentInvalid

    try:
        library = load_library(content_dir)
    except ContentInvalid as e:
        print(f"bloodpatch-bot: content is invalid:\n{e}", file=sys.stderr)
        return EXIT_SETTINGS
    try:
        return asyncio.run(_main(settings, library, socket=socket, port=port))
    except SettingsError as e:
        print(f"bloodpatch-bot: {e}", file=sys.stderr)
        return EXIT_SETTINGS
    except OSError as e:  # e.g. the port is taken
        print(f"bloodpatch-bot: cannot serve Slack: {e}", file=sys.stderr)
        return EXIT_FAILED


async def _main(settings: SlackSettings, library: Library, *, socket: bool, port: int) -> int:
    app = create_app(settings=settings, library=library)
    if settings.api_url is None:  # a stand-in API (tests, checks) is not asked at start-up
        await verify_token(app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await serve(app, settings, socket=socket, port=port, stop=stop)
    log.info("Slack adapter stopped")
    return EXIT_OK
