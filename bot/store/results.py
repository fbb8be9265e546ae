"""What the store returns: plain frozen dataclasses, each with `to_json()` for `--json` and admin replies.

Why separate: adapters import these names to render replies; keeping them apart from the
database code makes the contract easy to read and keeps it stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.core.quiz import ScoreCard


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """The outcome of one quiz button press.

    `duplicate`: this event id was already recorded (a double click or a platform retry);
    nothing changed and `score` is the current total. `box`/`due_at`: where the item now
    sits in the presser's Leitner boxes and when it comes back (UTC).
    """

    duplicate: bool
    correct: bool
    choice: int
    answer: int
    score: ScoreCard
    box: int
    due_at: dt.datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "duplicate": self.duplicate,
            "correct": self.correct,
            "choice": self.choice,
            "answer": self.answer,
            "score": self.score.to_json(),
            "box": self.box,
            "due_at": _iso(self.due_at),
        }


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """`duplicate`: the event id was seen before, nothing counted; `text_kept`: redacted text was stored."""

    duplicate: bool
    text_kept: bool = False

    def to_json(self) -> dict[str, object]:
        return {"duplicate": self.duplicate, "text_kept": self.text_kept}


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """`/bloodpatch score`: totals plus how far through the items the user is."""

    score: ScoreCard
    items_seen: int = 0
    mastered: int = 0  # items in the last Leitner box
    due_now: int = 0  # items due for review now (missed ones included)

    def to_json(self) -> dict[str, object]:
        return {
            **self.score.to_json(),
            "items_seen": self.items_seen,
            "mastered": self.mastered,
            "due_now": self.due_now,
        }


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One opted-in user: the display name they agreed to show and their totals. Equal totals share a rank."""

    rank: int
    display_name: str
    correct: int
    answered: int
    best_streak: int

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "display_name": self.display_name,
            "correct": self.correct,
            "answered": self.answered,
            "best_streak": self.best_streak,
        }


@dataclass(frozen=True, slots=True)
class DailyChannel:
    """A channel with the daily question on: posted once a day at `hour_utc` (or later that day if the bot was down)."""

    channel: str
    scope: str
    hour_utc: int
    topic: str | None
    audience: str | None
    last_posted: dt.date | None

    def to_json(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "scope": self.scope,
            "hour_utc": self.hour_utc,
            "topic": self.topic,
            "audience": self.audience,
            "last_posted": _iso(self.last_posted),
        }


@dataclass(frozen=True, slots=True)
class ItemStat:
    """Quiz accuracy of one item.

    `people`: users who answered it at least once; `hard`: most of them got it wrong the first time.
    """

    item_id: str
    answered: int
    correct: int
    people: int
    first_correct: int
    hard: bool

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    @property
    def first_accuracy(self) -> float | None:
        return self.first_correct / self.people if self.people else None

    def to_json(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "answered": self.answered,
            "correct": self.correct,
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "people": self.people,
            "first_correct": self.first_correct,
            "first_accuracy": None if self.first_accuracy is None else round(self.first_accuracy, 4),
            "hard": self.hard,
        }


@dataclass(frozen=True, slots=True)
class StatsReport:
    """Anonymous counts: answers by topic and kind, feedback by topic and kind, quiz accuracy per item.

    Topic "" means no topic (out of scope, not found). Counts cover the last `since_days`
    days (None: everything kept); item figures are all-time.
    """

    since_days: int | None
    asks: dict[str, dict[str, int]] = field(default_factory=dict)
    feedback: dict[str, dict[str, int]] = field(default_factory=dict)
    items: tuple[ItemStat, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "since_days": self.since_days,
            "asks": self.asks,
            "feedback": self.feedback,
            "items": [i.to_json() for i in self.items],
        }


GAP_CATEGORIES: tuple[str, ...] = ("not_found", "out_of_scope", "clarify", "not_asked")


@dataclass(frozen=True, slots=True)
class GapEntry:
    """One redacted question text (grouped case- and space-insensitively) and how often it came."""

    text: str
    category: str  # one of GAP_CATEGORIES
    count: int
    topics: tuple[str, ...]  # topics answered or guessed for it, if any
    last_seen: dt.datetime

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "category": self.category,
            "count": self.count,
            "topics": list(self.topics),
            "last_seen": _iso(self.last_seen),
        }


@dataclass(frozen=True, slots=True)
class GapReport:
    """Knowledge gaps: counts per category from every scope, texts only from scopes that opted in."""

    since_days: int
    counts: dict[str, int]
    entries: tuple[GapEntry, ...]

    def to_json(self) -> dict[str, object]:
        return {"since_days": self.since_days, "counts": self.counts, "entries": [e.to_json() for e in self.entries]}
