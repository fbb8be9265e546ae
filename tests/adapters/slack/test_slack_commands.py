"""`/bloodpatch …` sent as signed form posts to the real Bolt app; answers read from the ack body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.adapters.slack.render import escape, mrkdwn
from bot.core import Kind, Library

pytestmark = pytest.mark.loopback


async def run_command(bolt: Any, kit: Any, text: str) -> dict[str, Any]:
    """Send `/bloodpatch text`, check the answer carried by the ack, return it."""
    body = await bolt.slack.answer(text)
    kit.check_message(body)
    return body


def section_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def context_texts(payload: dict[str, Any]) -> list[str]:
    return [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]


async def test_topic_answer_is_ephemeral_block_kit_with_sources_disclaimer_and_buttons(
    bolt: Any, kit: Any, library: Library
) -> None:
    expected = library.topic("recovery")
    body = await run_command(bolt, kit, "recovery")

    assert body["response_type"] == "ephemeral"
    assert kit.header(body) == expected.title
    assert expected.title in body["text"]  # the plain fallback
    sections = section_texts(body)
    assert len(sections) == len(expected.snippets)
    for section, snippet in zip(sections, expected.snippets, strict=True):
        assert section.startswith(mrkdwn(snippet.text))
        assert section.endswith(f"_[{expected.citation_number(snippet)}]_")
    contexts = "\n".join(context_texts(body))
    for source in expected.sources():
        assert f"<{source.url.replace('&', '&amp;')}|{escape(source.title)}>" in contexts
    assert mrkdwn(library.disclaimer) in contexts
    assert f"Reviewed {expected.reviewed.isoformat()}" in contexts

    labels = {b["action_id"]: b for b in kit.buttons(body)}
    assert json.loads(labels["bloodpatch:share"]["value"]) == {"t": "recovery", "a": "patient"}
    assert labels["bloodpatch:audience"]["text"]["text"] == "Clinician detail"
    related = [a.removeprefix("bloodpatch:topic:") for a in labels if a.startswith("bloodpatch:topic:")]
    assert related == [t.id for t in expected.related][:3]
    assert 1 <= len(related) <= 3


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("risks", "risks"),  # id
        ("side effects", "risks"),  # alias
        ("RECOVERY", "recovery"),  # case
        ("recovry", "recovery"),  # typo
        ("antibiotics", "faq_antibiotics"),  # short command name
        ("topic pain", "faq_pain"),  # explicit `topic`
        ("topic sde effects", "risks"),  # explicit `topic` with a typo
    ],
)
async def test_topic_by_id_alias_typo_or_command(bolt: Any, kit: Any, library: Library, text: str, topic: str) -> None:
    body = await run_command(bolt, kit, text)
    assert kit.header(body) == library.topic(topic).title
    share = next(b for b in kit.buttons(body) if b["action_id"] == "bloodpatch:share")
    assert json.loads(share["value"])["t"] == topic


async def test_ask_searches_and_echoes_the_question(bolt: Any, kit: Any, library: Library) -> None:
    question = "how soon can i drive after a blood patch"
    expected = library.answer(question)
    assert expected.kind is Kind.SEARCH
    body = await run_command(bolt, kit, f"ask {question}")
    assert kit.header(body) == expected.title
    assert f"You asked: {question}" in context_texts(body)


async def test_plain_question_without_ask_is_answered_too(bolt: Any, kit: Any, library: Library) -> None:
    question = "how long until I can lift my baby after a blood patch"
    body = await run_command(bolt, kit, question)
    assert kit.header(body) == library.answer(question).title


@pytest.mark.parametrize(
    "text",
    [
        "ask I have a fever and a stiff neck since my blood patch",
        "my headache is the worst of my life and now I can't see properly",
    ],
)
async def test_red_flag_puts_urgent_care_first_without_share_or_related(
    bolt: Any, kit: Any, library: Library, text: str
) -> None:
    expected = library.answer(text.removeprefix("ask "))
    assert expected.kind is Kind.RED_FLAG
    body = await run_command(bolt, kit, text)
    title, urgent = body["blocks"][:2]  # "Get urgent medical help now", then what to do
    assert title == {"type": "header", "text": {"type": "plain_text", "text": expected.title}}
    assert urgent["type"] == "section" and mrkdwn(expected.urgent) in urgent["text"]["text"]
    assert body["text"].startswith(escape(f"{expected.title}\n{expected.urgent}"))
    assert kit.buttons(body) == []
    assert any(mrkdwn(library.disclaimer) in t for t in context_texts(body))


async def test_unknown_topic_name_gets_not_found_with_the_valid_topics(bolt: Any, kit: Any, library: Library) -> None:
    expected = library.topic("zzqqxx")
    assert expected.kind is Kind.NOT_FOUND
    body = await run_command(bolt, kit, "topic zzqqxx")
    texts = "\n".join(section_texts(body))
    assert mrkdwn(expected.message) in texts
    assert all(f"`{t.command}`" in texts for t in library.topics)


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "--clinician"])
async def test_empty_text_or_help_lists_every_topic(bolt: Any, kit: Any, library: Library, text: str) -> None:
    body = await run_command(bolt, kit, text)
    assert kit.header(body) == "Blood patch help"
    topic_buttons = [b for b in kit.buttons(body) if b["action_id"].startswith("bloodpatch:topic:")]
    assert [b["action_id"].rsplit(":", 1)[1] for b in topic_buttons] == [t.id for t in library.topics]
    assert all(f"`{t.command}`" in "\n".join(section_texts(body)) for t in library.topics)


async def test_sources_lists_every_source(bolt: Any, kit: Any, library: Library) -> None:
    body = await run_command(bolt, kit, "sources")
    assert kit.header(body) == "Sources"
    texts = "\n".join(section_texts(body))
    for source in library.sources:
        assert escape(source.title) in texts


@pytest.mark.parametrize("text", ["--clinician recovery", "clinician recovery", "recovery --clinician"])
async def test_clinician_switch(bolt: Any, kit: Any, library: Library, text: str) -> None:
    expected = library.topic("recovery", audience="clinician")
    assert {s.audience for s in expected.snippets} == {"clinician"}
    body = await run_command(bolt, kit, text)
    sections = section_texts(body)
    assert [s.split(" _[")[0] for s in sections] == [mrkdwn(s.text) for s in expected.snippets]
    toggle = next(b for b in kit.buttons(body) if b["action_id"] == "bloodpatch:audience")
    assert toggle["text"]["text"] == "Patient view"
    assert json.loads(toggle["value"]) == {"t": "recovery", "a": "patient"}


@pytest.mark.parametrize(
    "text",
    [
        "ask <!channel> <!here> <@U123> <!subteam^S1> does it hurt & why?",
        "<!everyone> recovery <#C0001|general>",
        "ask <https://evil.example/|click me> *bold* `code`",
    ],
)
async def test_user_text_is_escaped_so_nobody_is_pinged(bolt: Any, kit: Any, text: str) -> None:
    body = await run_command(bolt, kit, text)
    everything = kit.all_text(body)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam", "<#C0001", "<https://evil"):
        assert raw not in everything
    if "<!channel>" in text:
        assert "&lt;!channel&gt;" in everything
    assert "link_names" not in body


async def test_over_long_input_is_answered_not_crashed(bolt: Any, kit: Any) -> None:
    body = await run_command(bolt, kit, "ask " + "why does my head hurt " * 400)
    assert body["response_type"] == "ephemeral"
    assert kit.header(body) == "Message too long"
