"""Outgoing HTTP to Slack: the Web API client and response_url posts, both with retries.

slack_sdk's own retry handlers do the work: a 429 waits for Retry-After, a 500/503
and a dropped connection back off and try again. What still fails is logged and
reported to the caller as False/SlackApiError, never allowed to kill the process.

Work that goes on after the ack (an event's reply, a button's answer, a late command
answer) runs as tracked tasks: `spawn` keeps them referenced, and shutdown
(`close_sessions`) lets them finish before closing the session they post through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.render import SlackMessage

log = logging.getLogger(__name__)

MAX_RETRIES = 2
TIMEOUT_SECONDS = 10.0  # default; `configure()` sets the app's own (SLACK_HTTP_TIMEOUT)
_timeout = TIMEOUT_SECONDS


def configure(timeout: float) -> None:
    """Set the timeout of every request to Slack made from now on (one Slack app per process)."""
    global _timeout
    _timeout = timeout


def retry_handlers() -> list[AsyncRetryHandler]:
    """Rate limit (429 + Retry-After), server error (500/503) and connection error retries."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES),
        AsyncRateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=MAX_RETRIES),
    ]


def build_web_client(token: str, base_url: str) -> AsyncWebClient:
    """The app's Web API client; `base_url` may point at a local stand-in."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=_timeout,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("slack_sdk.web"),
    )


_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


def _shared_session() -> aiohttp.ClientSession:
    """One pooled HTTP session per event loop for response_url posts.

    A new session per answer costs a fresh connection (and TLS handshake) every time;
    profiling put nearly half of a slash command's handling there.
    """
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        for old_loop in [lp for lp in _sessions if lp.is_closed()]:
            _sessions.pop(old_loop, None)
        # slack_sdk applies its own `timeout` only to sessions it creates, so set it here.
        session = _sessions[loop] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=_timeout))
    return session


_tasks: set[asyncio.Task[Any]] = set()
SHUTDOWN_WAIT_SECONDS = 5.0


def spawn(work: Coroutine[Any, Any, None], *, name: str = "slack-reply") -> asyncio.Task[None]:
    """Run `work` after the ack; it stays referenced until done (asyncio keeps only weak references).

    `work` should handle its own errors (the listeners wrap theirs, see `listeners.Deps.later`);
    anything that still escapes is logged here rather than lost.
    """
    task = asyncio.get_running_loop().create_task(work, name=name)
    _tasks.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("slack: work after the ack failed (%s)", task.get_name(), exc_info=error)


async def close_sessions(wait: float = SHUTDOWN_WAIT_SECONDS) -> None:
    """On shutdown: let this loop's answers still on their way finish (up to `wait` s), then close the session."""
    loop = asyncio.get_running_loop()
    pending = [t for t in _tasks if t.get_loop() is loop and not t.done()]
    if pending:
        _, late = await asyncio.wait(pending, timeout=wait)
        for task in late:
            task.cancel()
        if late:
            log.warning("shutdown: %d Slack answer(s) still unsent after %.0f s were dropped", len(late), wait)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*late, return_exceptions=True)
    session = _sessions.pop(loop, None)
    if session is not None and not session.closed:
        await session.close()


def message_kwargs(message: SlackMessage) -> dict[str, Any]:
    """chat.postMessage arguments. Never `link_names`/`parse=full`: nothing we send may ping."""
    return {**message.as_kwargs(), "unfurl_links": False, "unfurl_media": False}


async def post_to_response_url(
    response_url: str,
    message: SlackMessage,
    *,
    response_type: str = "ephemeral",
    replace_original: bool | None = None,
    thread_ts: str | None = None,
) -> bool:
    """Post to a response_url (slash command or button), with retries; False if it never worked."""
    body: dict[str, Any] = {"response_type": response_type, **message.as_kwargs()}
    if replace_original is not None:
        body["replace_original"] = replace_original
    if thread_ts:
        body["thread_ts"] = thread_ts
    client = AsyncWebhookClient(
        url=response_url,
        session=_shared_session(),
        timeout=_timeout,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("slack_sdk.webhook"),
    )
    try:
        response = await client.send_dict(body)
    except (TimeoutError, aiohttp.ClientError) as e:
        log.warning("response_url post failed after retries: %s", type(e).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post rejected: status=%s body=%.200s", response.status_code, response.body)
        return False
    return True
