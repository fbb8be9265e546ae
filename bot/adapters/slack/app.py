"""Building the Bolt app and the aiohttp web application that serves it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import listeners
from bot.adapters.slack.settings import SlackSettings, load_settings
from bot.adapters.slack.transport import build_web_client

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000

APP_KEY: web.AppKey[AsyncApp] = web.AppKey("bolt_app", AsyncApp)


class _DropTokenSkippedWarning(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it always does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOG_FILTER = _DropTokenSkippedWarning()


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
    if library is None:
        from bot.core import load_library

        library = load_library()
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_BOLT_LOG_FILTER)  # idempotent
    app = AsyncApp(
        name="bloodpatch-bot",
        client=build_web_client(settings.bot_token, settings.base_url),
        signing_secret=settings.signing_secret,
        # Socket Mode has no signing secret (Slack does not sign socket requests;
        # Bolt skips verification for them anyway). HTTP mode always verifies.
        request_verification_enabled=bool(settings.signing_secret),
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
