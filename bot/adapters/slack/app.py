"""Building the Bolt app and the aiohttp web application that serves it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import listeners, transport
from bot.adapters.slack.settings import SettingsError, SlackSettings, load_settings
from bot.adapters.slack.transport import build_web_client

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000

APP_KEY: web.AppKey[AsyncApp] = web.AppKey("bolt_app", AsyncApp)


class _BoltLogHygiene(logging.Filter):
    """Keep Bolt's own log lines free of request bodies (they hold user text) and of one false alarm."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # Bolt also reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it always does.
        if "`token` will be unused" in message:
            return False
        if message.startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected (request body withheld)", ()
        return True


_BOLT_LOG_FILTER = _BoltLogHygiene()
_FILTERED_BOLT_LOGGERS = ("slack_bolt.AsyncApp", "slack_bolt.RequestVerification")


def create_app(*, settings: SlackSettings | None = None, library: Library | None = None) -> AsyncApp:
    """The Bolt app with every bloodpatch-bot listener registered.

    With no arguments, settings come from the environment (or `.env`, see
    `settings.load_settings`) and content from `bot.core.load_library()`.
    Nothing here touches the network: Bolt calls `auth.test` lazily on the
    first request, through `SLACK_API_URL` when that is set.

    Raises:
        SettingsError: a Slack setting is missing or invalid (names the variable).
    """
    if settings is None:
        settings = load_settings()
    if not settings.signing_secret and settings.app_token is None:
        raise SettingsError("SLACK_SIGNING_SECRET", "required in HTTP mode (only Socket Mode works without it)")
    if library is None:
        from bot.core import load_library

        library = load_library()
    for name in _FILTERED_BOLT_LOGGERS:
        logging.getLogger(name).addFilter(_BOLT_LOG_FILTER)  # idempotent
    transport.configure(settings.http_timeout)
    app = AsyncApp(
        name="bloodpatch-bot",
        client=build_web_client(settings.bot_token, settings.base_url),
        # Always verified over HTTP; Bolt skips the check for Socket Mode requests,
        # which arrive over the authenticated WebSocket and carry no signature.
        signing_secret=settings.signing_secret,
        # Answer Slack with the ack as soon as a listener's ack step returns; the work runs
        # afterwards as a lazy listener (see listeners.lazily). Bolt's default instead polls
        # for the ack every 10 ms, capping one connection at ~80 requests/s (bench/README.md).
        process_before_response=True,
    )
    listeners.register(app, library)
    return app


async def _handle_slack_request(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    bolt_response = await app.async_dispatch(await to_bolt_request(request))
    return await to_aiohttp_response(bolt_response)


def create_web_app(app: AsyncApp, *, path: str = EVENTS_PATH) -> web.Application:
    """An aiohttp application serving `app` at POST `path` (commands, actions and events).

    Other routes (e.g. health checks) can be added to the returned application.
    """
    web_app = web.Application()
    web_app[APP_KEY] = app
    web_app.router.add_post(path, _handle_slack_request)
    return web_app
