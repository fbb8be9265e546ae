"""Building the Bolt app and the aiohttp web application that serves it."""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import listeners, transport
from bot.adapters.slack.dedupe import Deduper, MemoryDeduper, RetryFilter
from bot.adapters.slack.listeners import ACK_BUDGET_SECONDS, Deps
from bot.adapters.slack.quiz_service import QuizFeature
from bot.adapters.slack.settings import SettingsError, SlackSettings, load_settings
from bot.adapters.slack.transport import build_web_client

if TYPE_CHECKING:
    from bot.core import Library
    from bot.store import Store

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


def create_app(
    *,
    settings: SlackSettings | None = None,
    library: Library | None = None,
    deduper: Deduper | None = None,
    ack_budget: float = ACK_BUDGET_SECONDS,
    store: Store | None = None,
) -> AsyncApp:
    """The Bolt app with every bloodpatch-bot listener registered.

    With no arguments, settings come from the environment (or `.env`, see
    `settings.load_settings`) and content from `bot.core.load_library()`.
    Nothing here touches the network: Bolt calls `auth.test` lazily on the
    first request, through `SLACK_API_URL` when that is set.

    Args:
        deduper: where retried requests are recognised; several workers pass one backed by
            the shared store (`dedupe.StoreDeduper`). Default: this process's memory.
        ack_budget: seconds a slash command's answer may take to ride in the ack; a slower
            one follows at the response_url. 0 sends every answer to the response_url.
        store: where quiz scores, feedback, asked-question counts and daily questions live
            (`bot.store.open_store(...)`). None: the default store (DATABASE_URL, else SQLite in
            BLOODPATCH_DATA_DIR), opened on first use. SLACK_ADMIN_USERS lists the admins.

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
        # The HTTP response is what the listener acked once it returns, so a command's ack
        # can carry its answer. Bolt's default instead runs the listener in a task and polls
        # for the ack every 10 ms, capping one connection at ~80 requests/s (bench/README.md).
        process_before_response=True,
        # Requests nobody handles go to our error handler (a quiet 200) instead of Bolt's
        # 404 and multi-line warning (listeners/errors.py).
        raise_error_for_unhandled_request=True,
    )
    app.use(RetryFilter(deduper or MemoryDeduper()))  # after Bolt's signature check
    listeners.register(app, Deps(library, ack_budget=ack_budget, quiz=QuizFeature(library, store)))
    _freeze_startup_heap()
    return app


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Once per process, when the first app is built: keep the start-up heap away from the collector.

    Content, models, Bolt and every import live as long as the process, yet each full garbage
    collection re-scans them (~150k objects) every few hundred requests: about a tenth of a
    command's CPU (bench/README.md). `gc.freeze()` sets them aside; objects dropped later (old
    content after a reload included) are still freed by reference counting.
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()  # what is garbage now is freed, not frozen
        gc.freeze()


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
