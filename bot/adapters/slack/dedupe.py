"""Slack retries: a request Slack sends again is answered 200 at once and never handled twice.

Slack resends an event when our 200 did not arrive in time (`X-Slack-Retry-Num`, the same
`event_id`), and a resent command or click carries the same trigger_id and payload. Each
request gets a key; the first time a `Deduper` sees a key it is handled, later copies are
not. One process can use `MemoryDeduper`; several workers share the store's `first_time`
(through `StoreDeduper`), so a retry that reaches another worker is still caught.

The check runs as a Bolt global middleware, after Bolt has verified the request's signature,
so a forged request can never mark a real one as seen. It works the same in Socket Mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

# Slack retries an event three times over about five minutes; keep keys a little longer.
RETRY_WINDOW_SECONDS = 600
MAX_MEMORY_KEYS = 50_000  # about 5 MB; the oldest keys go first beyond this


class Deduper(Protocol):
    """Says whether a request key is new (and remembers it)."""

    async def first_time(self, key: str) -> bool: ...


class MemoryDeduper:
    """Keys seen by this process in the last `ttl_seconds` (one worker, or tests)."""

    def __init__(self, ttl_seconds: float = RETRY_WINDOW_SECONDS, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_keys = max_keys
        self._expiry: OrderedDict[str, float] = OrderedDict()  # insertion order is expiry order

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        expiry = self._expiry
        while expiry:
            oldest, until = next(iter(expiry.items()))
            if until > now and len(expiry) < self.max_keys:
                break
            del expiry[oldest]
        if key in expiry:
            return False
        expiry[key] = now + self.ttl_seconds
        return True


class _FirstTime(Protocol):
    def first_time(self, event_id: str, ttl_seconds: int) -> bool | Awaitable[bool]: ...


class StoreDeduper:
    """The shared store's `first_time(event_id, ttl_seconds)`, so every worker sees every key.

    A store that cannot be reached lets the request through (logged at most once a minute):
    answering a retry twice is better than answering nothing.
    """

    WARN_EVERY_SECONDS = 60.0

    def __init__(self, store: _FirstTime, ttl_seconds: int = RETRY_WINDOW_SECONDS) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._is_async = inspect.iscoroutinefunction(store.first_time)
        self._warned_at = -math.inf

    async def first_time(self, key: str) -> bool:
        try:
            if self._is_async:
                return bool(await self.store.first_time(key, self.ttl_seconds))  # type: ignore[misc]
            # A blocking database call must not hold up every other request on the event loop.
            return bool(await asyncio.to_thread(self.store.first_time, key, self.ttl_seconds))
        except Exception as error:  # any driver's error: the store is down, not this request
            now = time.monotonic()
            if now - self._warned_at >= self.WARN_EVERY_SECONDS:
                self._warned_at = now
                log.warning("dedupe store unavailable (%s); handling requests anyway", type(error).__name__)
            return True


def _digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def retry_key(body: Mapping[str, Any]) -> str | None:
    """The key that a retry of this request shares with the original; None if it needs none.

    Events: their `event_id`. Commands: the trigger_id and response_url (unique to one use of
    the command) with what was typed, where and by whom. Clicks: trigger_id, the action and its
    timestamp, and the response_url. URL verification and the like are never deduplicated.
    """
    kind = body.get("type")
    if kind == "event_callback":
        event_id = body.get("event_id")
        return f"slack:event:{event_id}" if event_id else None
    if kind is None and "command" in body:
        fields = ("trigger_id", "response_url", "command", "text", "user_id", "channel_id", "team_id")
        return "slack:command:" + _digest(*(body.get(name) for name in fields))
    if kind in ("block_actions", "interactive_message", "shortcut", "message_action"):
        actions = body.get("actions") or [{}]
        first = actions[0] if isinstance(actions[0], Mapping) else {}
        return f"slack:{kind}:" + _digest(
            body.get("trigger_id"),
            first.get("action_id") or body.get("callback_id"),
            first.get("action_ts") or body.get("action_ts"),
            first.get("value"),
            body.get("response_url"),
        )
    return None


class RetryFilter(AsyncMiddleware):
    """Bolt global middleware: a request whose key was seen is answered 200 with no body, unhandled."""

    def __init__(self, deduper: Deduper, key: Callable[[Mapping[str, Any]], str | None] = retry_key) -> None:
        self.deduper = deduper
        self.key = key

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        key = self.key(req.body)
        if key is None or await self.deduper.first_time(key):
            return await next()
        retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
        reason = (req.headers.get("x-slack-retry-reason") or ["-"])[0]
        log.info("slack: %s seen before (retry %s, %s); not handled again", key.split(":")[1], retry, reason[:40])
        return BoltResponse(status=200, body="")
