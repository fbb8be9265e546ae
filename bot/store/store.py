"""`Store`, the one object through which all state goes, and `open_store()`, which never fails.

The operations are grouped by job in mixins (quizops, feedback, signals, reports,
privacy); `Store` only puts them together.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.store.base import StoreBase
from bot.store.config import StoreConfigError, StoreSettings, store_settings
from bot.store.engine import create_engine, sqlite_path
from bot.store.feedback import FeedbackOps
from bot.store.privacy import PrivacyOps
from bot.store.quizops import QuizOps
from bot.store.reports import ReportOps
from bot.store.signals import SignalOps

log = logging.getLogger("bloodpatch.store")


class Store(QuizOps, FeedbackOps, SignalOps, ReportOps, PrivacyOps, StoreBase):
    """All persistent state of the bot. Every method is a coroutine (except the status properties)
    and raises `StoreUnavailable` when the database cannot be used; bad arguments raise ValueError.

    Quiz: item_states, next_quiz_item, record_quiz_answer, score, set_leaderboard, leaderboard.
    Feedback and asks: record_ask, record_feedback, set_keep_text, keeps_text.
    Between processes: first_time, publish_reload, reload_version.
    Daily question: set_daily, remove_daily, daily_channels, due_daily, mark_daily_posted.
    Reports: stats, gaps. Privacy: forget, purge, maintenance_loop, pseudonym.
    Lifecycle: check, close, available, last_error, backend.
    """


async def open_store(
    url: str | None = None,
    *,
    data_dir: Path | str | None = None,
    settings: StoreSettings | None = None,
) -> Store:
    """A store for `url` (else $DATABASE_URL, else SQLite in `data_dir` / $BLOODPATCH_DATA_DIR).

    Never raises: if the settings are unusable or the database is down, the store is
    returned anyway and each operation raises StoreUnavailable (with the reason) until it
    can connect. Migrations run on the first operation (call `await store.check()` at
    start-up to run them then and log the outcome).
    """
    try:
        settings = settings or store_settings(url, data_dir)
    except StoreConfigError as exc:
        log.error("store: %s", exc)
        return Store(StoreSettings(url="sqlite+aiosqlite://"), None, problem=str(exc))
    try:
        path = sqlite_path(settings)
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # only this user reads the file
        engine = create_engine(settings)
    except Exception as exc:
        problem = f"{settings.backend}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"[:200]
        log.error("store: %s", problem)
        return Store(settings, None, problem=problem)
    return Store(settings, engine)
