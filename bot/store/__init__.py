"""The one module through which all state goes: quiz progress, scores, feedback, gaps, daily questions, dedupe.

    from bot.store import open_store, StoreUnavailable

    store = await open_store()            # never raises; DATABASE_URL or SQLite in BLOODPATCH_DATA_DIR
    try:
        result = await store.record_quiz_answer("discord:1:2", item, choice, event_id=interaction_id)
    except StoreUnavailable:
        ...                               # "the quiz is unavailable right now"

Users are given as keys (`discord:<guild>:<user>`, `slack:<team>:<user>`, `shell:<name>`,
see `bot.store.users`) and stored only as salted hashes. docs/storage.md says what is
kept and for how long.
"""

from bot.store.base import StoreUnavailable
from bot.store.config import StoreConfigError, StoreSettings, default_data_dir, store_settings
from bot.store.quizops import clean_display_name
from bot.store.results import (
    GAP_CATEGORIES,
    AnswerResult,
    DailyChannel,
    FeedbackResult,
    GapEntry,
    GapReport,
    ItemStat,
    LeaderboardRow,
    ScoreReport,
    StatsReport,
)
from bot.store.store import Store, open_store
from bot.store.users import InvalidKey, UserRef, check_channel, check_scope, parse_user, scope_of, user_key

__all__ = [
    "GAP_CATEGORIES",
    "AnswerResult",
    "DailyChannel",
    "FeedbackResult",
    "GapEntry",
    "GapReport",
    "InvalidKey",
    "ItemStat",
    "LeaderboardRow",
    "ScoreReport",
    "StatsReport",
    "Store",
    "StoreConfigError",
    "StoreSettings",
    "StoreUnavailable",
    "UserRef",
    "check_channel",
    "check_scope",
    "clean_display_name",
    "default_data_dir",
    "open_store",
    "parse_user",
    "scope_of",
    "store_settings",
    "user_key",
]
