"""Typed text -> the Slack message to send: parse, ask the core, render."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.adapters.slack.parse import Intent, Request, parse_text
from bot.adapters.slack.render import SlackMessage, to_help, to_message, to_sources
from bot.core.answer import Answer, Audience, Kind
from bot.core.requestlog import log_request

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

# A miss this short is probably a topic name with a typo ("recovry"): prefer the
# topic resolver's "did you mean" over the generic out-of-scope reply.
_TOPIC_RETRY_MAX_WORDS = 2


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


def reply_for(library: Library, text: str, *, surface: str, ephemeral: bool, user: str | None = None) -> SlackMessage:
    """The whole reply to `text` typed on `surface` (for logs: "command", "mention", "dm").

    `ephemeral` replies (slash commands) get a "Share in channel" button and echo the
    question, since nobody else can see it and Slack does not show the command text.
    """
    started = time.perf_counter()
    request = parse_text(text)
    answer: Answer | None = None
    if request.intent is Intent.HELP:
        message = to_help(library.topics, library.disclaimer, audience=request.audience)
    elif request.intent is Intent.SOURCES:
        message = to_sources(library.sources, library.disclaimer)
    else:
        answer = answer_for(library, request)
        message = to_message(answer, shareable=ephemeral, show_question=ephemeral)
    elapsed_ms = (time.perf_counter() - started) * 1000
    log_request("slack", f"{surface}:{request.intent.value}", answer, elapsed_ms, user=user)
    return message


def topic_reply(library: Library, topic: str, audience: Audience, *, shareable: bool) -> SlackMessage:
    """A topic by id (from a button), rendered without the question."""
    answer = library.topic(topic, audience=audience)
    log_request("slack", "button", answer, 0.0)
    return to_message(answer, shareable=shareable, show_question=False)
