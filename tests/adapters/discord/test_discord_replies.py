"""Small talk, out of scope, bad input and other languages on Discord, with the real core.

End to end through discord.py's real interaction dispatch against the loopback stand-in API:
what the core answers is its own business (asserted only as a precondition); how it looks
on Discord, and that its buttons work, is tested here.
"""

from __future__ import annotations

import json
import re

import discord
import pytest

from bot.adapters.discord import render, views
from bot.adapters.discord.cog import plan_topic_commands
from bot.core import Answer, Kind, Library, TopicRef

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
TOPIC_BUTTON = re.compile(r"bloodpatch:topic:(patient|clinician):([a-z0-9_\-]+)")
OFF_TOPIC = "how do I patch a bike tyre"
OTHER_LANGUAGE = "¿Cuánto dura la recuperación después del parche hemático?"


def assert_well_formed(recorded) -> None:
    data = recorded.data
    assert data["allowed_mentions"] == {"parse": []}
    embeds = [discord.Embed.from_dict(e) for e in data.get("embeds", [])]
    assert render.check_limits(embeds, data.get("content")) == []
    for button in recorded.buttons():
        assert 1 <= len(button["label"]) <= 80 and len(button["custom_id"]) <= 100


def listed_commands(embed: dict) -> set[str]:
    """Every `/bloodpatch <name>` the embed's fields name."""
    text = "\n".join(f["value"] for f in embed.get("fields", []))
    return set(re.findall(r"`/bloodpatch ([^`]+)`", text))


def all_commands_listed(embed: dict, library: Library) -> bool:
    """Every topic is named by a command that works: its subcommand, or `topic name:<id>`."""
    exposed = {t.command for t in plan_topic_commands(library.topics)}
    usages = {t.command if t.command in exposed else f"topic name:{t.id}" for t in library.topics}
    return usages <= listed_commands(embed)


# -- small talk ---------------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize("said", ["hi", "thanks", "ok", "bye"])
async def test_small_talk_gets_a_short_friendly_reply_and_nothing_else(loopback, library: Library, said: str):
    expected = library.answer(said)
    assert expected.kind is Kind.SMALL_TALK

    callback = await loopback.command("ask", question=said)

    assert_well_formed(callback)
    data = callback.data
    assert data["flags"] == EPHEMERAL
    assert "content" not in data or not data["content"]
    (embed,) = data["embeds"]
    assert embed["title"] == expected.title
    assert embed["description"].startswith(expected.message.split(" type help")[0].strip())
    assert "author" not in embed  # the user's words are not read back
    assert "fields" not in embed or embed["fields"] == []  # no topic list, no "Did you mean"
    assert not data.get("components")  # no share, audience or topic buttons
    assert expected.disclaimer in embed["footer"]["text"]
    assert "Patient view" not in embed["footer"]["text"]


@pytest.mark.loopback
async def test_small_talk_points_to_the_slash_command_not_a_bare_help(loopback, library: Library):
    expected = library.answer("hi")
    assert "type help" in expected.message  # the core's wording, meant for the terminal

    callback = await loopback.command("ask", question="hi")

    description = callback.data["embeds"][0]["description"]
    assert "type `/bloodpatch help`" in description
    assert "type help" not in description


# -- out of scope ---------------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize("audience", ["patient", "clinician"])
async def test_out_of_scope_offers_exactly_the_three_closest_topics_as_buttons(
    loopback, library: Library, audience: str
):
    expected = library.answer(OFF_TOPIC, audience=audience)
    assert expected.kind is Kind.OUT_OF_SCOPE
    assert len(expected.suggestions) == 3

    callback = await loopback.command("ask", question=OFF_TOPIC, audience=audience)

    assert_well_formed(callback)
    data = callback.data
    (embed,) = data["embeds"]
    assert embed["title"] == expected.title
    assert embed["author"]["name"] == f"You asked: “{OFF_TOPIC}”"
    assert "`/bloodpatch help`" in embed["description"]
    assert not any(f["name"].startswith("Topics") for f in embed.get("fields", []))
    assert not all_commands_listed(embed, library)  # the full list is gone
    assert callback.custom_ids() == [f"bloodpatch:topic:{audience}:{t.id}" for t in expected.suggestions]
    assert [b["label"] for b in callback.buttons()] == [t.title for t in expected.suggestions]


@pytest.mark.loopback
@pytest.mark.parametrize("audience", ["patient", "clinician"])
async def test_pressing_an_out_of_scope_suggestion_opens_that_topic(loopback, library: Library, audience: str):
    expected = library.answer(OFF_TOPIC, audience=audience)
    answer = await loopback.command("ask", question=OFF_TOPIC, audience=audience)
    pressed = answer.custom_ids()[-1]  # the third suggestion, as rendered
    topic_id = TOPIC_BUTTON.fullmatch(pressed).group(2)
    assert topic_id == expected.suggestions[-1].id

    opened = await loopback.click(answer.message, pressed)

    assert_well_formed(opened)
    topic = library.topic(topic_id, audience=audience)
    assert opened.callback_type == CHANNEL_MESSAGE
    assert opened.data["flags"] == EPHEMERAL
    embed = opened.data["embeds"][0]
    assert embed["title"] == topic.title
    assert embed["description"].startswith(topic.snippets[0].text.strip()[:40])
    label = "Clinician detail" if audience == "clinician" else "Patient view"
    assert label in embed["footer"]["text"]
    assert f"bloodpatch:share:{audience}:{topic_id}" in opened.custom_ids()


# -- not found: a bad topic name still lists every topic; bad input gets its own title -------------


@pytest.mark.loopback
@pytest.mark.parametrize("name", ["xyz", "qqzzxx"])
async def test_unknown_topic_name_still_lists_every_valid_topic(loopback, library: Library, name: str):
    expected = library.topic(name)
    assert expected.kind is Kind.NOT_FOUND and expected.error is None

    callback = await loopback.command("topic", name=name)

    assert_well_formed(callback)
    embed = callback.data["embeds"][0]
    assert embed["title"] == expected.title
    assert all_commands_listed(embed, library)


@pytest.mark.loopback
@pytest.mark.parametrize("question", ["", "   \n "])
async def test_empty_ask_is_asked_for_a_question(loopback, library: Library, question: str):
    expected = library.answer(question)
    assert (expected.kind, expected.error) == (Kind.NOT_FOUND, "empty_question")

    callback = await loopback.command("ask", question=question)

    assert_well_formed(callback)
    (embed,) = callback.data["embeds"]
    assert embed["title"] == "Ask me a question" == expected.title
    assert embed["description"].startswith(expected.message.split(" type help")[0].strip())
    assert "`/bloodpatch help`" in embed["description"]
    assert "author" not in embed  # nothing to echo
    assert listed_commands(embed) == set()  # no topic list
    assert not callback.data.get("components")


@pytest.mark.loopback
async def test_over_long_ask_is_told_it_is_too_long(loopback, library: Library):
    question = "my head hurts when i stand up after the epidural and i wonder " * 40  # ~2,500 characters
    expected = library.answer(question)
    assert (expected.kind, expected.error) == (Kind.NOT_FOUND, "question_too_long")

    callback = await loopback.command("ask", question=question)

    assert_well_formed(callback)
    (embed,) = callback.data["embeds"]
    assert embed["title"] == "Message too long" == expected.title
    assert embed["description"] == expected.message.strip()
    assert f"{len(question.strip()):,} characters" in embed["description"]
    assert render.dlen(embed["author"]["name"]) <= render.AUTHOR_MAX  # echoed, bounded
    assert listed_commands(embed) == set()
    assert not callback.data.get("components")


# -- another language -----------------------------------------------------------------------------


@pytest.mark.loopback
async def test_other_language_gets_its_reply_and_no_topic_list(loopback, library: Library):
    expected = library.answer(OTHER_LANGUAGE)
    assert (expected.kind, expected.error) == (Kind.OUT_OF_SCOPE, "unsupported_language")

    callback = await loopback.command("ask", question=OTHER_LANGUAGE)

    assert_well_formed(callback)
    (embed,) = callback.data["embeds"]
    assert embed["title"] == expected.title
    assert embed["description"].startswith(expected.message.strip())
    assert not all_commands_listed(embed, library)
    ids = callback.custom_ids()
    assert ids == [f"bloodpatch:topic:patient:{t.id}" for t in expected.suggestions][:3]


# -- the pure parts ---------------------------------------------------------------------------------


def ref(topic_id: str) -> TopicRef:
    return TopicRef(topic_id, topic_id.replace("_", " ").title(), topic_id)


TOPICS = tuple(ref(t) for t in ("overview", "risks", "recovery", "repeat", "faq_pain"))


def miss(kind: Kind, **overrides) -> Answer:
    fields = {
        "question": "@everyone how do I patch a bike tyre",
        "kind": kind,
        "audience": "patient",
        "title": "Outside what I can help with",
        "disclaimer": "General information only.",
        "message": "The closest topics I have are below; type help to see them all.",
        "suggestions": TOPICS[:3],
        "topics": TOPICS,
    }
    fields.update(overrides)
    return Answer(**fields)


def test_out_of_scope_render_has_no_fields_and_points_to_help_once():
    rendered = render.render_answer(miss(Kind.OUT_OF_SCOPE))

    (embed,) = rendered.embeds
    assert embed.fields == []
    assert embed.description == "The closest topics I have are below; type `/bloodpatch help` to see them all."
    assert "@\u200beveryone" in embed.author.name


def test_out_of_scope_without_the_help_wording_still_points_to_help():
    rendered = render.render_answer(miss(Kind.OUT_OF_SCOPE, message="Not something I know about."))
    assert rendered.embeds[0].description == f"Not something I know about.\n\n{render.HELP_POINTER}"
    bare = render.render_answer(miss(Kind.OUT_OF_SCOPE, message=None))
    assert bare.embeds[0].description == render.HELP_POINTER


@pytest.mark.parametrize("error", ["empty_question", "question_too_long"])
def test_unusable_input_gets_no_topic_list(error: str):
    rendered = render.render_answer(miss(Kind.NOT_FOUND, error=error, suggestions=(), title="t"))
    assert rendered.embeds[0].fields == []
    with_list = render.render_answer(miss(Kind.NOT_FOUND, suggestions=()))
    assert [f.name for f in with_list.embeds[0].fields] == ["Topics"]


def test_small_talk_never_shows_suggestions_or_topics_even_if_given():
    rendered = render.render_answer(miss(Kind.SMALL_TALK, title="Hello", message="Hi! Ask me anything."))
    (embed,) = rendered.embeds
    assert (embed.title, embed.description, embed.fields, embed.author.name) == (
        "Hello",
        "Hi! Ask me anything.",
        [],
        None,
    )
    assert embed.colour == render.INFO_COLOUR
    assert "bike" not in json.dumps(embed.to_dict())


async def test_small_talk_has_no_view_and_out_of_scope_three_topic_buttons():
    assert views.build_view(miss(Kind.SMALL_TALK), ephemeral=True) is None
    many = miss(Kind.OUT_OF_SCOPE, suggestions=TOPICS, audience="clinician")
    view = views.build_view(many, ephemeral=True)
    assert [item.item.custom_id for item in view.children] == [f"bloodpatch:topic:clinician:{t.id}" for t in TOPICS[:3]]
    language = miss(Kind.OUT_OF_SCOPE, suggestions=(), error="unsupported_language")
    assert views.build_view(language, ephemeral=True) is None
