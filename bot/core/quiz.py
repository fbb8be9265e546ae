"""Quiz logic with no database and no platform: Leitner boxes, picking the next item, grading, scores.

Why pure: the Discord, Slack and shell adapters and the store all need the same rules, and
pure functions are easy to test exhaustively. Items come in as arguments (anything shaped
like `bot.core.models.QuizItemModel`); nothing here loads content or touches storage.

Button ids (`encode_*` / `decode_custom_id`) carry all the state a button needs, so buttons
keep working after a restart and a press by anyone is graded the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypeVar

# -- Leitner boxes ----------------------------------------------------------------------------

# Box n (1-based) comes back this many days after an answer. Box 1 is "missed": due at once.
BOX_INTERVALS_DAYS: tuple[int, ...] = (0, 1, 3, 7, 14)
FIRST_BOX = 1
LAST_BOX = len(BOX_INTERVALS_DAYS)


class QuizItem(Protocol):
    """What the engine reads from an item (`QuizItemModel` has these and more)."""

    @property
    def id(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def options(self) -> Sequence[str]: ...
    @property
    def answer(self) -> int: ...


ItemT = TypeVar("ItemT", bound=QuizItem)


@dataclass(frozen=True, slots=True)
class ItemState:
    """One user's history with one item: its Leitner box and when it is next due (UTC, aware)."""

    item_id: str
    box: int
    due_at: dt.datetime
    last_seen_at: dt.datetime
    seen: int = 1
    correct: int = 0


def next_box(box: int | None, correct: bool) -> int:
    """A right answer moves the item up one box (at most the last); a wrong one sends it to box 1.

    A new item (`box` None) starts in box 1, so a first right answer puts it in box 2.
    """
    if not correct:
        return FIRST_BOX
    return min((box or FIRST_BOX) + 1, LAST_BOX)


def due_after(box: int, answered_at: dt.datetime) -> dt.datetime:
    """When an item in `box` comes back, counted from `answered_at`."""
    box = min(max(box, FIRST_BOX), LAST_BOX)
    return answered_at + dt.timedelta(days=BOX_INTERVALS_DAYS[box - 1])


def schedule(state: ItemState | None, item_id: str, correct: bool, now: dt.datetime) -> ItemState:
    """The state after answering `item_id` at `now` (`state` None: first time seen)."""
    now = utc(now)
    box = next_box(state.box if state else None, correct)
    seen = (state.seen if state else 0) + 1
    right = (state.correct if state else 0) + int(correct)
    return ItemState(item_id, box, due_after(box, now), now, seen, right)


def choose_next(
    items: Iterable[ItemT],
    states: Mapping[str, ItemState],
    now: dt.datetime,
    *,
    topic: str | None = None,
    audience: str | None = None,
    exclude: Collection[str] = (),
) -> ItemT | None:
    """The item to ask next, or None when no item matches `topic`/`audience`.

    Order: items that are due (lowest box first, so missed ones come back first, then the
    longest overdue), then items never seen (in the order given), then the rest, least
    recently seen first. `exclude` (ids asked earlier in this session) is honoured while
    any other item is left, so a short quiz does not repeat itself.
    """
    now = utc(now)
    pool = [i for i in items if (topic is None or i.topic == topic) and (audience is None or i.audience == audience)]
    if not pool:
        return None
    fresh = [i for i in pool if i.id not in exclude] or pool

    def rank(position_item: tuple[int, ItemT]) -> tuple:
        position, item = position_item
        state = states.get(item.id)
        if state is None:
            return (1, 0, 0.0, position)
        if utc(state.due_at) <= now:
            return (0, state.box, utc(state.due_at).timestamp(), position)
        return (2, 0, utc(state.last_seen_at).timestamp(), position)

    return min(enumerate(fresh), key=rank)[1]


def find_item(items: Iterable[ItemT], item_id: str) -> ItemT | None:
    """The item with this id (from a decoded button), or None when content no longer has it (a stale button)."""
    return next((i for i in items if i.id == item_id), None)


def daily_item(
    items: Sequence[ItemT], day: dt.date, channel: str, *, topic: str | None = None, audience: str | None = None
) -> ItemT | None:
    """The daily question for `channel` on `day`: the same in every process and after a restart.

    Walks the matching items in order, one a day, starting at a point that depends on the
    channel, so two channels do not get the same question every day.
    """
    pool = [i for i in items if (topic is None or i.topic == topic) and (audience is None or i.audience == audience)]
    if not pool:
        return None
    start = int.from_bytes(hashlib.blake2s(channel.encode(), digest_size=4).digest(), "big")
    return pool[(start + day.toordinal()) % len(pool)]


# -- grading and scores -----------------------------------------------------------------------


def grade(item: QuizItem, choice: int) -> bool | None:
    """True/False for a valid choice; None when `choice` is not one of the item's options.

    None happens with a stale button after an item's options changed: say so politely.
    """
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(item.options):
        return None
    return choice == item.answer


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """A user's running totals; `streak` is right answers in a row, `best_streak` the longest ever."""

    answered: int = 0
    correct: int = 0
    streak: int = 0
    best_streak: int = 0

    @property
    def accuracy(self) -> float | None:
        """Share of answers that were right, or None before the first answer."""
        return self.correct / self.answered if self.answered else None

    def after(self, correct: bool) -> ScoreCard:
        """The totals after one more answer."""
        streak = self.streak + 1 if correct else 0
        return replace(
            self,
            answered=self.answered + 1,
            correct=self.correct + int(correct),
            streak=streak,
            best_streak=max(self.best_streak, streak),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "answered": self.answered,
            "correct": self.correct,
            "streak": self.streak,
            "best_streak": self.best_streak,
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
        }


# -- button ids -------------------------------------------------------------------------------

CUSTOM_ID_PREFIX = "bp"
MAX_CUSTOM_ID = 100  # Discord's custom_id limit; Slack allows 255 (action_id) and 2000 (value)
FEEDBACK_KINDS: tuple[str, ...] = ("helpful", "unhelpful", "not_asked")
FeedbackKind = Literal["helpful", "unhelpful", "not_asked"]
AUDIENCE_VALUES: tuple[str, ...] = ("patient", "clinician")
ANY = "-"  # "no filter" in a next-question id

_ITEM_ID = r"[a-z0-9][a-z0-9-]{0,40}"
_TOPIC = r"[a-z][a-z0-9_]{0,63}"
_AUDIENCE = r"patient|clinician"
_ANSWER_RE = re.compile(rf"bp:q:(?P<item>{_ITEM_ID}):(?P<choice>[0-4])")
_FEEDBACK_RE = re.compile(rf"bp:fb:(?P<kind>helpful|unhelpful|not_asked):(?P<topic>{_TOPIC}):(?P<audience>{_AUDIENCE})")
_NEXT_RE = re.compile(rf"bp:qn:(?P<topic>{_TOPIC}|-):(?P<audience>{_AUDIENCE}|-)")


@dataclass(frozen=True, slots=True)
class AnswerButton:
    """`bp:q:<item_id>:<choice>`: someone chose option `choice` (0-based) of item `item_id`."""

    item_id: str
    choice: int


@dataclass(frozen=True, slots=True)
class FeedbackButton:
    """`bp:fb:<kind>:<topic>:<audience>`: Helpful / Not helpful / Not what I asked on an answer."""

    kind: FeedbackKind
    topic: str
    audience: Literal["patient", "clinician"]


@dataclass(frozen=True, slots=True)
class NextQuestionButton:
    """`bp:qn:<topic|->:<audience|->`: ask another question with the same filters ("-": any)."""

    topic: str | None
    audience: Literal["patient", "clinician"] | None


Button = AnswerButton | FeedbackButton | NextQuestionButton


def _checked(custom_id: str) -> str:
    if decode_custom_id(custom_id) is None:
        raise ValueError(f"cannot encode a valid button id from {custom_id!r}")
    return custom_id


def encode_answer(item_id: str, choice: int) -> str:
    """The id of the button for option `choice` of `item_id`; ValueError for an invalid id or choice."""
    return _checked(f"bp:q:{item_id}:{choice}")


def encode_feedback(kind: str, topic: str, audience: str) -> str:
    """The id of a feedback button; ValueError for an unknown kind, topic shape or audience."""
    return _checked(f"bp:fb:{kind}:{topic}:{audience}")


def encode_next(topic: str | None = None, audience: str | None = None) -> str:
    """The id of a "next question" button keeping the quiz's filters (None: any)."""
    return _checked(f"bp:qn:{topic or ANY}:{audience or ANY}")


def decode_custom_id(custom_id: object) -> Button | None:
    """The button a custom id / action id / value stands for, or None for anything malformed.

    Strict on purpose: ids come from platforms and could be stale, truncated or forged, so
    every part must match exactly (no whitespace, no extra parts, at most 100 characters).
    """
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID:
        return None
    if match := _ANSWER_RE.fullmatch(custom_id):
        return AnswerButton(match["item"], int(match["choice"]))
    if match := _FEEDBACK_RE.fullmatch(custom_id):
        return FeedbackButton(match["kind"], match["topic"], match["audience"])  # type: ignore[arg-type]
    if match := _NEXT_RE.fullmatch(custom_id):
        topic = None if match["topic"] == ANY else match["topic"]
        audience = None if match["audience"] == ANY else match["audience"]
        return NextQuestionButton(topic, audience)  # type: ignore[arg-type]
    return None


# -- time ---------------------------------------------------------------------------------------


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
