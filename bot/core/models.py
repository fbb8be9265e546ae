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
    year: NonEmpty  # lint wants a year ("2019", "2013/2016"): a reader judges evidence by its age
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]  # lint wants https
    # withdrawn or superseded sources may be cited only by a snippet that says so (lint checks).
    status: Literal["current", "withdrawn", "superseded"] = "current"


class SourcesFile(_Strict):
    sources: list[SourceModel] = Field(min_length=1)


class SnippetModel(_Strict):
    audience: Literal["patient", "clinician"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SNIPPET_CHARS)]
    source: NonEmpty
    locator: NonEmpty


ReviewStatus = Literal["draft", "clinician-reviewed"]


class TopicModel(_Strict):
    id: TopicId
    command: CommandName | None = None
    # Titles double as Discord subcommand descriptions, which allow at most 100 characters.
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    aliases: list[NonEmpty] = Field(default_factory=list)
    examples: list[NonEmpty] = Field(min_length=1)
    related: list[TopicId] = Field(default_factory=list)
    # Clinical governance: who last reviewed the topic (a role or a name), how, and when.
    reviewed: dt.date
    reviewed_by: NonEmpty
    review_status: ReviewStatus
    snippets: list[SnippetModel] = Field(min_length=1)


class EvidenceModel(_Strict):
    """One fact a snippet may state, with the figures it carries, under the source that supports it."""

    source: NonEmpty
    locator: NonEmpty
    figures: list[Annotated[str, StringConstraints(pattern=r"^\d+(?:[.,]\d+)*$")]] = Field(min_length=1)
    fact: NonEmpty  # a short paraphrase in our own words
    # H: read in the source itself; M: read only in a secondary summary (say "verify" in `note`).
    confidence: Literal["H", "M"] = "H"
    note: str | None = None


class EvidenceFile(_Strict):
    evidence: list[EvidenceModel] = Field(min_length=1)


QuizItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")]


class QuizItemModel(_Strict):
    """One multiple-choice question; cited like a snippet, its figures checked like a snippet's."""

    id: QuizItemId
    topic: TopicId
    audience: Literal["patient", "clinician"]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    stem: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    # Options are button labels: Discord allows 80 characters, Slack 75.
    options: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]] = Field(
        min_length=3, max_length=5
    )
    answer: Annotated[int, Field(ge=0, le=4)]  # index into options
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
    source: NonEmpty
    locator: NonEmpty


class QuizFile(_Strict):
    items: list[QuizItemModel] = Field(min_length=1)


class QuestionModel(_Strict):
    """One labelled message the router and triage learn from (content/questions/*.yaml)."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    topic: TopicId | None = None
    kind: Literal["search", "red_flag", "same_day", "crisis", "out_of_scope"] = "search"


class QuestionsFile(_Strict):
    questions: list[QuestionModel]


class UrgentCare(_Strict):
    title: NonEmpty
    text: NonEmpty  # the full list of urgent symptoms (kept for reference and the red_flags topic)
    # Short, audience-specific first lines; "{symptoms}" becomes the labels of the rules that fired.
    patient: NonEmpty
    clinician: NonEmpty
    # The same urgent message in other languages, for emergencies written in them (es, fr, pt, de...).
    translations: dict[NonEmpty, UrgentTranslation] = Field(default_factory=dict)


class UrgentTranslation(_Strict):
    title: NonEmpty
    text: NonEmpty
    english_only: NonEmpty  # "I answer in English for now", for ordinary questions in this language


class CrisisCare(_Strict):
    title: NonEmpty
    text: NonEmpty
    # Country -> lines such as "Samaritans: call 116 123 (free, day or night)".
    helplines: dict[NonEmpty, list[NonEmpty]] = Field(min_length=1)
    local: NonEmpty  # "Anywhere else: call your local emergency number."


class SameDay(_Strict):
    title: NonEmpty
    text: NonEmpty


class RedFlagRule(_Strict):
    id: TopicId
    label: NonEmpty
    # emergency: urgent care now; same_day: contact your team today; crisis: self-harm, crisis support now.
    tier: Literal["emergency", "same_day", "crisis"] = "emergency"
    # Every group must match; a group matches when any of its concepts does.
    all: list[list[NonEmpty]] = Field(min_length=1)
    # Checked by `bloodpatch-bot lint`: what this rule must catch and what it must leave alone.
    must_fire: list[NonEmpty] = Field(default_factory=list)
    must_not_fire: list[NonEmpty] = Field(default_factory=list)


class RedFlagConfig(_Strict):
    concepts: dict[NonEmpty, list[NonEmpty]]
    negations: list[NonEmpty] = Field(default_factory=list)
    rules: list[RedFlagRule] = Field(min_length=1)
    # Regexes: a message that only asks *about* a symptom ("can a patch cause a fever?")
    # is not an emergency, unless it also describes something happening now.
    asking_about: list[NonEmpty] = Field(default_factory=list)
    happening_now: list[NonEmpty] = Field(default_factory=list)
    # Regexes: the symptom is over or in the past, unless `still_now` says it is back or happening.
    resolved: list[NonEmpty] = Field(default_factory=list)
    still_now: list[NonEmpty] = Field(default_factory=list)


class SmallTalk(_Strict):
    """A whole message that is only a greeting, thanks or goodbye gets a short friendly reply."""

    id: TopicId
    phrases: list[NonEmpty] = Field(min_length=1)  # matched on the whole message, folded
    title: NonEmpty
    reply: NonEmpty


class Advice(_Strict):
    """What to do about one group of symptoms; topics quote it as `{advice:ID}` so wording never drifts."""

    tier: Literal["emergency", "same_day"]
    # One phrase ("a fit (seizure)"), or a list that topics show as bullets under "If you have any of these".
    symptoms: NonEmpty | list[NonEmpty]


class SafetyFile(_Strict):
    disclaimer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    out_of_scope: NonEmpty
    not_found: NonEmpty
    clarify: NonEmpty
    urgent_care: UrgentCare
    same_day: SameDay
    crisis: CrisisCare
    small_talk: list[SmallTalk] = Field(default_factory=list)
    # One short line on answers from a topic no clinician has reviewed yet (review_status: draft).
    unreviewed: NonEmpty = "This topic has not yet been checked by a clinician."
    empty_message: NonEmpty = "Type a question about the blood patch or the spinal headache, or help for the topics."
    red_flags: RedFlagConfig
    # One sentence per tier ("get urgent help now: ..."), and the symptom groups topics refer to.
    actions: dict[Literal["emergency", "same_day"], NonEmpty] = Field(default_factory=dict)
    advice: dict[TopicId, Advice] = Field(default_factory=dict)
