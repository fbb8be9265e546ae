"""Every topic is reachable by id, short command, alias and a typo; misses suggest and list topics."""

from __future__ import annotations

import pytest

from bot.core import Kind, Library, load_library
from tests.conftest import CONTENT

LIB = load_library(CONTENT)
TOPICS = {t.id: t for t in LIB._state.content.topics}


def _typo(word: str) -> str:
    """A realistic slip: swap two letters in the middle of the longest word."""
    longest = max(word.split(), key=len)
    i = len(longest) // 2
    swapped = longest[: i - 1] + longest[i] + longest[i - 1] + longest[i + 1 :]
    return word.replace(longest, swapped, 1)


@pytest.mark.parametrize("topic_id", list(TOPICS))
def test_by_id_and_command(library: Library, topic_id: str) -> None:
    command = TOPICS[topic_id].command or topic_id
    for name in {topic_id, command, topic_id.upper(), f"  {command}  "}:
        answer = library.topic(name)
        assert (answer.kind, answer.topic) == (Kind.TOPIC, topic_id), name


@pytest.mark.parametrize(("topic_id", "alias"), [(t.id, a) for t in TOPICS.values() for a in t.aliases])
def test_by_alias(library: Library, topic_id: str, alias: str) -> None:
    assert library.topic(alias).topic == topic_id
    # An exact alias typed as a free-text question is a topic answer too.
    answer = library.answer(alias)
    assert answer.topic == topic_id or answer.kind is Kind.RED_FLAG


@pytest.mark.parametrize("topic_id", list(TOPICS))
def test_by_typo(library: Library, topic_id: str) -> None:
    name = (TOPICS[topic_id].command or topic_id).replace("_", " ")
    if len(name) < 5:  # too short for a fair typo: misspell the title instead
        name = TOPICS[topic_id].title
    typo = _typo(name)
    assert typo != name
    assert library.topic(typo).topic == topic_id, typo


def test_case_and_accents_do_not_matter(library: Library) -> None:
    assert library.topic("RÉCOVERY").topic == "recovery"
    assert library.topic("Side\u200b Effects").topic == library.topic("side effects").topic


def test_miss_suggests_and_lists_every_topic(library: Library) -> None:
    assert library.topic("recovry").topic == "recovery"  # a close typo still resolves
    nearly = library.topic("recovry time")  # close, but not a name: a "did you mean"
    assert nearly.topic == "recovery" or "recovery" in [s.id for s in nearly.suggestions]
    sentence = library.topic("what is the capital of France")
    assert sentence.kind is Kind.NOT_FOUND  # a sentence that merely contains a name is no typo
    miss = library.topic("zzzz qqqq")
    assert miss.kind is Kind.NOT_FOUND
    assert miss.topic is None
    assert [t.id for t in miss.topics] == [t.id for t in library.topics]
    assert miss.message and "topic" in miss.message.lower()
    near = library.topic("antibiotic stuf and things")
    assert near.kind in (Kind.TOPIC, Kind.NOT_FOUND)
    if near.kind is Kind.NOT_FOUND:
        assert "faq_antibiotics" in [t.id for t in near.suggestions]


def test_autocomplete(library: Library) -> None:
    assert [t.id for t in library.complete("")] == [t.id for t in library.topics][:25]
    assert library.complete("reco")[0].id == "recovery"
    assert library.complete("antibiotcs")[0].id == "faq_antibiotics"
    assert library.complete("side eff")[0].id == "risks"
    assert len(library.complete("a", limit=5)) <= 5


def test_related_topics_are_real_and_capped(library: Library) -> None:
    ids = {t.id for t in library.topics}
    for topic_id in ids:
        answer = library.topic(topic_id)
        assert 0 < len(answer.related) <= 3
        assert {t.id for t in answer.related} <= ids - {topic_id}
