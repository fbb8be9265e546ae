"""Small talk, out of scope, bad input and other languages on Slack, with the real core.

Signed requests to the real Bolt app; replies read from the ack body.
What the core answers is asserted only as a precondition; how it looks on Slack, and that
its buttons work, is tested here.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from bot.adapters.slack import render
from bot.adapters.slack.render import mrkdwn, to_message
from bot.core import Answer, Kind, Library, TopicRef

OFF_TOPIC = "how do I patch a bike tyre"
OTHER_LANGUAGE = "¿Cuánto dura la recuperación después del parche hemático?"


async def run_command(bolt: Any, kit: Any, text: str, response: str = "cmd") -> dict[str, Any]:
    body = await bolt.slack.answer(text, response=response)
    kit.check_message(body)
    return body


def section_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def listed_commands(payload: dict[str, Any]) -> set[str]:
    """Topic names shown as `code` in the message's sections (the topic list)."""
    return set(re.findall(r"`([a-z0-9_\-]+)`", "\n".join(section_texts(payload))))


def every_topic_listed(payload: dict[str, Any], library: Library) -> bool:
    return {t.command for t in library.topics} <= listed_commands(payload)


def click(kit: Any, button: dict[str, Any], response_url: str) -> dict[str, Any]:
    payload = copy.deepcopy(kit.load_fixture("block_actions_ephemeral.json"))
    payload["actions"][0].update(action_id=button["action_id"], value=button["value"], text=button["text"])
    payload["response_url"] = response_url
    return payload


# -- small talk ---------------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize("text", ["ask hi", "hi", "ask thanks", "ok", "bye"])
async def test_small_talk_gets_a_short_friendly_reply_and_nothing_else(
    bolt: Any, kit: Any, library: Library, text: str
) -> None:
    said = text.removeprefix("ask ")
    expected = library.answer(said)
    assert expected.kind is Kind.SMALL_TALK

    body = await run_command(bolt, kit, text)

    assert body["response_type"] == "ephemeral"
    assert kit.header(body) == expected.title
    (reply,) = section_texts(body)
    assert reply.startswith(mrkdwn(expected.message.split(" type help")[0]))
    assert kit.buttons(body) == []  # no share, audience or topic buttons
    assert listed_commands(body) == set()  # no topic list
    everything = kit.all_text(body)
    assert "You asked" not in everything and "Did you mean" not in everything
    assert mrkdwn(library.disclaimer) in everything


@pytest.mark.loopback
async def test_small_talk_in_a_dm_is_answered_the_same_way(bolt: Any, kit: Any, library: Library) -> None:
    data = copy.deepcopy(kit.load_fixture("event_message_im.json"))
    data["event"]["text"] = "thanks"
    await bolt.slack.event(data)
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(call.body)
    assert kit.header(call.body) == library.answer("thanks").title
    assert kit.buttons(call.body) == []


def test_small_talk_points_to_the_slash_command() -> None:
    answer = Answer(
        question="ok",
        kind=Kind.SMALL_TALK,
        audience="patient",
        title="Got it",
        disclaimer="d",
        message="Ask again whenever you like, or type help for the topics.",
    )
    message = to_message(answer, shareable=True, show_question=True)
    (reply,) = section_texts(message.as_kwargs())
    assert reply == "Ask again whenever you like, or type `/bloodpatch help` for the topics."
    assert "type `/bloodpatch help`" in message.text


# -- out of scope ---------------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize(("prefix", "audience"), [("", "patient"), ("--clinician ", "clinician")])
async def test_out_of_scope_offers_exactly_three_topic_buttons_and_no_full_list(
    bolt: Any, kit: Any, library: Library, prefix: str, audience: str
) -> None:
    expected = library.answer(OFF_TOPIC, audience=audience)
    assert expected.kind is Kind.OUT_OF_SCOPE
    assert len(expected.suggestions) == 3

    body = await run_command(bolt, kit, f"{prefix}ask {OFF_TOPIC}")

    assert kit.header(body) == expected.title
    buttons = kit.buttons(body)
    assert [b["action_id"] for b in buttons] == [f"bloodpatch:topic:{t.id}" for t in expected.suggestions]
    assert [json.loads(b["value"]) for b in buttons] == [{"t": t.id, "a": audience} for t in expected.suggestions]
    assert [b["text"]["text"] for b in buttons] == [t.title for t in expected.suggestions]
    texts = "\n".join(section_texts(body))
    assert not every_topic_listed(body, library)
    assert "Topics I can answer" not in texts
    assert "`/bloodpatch help`" in texts
    assert f"You asked: {OFF_TOPIC}" in kit.all_text(body)


@pytest.mark.loopback
@pytest.mark.parametrize("audience", ["patient", "clinician"])
async def test_pressing_an_out_of_scope_suggestion_opens_that_topic(
    bolt: Any, kit: Any, library: Library, audience: str
) -> None:
    expected = library.answer(OFF_TOPIC, audience=audience)
    body = await run_command(bolt, kit, f"ask {OFF_TOPIC} --{audience}")
    pressed = kit.buttons(body)[1]  # the second suggestion, exactly as rendered
    topic_id = expected.suggestions[1].id

    reply = await bolt.slack.action(click(kit, pressed, bolt.standin.response_url("pressed")))
    assert reply.status == 200
    (call,) = await bolt.standin.wait_for("/response/pressed")

    kit.check_message(call.body)
    topic = library.topic(topic_id, audience=audience)
    assert call.body["replace_original"] is True  # our private reply becomes the topic
    assert kit.header(call.body) == topic.title
    snippets = [t.split(" _[")[0] for t in section_texts(call.body)]
    assert snippets == [mrkdwn(s.text) for s in topic.snippets]
    share = next(b for b in kit.buttons(call.body) if b["action_id"] == "bloodpatch:share")
    assert json.loads(share["value"]) == {"t": topic_id, "a": audience}


# -- not found: a bad topic name still lists every topic; bad input gets its own title -------------


@pytest.mark.loopback
@pytest.mark.parametrize("name", ["xyz", "zzqqxx"])
async def test_unknown_topic_name_still_lists_every_valid_topic(
    bolt: Any, kit: Any, library: Library, name: str
) -> None:
    expected = library.topic(name)
    assert expected.kind is Kind.NOT_FOUND and expected.error is None

    body = await run_command(bolt, kit, f"topic {name}")

    assert kit.header(body) == expected.title
    assert every_topic_listed(body, library)


@pytest.mark.loopback
@pytest.mark.parametrize("text", ["ask", "--clinician ask"])
async def test_empty_ask_is_asked_for_a_question(bolt: Any, kit: Any, library: Library, text: str) -> None:
    expected = library.answer("")
    assert (expected.kind, expected.error) == (Kind.NOT_FOUND, "empty_question")

    body = await run_command(bolt, kit, text)

    assert kit.header(body) == "Ask me a question" == expected.title
    (reply,) = section_texts(body)
    assert reply.startswith(mrkdwn(expected.message.split(" type help")[0]))
    assert "`/bloodpatch help`" in reply
    assert kit.buttons(body) == []
    assert "You asked" not in kit.all_text(body)


@pytest.mark.loopback
async def test_over_long_ask_is_told_it_is_too_long(bolt: Any, kit: Any, library: Library) -> None:
    question = "my head hurts when i stand up after the epidural and i wonder " * 40  # ~2,500 characters
    expected = library.answer(question.strip())
    assert (expected.kind, expected.error) == (Kind.NOT_FOUND, "question_too_long")

    body = await run_command(bolt, kit, f"ask {question}")

    assert kit.header(body) == "Message too long" == expected.title
    texts = section_texts(body)
    assert texts == [mrkdwn(expected.message)]
    assert f"{len(question.strip()):,} characters" in texts[0]  # the real length, not a trimmed one
    assert kit.buttons(body) == []
    assert listed_commands(body) == set()


# -- another language -----------------------------------------------------------------------------


@pytest.mark.loopback
async def test_other_language_gets_its_reply_and_no_topic_list(bolt: Any, kit: Any, library: Library) -> None:
    expected = library.answer(OTHER_LANGUAGE)
    assert (expected.kind, expected.error) == (Kind.OUT_OF_SCOPE, "unsupported_language")

    body = await run_command(bolt, kit, f"ask {OTHER_LANGUAGE}")

    assert kit.header(body) == expected.title
    assert mrkdwn(expected.message) in section_texts(body)
    assert not every_topic_listed(body, library)
    ids = [b["action_id"] for b in kit.buttons(body)]
    assert ids == [f"bloodpatch:topic:{t.id}" for t in expected.suggestions][:3]


# -- the renderer on its own ----------------------------------------------------------------------


def ref(n: int) -> TopicRef:
    return TopicRef(f"topic_{n}", f"Topic {n}", f"t{n}")


def miss(kind: Kind, **overrides: Any) -> Answer:
    fields: dict[str, Any] = {
        "question": "<!channel> patch a bike tyre",
        "kind": kind,
        "audience": "patient",
        "title": "Outside what I can help with",
        "disclaimer": "Not advice.",
        "message": "The closest topics I have are below; type help to see them all.",
        "suggestions": tuple(ref(n) for n in range(5)),
        "topics": tuple(ref(n) for n in range(15)),
    }
    fields.update(overrides)
    return Answer(**fields)


def test_out_of_scope_caps_buttons_at_three_and_points_to_help_once(kit: Any) -> None:
    payload = to_message(miss(Kind.OUT_OF_SCOPE), shareable=True, show_question=True).as_kwargs()
    kit.check_message(payload)
    assert [b["action_id"] for b in kit.buttons(payload)] == [f"bloodpatch:topic:topic_{n}" for n in range(3)]
    texts = "\n".join(section_texts(payload))
    assert texts.count("/bloodpatch help") == 1
    assert "Did you mean" not in kit.all_text(payload)
    assert payload["text"].splitlines()[2] == "Closest topics: t0, t1, t2"


def test_out_of_scope_without_the_help_wording_gets_the_hint_line(kit: Any) -> None:
    payload = to_message(miss(Kind.OUT_OF_SCOPE, message="Not mine.", suggestions=())).as_kwargs()
    kit.check_message(payload)
    assert section_texts(payload) == ["Not mine.", render._HELP_HINT]
    assert not any(b["type"] == "actions" for b in payload["blocks"])


@pytest.mark.parametrize("error", ["empty_question", "question_too_long"])
def test_unusable_input_gets_just_the_reply(kit: Any, error: str) -> None:
    payload = to_message(miss(Kind.NOT_FOUND, error=error, message="Too long.")).as_kwargs()
    kit.check_message(payload)
    assert section_texts(payload) == ["Too long."]
    assert kit.buttons(payload) == []
    bad_name = to_message(miss(Kind.NOT_FOUND, message="No such topic.")).as_kwargs()
    assert "*Topics I can answer:*" in "\n".join(section_texts(bad_name))
