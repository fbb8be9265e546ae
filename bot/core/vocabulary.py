"""The words our content uses, so the safety rules never "correct" a word we know into a symptom."""

from __future__ import annotations

from bot.core.models import TopicModel
from bot.core.text import words


def known_words(topics: tuple[TopicModel, ...]) -> frozenset[str]:
    """Every word of every topic's title, aliases, example questions and snippets."""
    found: set[str] = set()
    for topic in topics:
        for text in (topic.title, *topic.aliases, *topic.examples, *(s.text for s in topic.snippets)):
            found.update(words(text))
    return frozenset(found)
