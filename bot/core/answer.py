"""The platform-neutral answer every adapter renders.

The core never formats for a platform: it returns an `Answer` and each adapter
(shell, Discord, Slack) turns it into its own native shape.  `to_json()` is the
`--json` contract other tools depend on, so its keys are fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Audience = Literal["patient", "clinician"]
AUDIENCES: tuple[Audience, ...] = ("patient", "clinician")


class Kind(StrEnum):
    """What kind of answer this is; adapters pick colour, buttons and wording from it."""

    TOPIC = "topic"  # a topic asked for by id, alias or a close typo
    SEARCH = "search"  # a free-text question ranked to a topic
    RED_FLAG = "red_flag"  # emergency symptoms: urgent-care message first
    OUT_OF_SCOPE = "out_of_scope"  # not about EBP / PDPH
    NOT_FOUND = "not_found"  # a topic name that matches nothing (or unusable input)
    CLARIFY = "clarify"  # the router is unsure: "Did you mean…" with topic suggestions, never a silent guess
    CRISIS = "crisis"  # self-harm or suicidal thoughts: crisis support first
    SMALL_TALK = "small_talk"  # hi / thanks / bye: a short friendly reply, no topic list


class Triage(StrEnum):
    """How urgent a message is, decided before any topic is picked."""

    EMERGENCY = "emergency"  # get urgent care now
    SAME_DAY = "same_day"  # contact your team today
    CRISIS = "crisis"  # crisis support now
    INFO = "info"  # ordinary information


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A citable source, exactly as listed in content/sources.yaml."""

    id: str
    title: str
    publisher: str
    year: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class TopicRef:
    """A pointer to a topic (for related topics, suggestions and buttons)."""

    id: str
    title: str
    command: str  # short slash-command name, e.g. "antibiotics" for faq_antibiotics


@dataclass(frozen=True, slots=True)
class AnswerSnippet:
    """One sourced paragraph of an answer."""

    text: str
    audience: Audience
    source: SourceRef
    locator: str

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "audience": self.audience,
            "source": self.source.to_json(),
            "locator": self.locator,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything an adapter needs to render one reply, with no platform syntax.

    Text fields are plain text with at most `**bold**`; adapters escape user text
    themselves (the core never echoes the question into `title`/`message`).
    """

    question: str
    kind: Kind
    audience: Audience
    title: str
    disclaimer: str
    topic: str | None = None
    snippets: tuple[AnswerSnippet, ...] = ()
    related: tuple[TopicRef, ...] = ()
    suggestions: tuple[TopicRef, ...] = ()
    # Shown before anything else: the urgent-care message for red flags, or the
    # short explanation for out_of_scope / not_found answers.
    urgent: str | None = None
    message: str | None = None
    reviewed: dt.date | None = None
    review_status: str | None = None  # "draft" or "clinician-reviewed" for topic answers
    red_flags: tuple[str, ...] = ()  # ids of the safety rules that fired
    error: str | None = None
    triage: Triage = Triage.INFO
    language: str | None = None  # ISO 639-1 code when the message is not in English
    score: float = 0.0  # search confidence, for logs and benchmarks
    topics: tuple[TopicRef, ...] = field(default=(), repr=False)  # every topic, for "valid topics" lists

    @property
    def is_red_flag(self) -> bool:
        return self.kind is Kind.RED_FLAG

    @property
    def is_urgent(self) -> bool:
        """Red flags and crisis answers: the `urgent` text goes first, before anything else."""
        return self.kind in (Kind.RED_FLAG, Kind.CRISIS)

    def sources(self) -> tuple[SourceRef, ...]:
        """Unique sources in first-cited order; citation marker n is index n-1."""
        seen: dict[str, SourceRef] = {}
        for snippet in self.snippets:
            seen.setdefault(snippet.source.id, snippet.source)
        return tuple(seen.values())

    def citation_number(self, snippet: AnswerSnippet) -> int:
        """1-based marker for a snippet's source, matching `sources()`."""
        return [s.id for s in self.sources()].index(snippet.source.id) + 1

    def to_json(self) -> dict[str, Any]:
        """The `--json` contract: keys and types are fixed, extra keys only appended."""
        data: dict[str, Any] = {
            "question": self.question,
            "kind": self.kind.value,
            "topic": self.topic,
            "title": self.title,
            "audience": self.audience,
            "snippets": [s.to_json() for s in self.snippets],
            "disclaimer": self.disclaimer,
            "related": [t.id for t in self.related],
            "suggestions": [t.id for t in self.suggestions],
            "urgent": self.urgent,
            "message": self.message,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "review_status": self.review_status,
        }
        data["triage"] = self.triage.value
        data["confidence"] = round(self.score, 4)
        if self.language is not None:
            data["language"] = self.language
        if self.error is not None:
            data["error"] = self.error
        return data
