"""Typed text -> the Slack message to send: parse, ask the core, render (with rendered answers kept).

Rendering a topic answer as Block Kit costs as much as finding it, and a topic looks the same
for everyone who asks for it in one audience, so `Replies` keeps each rendered topic (and the
help and sources lists) until the content is reloaded (`Library.generation` changes). Typed
text is remembered only when the core answered it with a plain topic (a topic name, alias or
typo), never a question: answering it again must give the same reply, so the core is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.adapters.slack.parse import Intent, Request, parse_text
from bot.adapters.slack.render import SlackMessage, to_help, to_message, to_sources
from bot.core.answer import Answer, Audience, Kind, Triage
from bot.core.requestlog import log_request

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

# A miss this short is probably a topic name with a typo ("recovry"): prefer the
# topic resolver's "did you mean" over the generic out-of-scope reply.
_TOPIC_RETRY_MAX_WORDS = 2
# Typed topic names remembered per content generation: short strings only, and a bounded number.
MAX_REMEMBERED_NAMES = 2048
MAX_NAME_CHARS = 80


def answer_for(library: Library, request: Request) -> Answer:
    """Ask the core; `request.intent` must be ASK, TOPIC or AUTO."""
    if request.intent is Intent.TOPIC:
        return library.topic(request.text, audience=request.audience)
    answer = library.answer(request.text, audience=request.audience)
    if (
        request.intent is Intent.AUTO
        and answer.kind is Kind.OUT_OF_SCOPE
        and len(request.text.split()) <= _TOPIC_RETRY_MAX_WORDS
    ):
        by_name = library.topic(request.text, audience=request.audience)
        if by_name.kind is Kind.TOPIC or by_name.suggestions:
            return by_name
    return answer


def _plain_topic(answer: Answer) -> bool:
    """A topic answer that depends on nothing but (topic, audience): no notice, no urgency."""
    return (
        answer.kind is Kind.TOPIC
        and answer.topic is not None
        and answer.triage is Triage.INFO
        and not answer.message
        and not answer.urgent
    )


@dataclass(frozen=True, slots=True)
class _Remembered:
    """A typed text the core answered with a plain topic, and that answer (for the request log)."""

    topic: str
    answer: Answer


class Replies:
    """Replies for one Library: parse, core, render, with rendered answers kept per content generation.

    Thread-safe: the slow path (`reply`) may run in a worker thread while `cached` runs on
    the event loop; entries are written only for the generation they were computed from.
    """

    def __init__(self, library: Library) -> None:
        self.library = library
        self._lock = threading.Lock()
        self._generation = self._current_generation()
        self._rendered: dict[tuple[Any, ...], SlackMessage] = {}
        self._names: dict[tuple[Intent, str, Audience], _Remembered] = {}
        self._topics: dict[tuple[str, Audience], Answer] = {}  # plain topic answers, by (topic id, audience)

    def _current_generation(self) -> int:
        return getattr(self.library, "generation", 0)

    def _fresh(self) -> int:
        """The current generation, after dropping everything kept from an earlier one."""
        generation = self._current_generation()
        if generation != self._generation:
            with self._lock:
                if generation != self._generation:
                    self._rendered, self._names, self._topics = {}, {}, {}
                    self._generation = generation
        return generation

    def _keep(self, generation: int, key: tuple[Any, ...], message: SlackMessage) -> SlackMessage:
        with self._lock:
            if generation == self._generation:
                self._rendered[key] = message
        return message

    def _render(self, key: tuple[Any, ...], build: Callable[[], SlackMessage]) -> SlackMessage:
        generation = self._fresh()
        message = self._rendered.get(key)
        return message if message is not None else self._keep(generation, key, build())

    # -- the fast path: no core call, no rendering --------------------------------------------
    def cached(self, text: str, *, surface: str, ephemeral: bool, user: str | None = None) -> SlackMessage | None:
        """The reply to `text` if it is already known (help, sources, a remembered topic name); else None."""
        started = time.perf_counter()
        self._fresh()
        request = parse_text(text)
        answer: Answer | None = None
        if request.intent is Intent.HELP:
            message = self._rendered.get(("help", request.audience))
        elif request.intent is Intent.SOURCES:
            message = self._rendered.get(("sources",))
        else:
            known = self._names.get((request.intent, request.text, request.audience))
            if known is None:
                return None
            answer = known.answer
            message = self._rendered.get(("topic", known.topic, request.audience, ephemeral))
        if message is None:
            return None
        self._log(surface, request, answer, started, user)
        return message

    # -- the full path ---------------------------------------------------------------------------
    def reply(self, text: str, *, surface: str, ephemeral: bool, user: str | None = None) -> SlackMessage:
        """The whole reply to `text` typed on `surface` (for logs: "command", "mention", "dm").

        `ephemeral` replies (slash commands) get a "Share in channel" button and echo the
        question, since nobody else can see it and Slack does not show the command text.
        """
        started = time.perf_counter()
        generation = self._fresh()
        request = parse_text(text)
        answer: Answer | None = None
        if request.intent is Intent.HELP:
            library = self.library
            key: tuple[Any, ...] = ("help", request.audience)
            message = self._render(key, lambda: to_help(library.topics, library.disclaimer, audience=request.audience))
        elif request.intent is Intent.SOURCES:
            message = self._render(("sources",), lambda: to_sources(self.library.sources, self.library.disclaimer))
        else:
            answer = answer_for(self.library, request)
            if _plain_topic(answer):
                message = self._topic_message(generation, answer, shareable=ephemeral)
                if len(request.text) <= MAX_NAME_CHARS:
                    self._remember(generation, request, answer)
            else:
                message = to_message(answer, shareable=ephemeral, show_question=ephemeral)
        self._log(surface, request, answer, started, user)
        return message

    def topic(self, topic: str, audience: Audience, *, shareable: bool) -> SlackMessage:
        """A topic by id (from a button), rendered without the question."""
        generation = self._fresh()
        known = self._topics.get((topic, audience))
        answer = known if known is not None else self.library.topic(topic, audience=audience)
        log_request("slack", "button", answer, 0.0)
        if _plain_topic(answer) and answer.topic == topic:
            return self._topic_message(generation, answer, shareable=shareable)
        return to_message(answer, shareable=shareable, show_question=False)

    def _topic_message(self, generation: int, answer: Answer, *, shareable: bool) -> SlackMessage:
        key = ("topic", answer.topic, answer.audience, shareable)
        message = self._rendered.get(key)
        if message is None:
            message = self._keep(generation, key, to_message(answer, shareable=shareable, show_question=False))
            with self._lock:
                if generation == self._generation and answer.topic is not None:
                    self._topics[(answer.topic, answer.audience)] = answer
        return message

    def _remember(self, generation: int, request: Request, answer: Answer) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if len(self._names) >= MAX_REMEMBERED_NAMES:
                self._names.clear()  # rare (a flood of distinct typos): start again rather than grow
            assert answer.topic is not None
            self._names[(request.intent, request.text, request.audience)] = _Remembered(answer.topic, answer)

    @staticmethod
    def _log(surface: str, request: Request, answer: Answer | None, started: float, user: str | None) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log_request("slack", f"{surface}:{request.intent.value}", answer, elapsed_ms, user=user)


def reply_for(library: Library, text: str, *, surface: str, ephemeral: bool, user: str | None = None) -> SlackMessage:
    """The whole reply to `text`, computed afresh (see `Replies.reply`)."""
    return Replies(library).reply(text, surface=surface, ephemeral=ephemeral, user=user)
