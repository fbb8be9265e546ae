"""The Slack side of quiz, feedback and stats: one `Engagement`, the admin list, and two background jobs.

Why one object per app: the store may be opened lazily (no database work until someone
uses the quiz or an answer is counted), and its background work (writing asked-question
counts behind the replies, posting daily questions) must start once and stop on shutdown.

- `engagement()` opens the store on first use (`open_store()` never raises; a database that
  is down only makes each operation say it is unavailable).
- `note_answer()` queues an answered question for `Engagement.record_ask`; one writer task
  drains the queue, so counting never holds up an ack and SQLite sees one writer.
- `start()` runs the daily-question loop (`bot.adapters.slack.daily`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters.slack.daily import DAILY_INTERVAL_SECONDS, daily_loop
from bot.engagement import Engagement
from bot.settings import SettingsError, read_env
from bot.store import InvalidKey, Store, open_store, user_key

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.core import Library
    from bot.core.answer import Answer

log = logging.getLogger(__name__)

ADMINS_ENV = "SLACK_ADMIN_USERS"
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
MAX_PENDING_ASKS = 10_000  # beyond this (database far behind) new counts are dropped, with a warning
WARN_EVERY_SECONDS = 60.0


def read_admins(environ: dict[str, str] | None = None) -> frozenset[str]:
    """SLACK_ADMIN_USERS: comma-separated Slack user ids (U…/W…) allowed to run stats, daily and privacy.

    Raises SettingsError naming the variable for an entry that is not a user id (a name or
    an email would silently lock everyone out).
    """
    raw = (read_env(environ).get(ADMINS_ENV) or "").strip()
    admins = [part.strip() for part in raw.split(",") if part.strip()]
    for entry in admins:
        if not _SLACK_USER_ID.fullmatch(entry):
            problem = (
                f"{entry[:40]!r} is not a Slack user id; list ids like U0123ABCD, comma-separated "
                "(in Slack: profile > More > Copy member ID)"
            )
            raise SettingsError(ADMINS_ENV, problem)
    return frozenset(admins)


def slack_user(team_id: object, user_id: object) -> str | None:
    """The store's user key `slack:<team>:<user>`, or None when the payload lacks a usable id."""
    if not isinstance(team_id, str) or not isinstance(user_id, str):
        return None
    try:
        return user_key("slack", team_id, user_id)
    except InvalidKey:
        return None


class QuizFeature:
    """Quiz, feedback, stats and the daily question for one Slack app."""

    def __init__(
        self,
        library: Library,
        store: Store | None = None,
        *,
        admins: frozenset[str] | None = None,
        data_dir: Path | None = None,
        daily_interval: float | None = None,
    ) -> None:
        self.library = library
        self.admins = read_admins() if admins is None else admins
        self._store = store
        self._owns_store = store is None
        self._data_dir = data_dir
        self._engagement = Engagement(library, store) if store is not None else None
        self._opening: asyncio.Lock | None = None
        self._asks: asyncio.Queue[tuple[str, Answer]] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._daily: asyncio.Task[None] | None = None
        self._daily_interval = daily_interval
        self._dropped_warned_at = -WARN_EVERY_SECONDS

    def is_admin(self, user_id: object) -> bool:
        return isinstance(user_id, str) and user_id in self.admins

    async def engagement(self) -> Engagement:
        """The engagement flows, opening the default store (DATABASE_URL or SQLite) on first use."""
        if self._engagement is not None:
            return self._engagement
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._engagement is None:
                self._store = await open_store(data_dir=self._data_dir)
                self._engagement = Engagement(self.library, self._store)
        return self._engagement

    # -- counting answered questions, behind the replies ----------------------------------------
    def note_answer(self, user: str | None, answer: Answer | None) -> None:
        """Queue one answered question for the stats; returns at once (never waits for the database)."""
        if user is None or answer is None:
            return
        loop = asyncio.get_running_loop()
        if self._asks is None or self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._asks = asyncio.Queue(MAX_PENDING_ASKS)
            self._writer = loop.create_task(self._write_asks(self._asks), name="slack-ask-counts")
        try:
            self._asks.put_nowait((user, answer))
        except asyncio.QueueFull:
            now = time.monotonic()
            if now - self._dropped_warned_at >= WARN_EVERY_SECONDS:
                self._dropped_warned_at = now
                log.warning("ask counts: %d waiting for the database; dropping new ones", MAX_PENDING_ASKS)

    async def _write_asks(self, queue: asyncio.Queue[tuple[str, Answer]]) -> None:
        while True:
            user, answer = await queue.get()
            try:
                engagement = await self.engagement()
                await engagement.record_ask(user, answer)  # logs and swallows a database that is down
            except Exception:  # a bug must not stop the counting of later questions
                log.exception("ask counts: could not record one answered question")
            finally:
                queue.task_done()

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until the queued question counts are written (tests, shutdown)."""
        if self._asks is not None and self._writer is not None and not self._writer.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._asks.join()

    # -- the daily question ------------------------------------------------------------------------
    def start(self, client: AsyncWebClient) -> None:
        """Run the daily-question loop on the running event loop (idempotent; needs a running loop)."""
        loop = asyncio.get_running_loop()
        if self._daily is not None and not self._daily.done() and self._daily.get_loop() is loop:
            return
        interval = self._daily_interval or DAILY_INTERVAL_SECONDS
        self._daily = loop.create_task(self._run_daily(client, interval), name="slack-daily-question")

    async def _run_daily(self, client: AsyncWebClient, interval: float) -> None:
        """The daily loop; when it is cancelled (shutdown, or the event loop closing) a store opened here is closed.

        Why here: a store's connections belong to the event loop that opened them, and this task
        lives exactly as long as the app runs on that loop.
        """
        try:
            await daily_loop(self, client, interval=interval)
        finally:
            await self._stop_writer()  # its connection goes back to the pool before the pool closes
            await self._close_own_store()

    async def _stop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None and writer.get_loop() is asyncio.get_running_loop():
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def _close_own_store(self) -> None:
        if self._owns_store and self._store is not None:
            with contextlib.suppress(Exception):
                await self._store.close()

    @property
    def daily_running(self) -> bool:
        return self._daily is not None and not self._daily.done()

    async def aclose(self) -> None:
        """Write the queued counts, stop both background tasks, close the store if this object opened it."""
        await self.flush()
        await self._stop_writer()
        daily, self._daily = self._daily, None
        if daily is not None and daily.get_loop() is asyncio.get_running_loop():
            daily.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await daily
        await self._close_own_store()


_FEATURES: weakref.WeakKeyDictionary[AsyncApp, QuizFeature] = weakref.WeakKeyDictionary()


def attach(app: AsyncApp, feature: QuizFeature) -> None:
    """Remember `app`'s feature, so whoever runs the app can stop it (`feature_of(app).aclose()`)."""
    _FEATURES[app] = feature


def feature_of(app: AsyncApp) -> QuizFeature | None:
    """The quiz feature of an app built by `create_app()`, or None."""
    return _FEATURES.get(app)
