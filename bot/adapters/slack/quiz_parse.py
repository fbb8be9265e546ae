"""`/bloodpatch quiz|score|leaderboard|stats|daily|privacy ...` -> what was asked for. Pure, no I/O.

Why separate from `parse.py`: these words are commands only in the shapes below, so a
question that merely starts with one ("daily life after a blood patch") still reaches the
core as a question. `parse_quiz_command` returns None for anything that is not one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.adapters.slack.parse import MAX_INPUT_CHARS

_AUDIENCE_WORDS = {
    "patient": "patient",
    "--patient": "patient",
    "-p": "patient",
    "clinician": "clinician",
    "--clinician": "clinician",
    "-c": "clinician",
}
_ANY_TOPIC = {"any", "all", "-"}
_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}
DEFAULT_DAILY_HOUR = 9
DEFAULT_STATS_DAYS = 30
MAX_STATS_DAYS = 3650

USAGE = {
    "quiz": "Usage: `/bloodpatch quiz [topic] [patient|clinician]`, e.g. `/bloodpatch quiz risks clinician`.",
    "leaderboard": "Usage: `/bloodpatch leaderboard join`, `/bloodpatch leaderboard leave` or "
    "`/bloodpatch leaderboard show`.",
    "stats": f"Usage: `/bloodpatch stats [days]` (1 to {MAX_STATS_DAYS} days, default {DEFAULT_STATS_DAYS}).",
    "daily": "Usage: `/bloodpatch daily on [hour_utc] [topic] [patient|clinician]` or `/bloodpatch daily off`, "
    f"e.g. `/bloodpatch daily on 8 risks clinician` (the hour is 0-23 UTC, default {DEFAULT_DAILY_HOUR}).",
    "privacy": "Usage: `/bloodpatch privacy keep_text on` or `/bloodpatch privacy keep_text off`.",
}

Name = Literal["quiz", "score", "leaderboard", "stats", "daily", "privacy"]


@dataclass(frozen=True, slots=True)
class QuizCommand:
    """One engagement command. `problem` set: the words were recognised but malformed (show it)."""

    name: Name
    action: str = ""  # leaderboard: join|leave|show; daily: on|off; privacy: keep_text_on|keep_text_off
    topic: str | None = None  # as typed (resolved later against the content)
    audience: str | None = None
    hour_utc: int = DEFAULT_DAILY_HOUR
    days: int = DEFAULT_STATS_DAYS
    problem: str | None = None

    @property
    def admin_only(self) -> bool:
        return self.name in ("stats", "daily", "privacy")


def _filters(words: list[str]) -> tuple[str | None, str | None]:
    """(topic, audience) from the words after `quiz` or `daily on [hour]`: audience words anywhere."""
    audience = None
    kept: list[str] = []
    for word in words:
        low = word.casefold()
        if low in _AUDIENCE_WORDS:
            audience = _AUDIENCE_WORDS[low]
        else:
            kept.append(word)
    topic = " ".join(kept).strip()
    return (None if not topic or topic.casefold() in _ANY_TOPIC else topic), audience


def _bad(name: Name) -> QuizCommand:
    return QuizCommand(name, problem=USAGE[name])


def parse_quiz_command(text: str) -> QuizCommand | None:
    """The engagement command in `/bloodpatch` text, or None when the text is something else."""
    words = text[:MAX_INPUT_CHARS].split()
    if not words:
        return None
    head, rest = words[0].casefold(), words[1:]
    low = [w.casefold() for w in rest]
    if head == "quiz":
        topic, audience = _filters(rest)
        return QuizCommand("quiz", topic=topic, audience=audience)
    if head == "score" and not rest:
        return QuizCommand("score")
    if head == "leaderboard":
        if not rest:
            return QuizCommand("leaderboard", "show")
        if len(low) == 1 and low[0] in ("join", "leave", "show"):
            return QuizCommand("leaderboard", low[0])
        return _bad("leaderboard")
    if head == "stats" and len(rest) <= 1:
        if not rest:
            return QuizCommand("stats")
        if rest[0].isdigit() and 1 <= int(rest[0]) <= MAX_STATS_DAYS:
            return QuizCommand("stats", days=int(rest[0]))
        return _bad("stats")
    if head == "daily" and (not rest or low[0] in _ON | _OFF):
        return _daily(rest, low)
    if head == "privacy" and (not rest or low[0].replace("-", "_") == "keep_text"):
        if len(low) == 2 and low[1] in _ON | _OFF:
            return QuizCommand("privacy", "keep_text_on" if low[1] in _ON else "keep_text_off")
        return _bad("privacy")
    return None


def _daily(rest: list[str], low: list[str]) -> QuizCommand:
    if not rest:
        return _bad("daily")
    if low[0] in _OFF:
        return QuizCommand("daily", "off") if len(rest) == 1 else _bad("daily")
    args = rest[1:]
    hour = DEFAULT_DAILY_HOUR
    if args and args[0].removesuffix(":00").isdigit():
        value = int(args[0].removesuffix(":00"))
        if not 0 <= value <= 23:
            return QuizCommand("daily", problem=f"The hour must be 0-23 (UTC), got {value}. {USAGE['daily']}")
        hour, args = value, args[1:]
    topic, audience = _filters(args)
    return QuizCommand("daily", "on", topic=topic, audience=audience, hour_utc=hour)
