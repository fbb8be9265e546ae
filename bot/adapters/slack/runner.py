"""Slack pieces the Service uses at start-up: checking the bot token, and opening Socket Mode.

`bloodpatch-bot run slack [--socket]` (bot/runner.py's Service) is the only way to run the bot.
A token Slack rejects becomes a `SettingsError` naming the variable (exit status USAGE); Slack
out of reach at start-up becomes `Unavailable` (exit status UNAVAILABLE). Both are one line.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.exit_status import Unavailable
from bot.settings import SettingsError, SlackSettings

log = logging.getLogger(__name__)

# Errors that mean the token itself is wrong (not a network hiccup).
_BAD_TOKEN_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


def _error_of(e: SlackApiError) -> str:
    """Slack's `error` code, or the HTTP status when the body was no JSON (a proxy's error page)."""
    data = getattr(e.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {getattr(e.response, 'status_code', '?')}"


def _rejected(variable: str, error: str | None) -> SettingsError:
    return SettingsError(variable, f"rejected by Slack ({error}); reinstall the app and copy the token again")


async def verify_token(app: AsyncApp) -> None:
    """Check SLACK_BOT_TOKEN with auth.test; raise SettingsError only if Slack rejects it.

    A network failure is logged and tolerated: Bolt retries auth.test on the first request.
    """
    try:
        result = await app.client.auth_test()
    except SlackApiError as e:
        error = _error_of(e)
        if error in _BAD_TOKEN_ERRORS:
            raise _rejected("SLACK_BOT_TOKEN", error) from None
        log.warning("could not verify SLACK_BOT_TOKEN yet (%s); will retry on the first request", error)
    except (TimeoutError, OSError, aiohttp.ClientError) as e:
        log.warning("could not reach Slack to check SLACK_BOT_TOKEN (%s); will retry", type(e).__name__)
    else:
        log.info("connected to Slack workspace %s as %s", result.get("team"), result.get("user"))


async def connect_socket_mode(app: AsyncApp, settings: SlackSettings) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection, or raise SettingsError / Unavailable with one clear line.

    The WebSocket URL is asked for once here, so a rejected SLACK_APP_TOKEN stops the bot with a
    message instead of slack_sdk retrying (and logging a traceback) forever; reconnects after
    that are slack_sdk's own.
    """
    handler = AsyncSocketModeHandler(app, settings.app_token)
    try:  # through the app's Web API client, which retries 429s and 5xx
        opened = await app.client.apps_connections_open(app_token=settings.app_token)
        handler.client.wss_uri = opened["url"]
    except SlackApiError as e:
        error = _error_of(e)
        await handler.close_async()
        if error in _BAD_TOKEN_ERRORS:
            raise _rejected("SLACK_APP_TOKEN", error) from None
        raise Unavailable(f"Slack refused to open Socket Mode ({error})") from None
    except (TimeoutError, OSError, aiohttp.ClientError) as e:
        await handler.close_async()
        raise Unavailable(f"cannot reach Slack to open Socket Mode ({type(e).__name__}: {e})") from None
    await handler.connect_async()
    return handler
