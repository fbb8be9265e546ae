"""Typed shapes of the content files; pydantic turns mistakes into field-level errors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_SNIPPET_CHARS = 900

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
CommandName = Annotated[str, StringConstraints(pattern=r"^[-_a-z0-9]{1,32}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceModel(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: NonEmpty
    publisher: NonEmpty
    year: NonEmpty
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class SourcesFile(_Strict):
    sources: list[SourceModel] = Field(min_length=1)


class SnippetModel(_Strict):
    audience: Literal["patient", "clinician"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SNIPPET_CHARS)]
    source: NonEmpty
    locator: NonEmpty


class TopicModel(_Strict):
    id: TopicId
    command: CommandName | None = None
    # Titles double as Discord subcommand descriptions, which allow at most 100 characters.
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    aliases: list[NonEmpty] = Field(default_factory=list)
    examples: list[NonEmpty] = Field(min_length=1)
    related: list[TopicId] = Field(default_factory=list)
    reviewed: dt.date
    snippets: list[SnippetModel] = Field(min_length=1)


class UrgentCare(_Strict):
    title: NonEmpty
    text: NonEmpty


class RedFlagRule(_Strict):
    id: TopicId
    label: NonEmpty
    # Every group must match; a group matches when any of its concepts does.
    all: list[list[NonEmpty]] = Field(min_length=1)


class RedFlagConfig(_Strict):
    concepts: dict[NonEmpty, list[NonEmpty]]
    negations: list[NonEmpty] = Field(default_factory=list)
    rules: list[RedFlagRule] = Field(min_length=1)
    # Regexes: a message that only asks *about* a symptom ("can a patch cause a fever?")
    # is not an emergency, unless it also describes something happening now.
    asking_about: list[NonEmpty] = Field(default_factory=list)
    happening_now: list[NonEmpty] = Field(default_factory=list)


class SafetyFile(_Strict):
    disclaimer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    out_of_scope: NonEmpty
    not_found: NonEmpty
    urgent_care: UrgentCare
    red_flags: RedFlagConfig


class SynonymsFile(_Strict):
    # Each group lists words that mean the same thing to a reader ("spinal headache", "pdph").
    groups: dict[NonEmpty, list[NonEmpty]]
    # Words that mark a different kind of "patch"/"headache" question (nicotine, tyre...).
    off_topic: list[NonEmpty] = Field(default_factory=list)
    never_ours: list[NonEmpty] = Field(default_factory=list)
    # How sure a word makes us that the question is ours: subject > context (+ hint) > hint.
    subject: list[NonEmpty] = Field(default_factory=list)
    context: list[NonEmpty] = Field(default_factory=list)
    hints: list[NonEmpty] = Field(default_factory=list)
    hint_groups: list[NonEmpty] = Field(default_factory=list)
    stopwords: list[NonEmpty] = Field(default_factory=list)
    # Chat spellings read as the word they stand for ("tmrw" -> "tomorrow"), before typo correction.
    abbreviations: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
