"""`/bloodpatch` through discord.py's real dispatch, on loopback: what the bot sends back."""

from __future__ import annotations

import json
import re
import time

import discord
import pytest

from bot.adapters.discord import DiscordSettings, create_client, render
from bot.adapters.discord.cog import (
    COOLDOWN_TEXT,
    ERROR_TEXT,
    FIXED_NAMES,
    FUTURE_NAMES,
    QUESTION_MAX,
    STALE_TEXT,
    plan_topic_commands,
)
from bot.core import MAX_QUESTION_CHARS, Kind, load_library
from bot.core.requestlog import pseudonym
from tests.waiting import wait_for_log

pytestmark = pytest.mark.loopback

TOPICS = load_library().topics  # the real content
SUBCOMMANDS = plan_topic_commands(TOPICS)  # one test per topic subcommand
EPHEMERAL = 64
RED = discord.Colour.red().value
CHANNEL_MESSAGE = 4
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
CUSTOM_ID = re.compile(
    r"bloodpatch:(aud|share|topic):(patient|clinician):[a-z0-9_\-]+(:today)?"
    r"|bp:fb:(helpful|unhelpful|not_asked):[a-z][a-z0-9_]*:(patient|clinician)"  # feedback (quiz cog)
)


def embeds_of(recorded) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e) for e in recorded.data.get("embeds", [])]


def assert_well_formed(recorded) -> None:
    """What every message the bot sends must satisfy."""
    data = recorded.data
    assert data["allowed_mentions"] == {"parse": []}
    assert render.check_limits(embeds_of(recorded), data.get("content")) == []
    for custom_id in recorded.custom_ids():
        assert len(custom_id) <= 100
        assert CUSTOM_ID.fullmatch(custom_id), custom_id
    for button in recorded.buttons():
        assert 1 <= len(button["label"]) <= 80


def test_create_client_registers_the_group_without_a_token(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    client = create_client()
    (group,) = client.tree.get_commands()
    assert group.name == "bloodpatch"
    names = {c.name for c in group.commands}
    assert names == set(FIXED_NAMES) | set(FUTURE_NAMES) | {t.command for t in SUBCOMMANDS}
    assert {"risks", "recovery"} <= names
    assert len(group.commands) <= 25
    by_name = {c.name: c for c in group.commands}
    assert all(not by_name[t.command].parameters for t in SUBCOMMANDS)  # audience and sharing are buttons


def usage(topic, exposed) -> str:
    """How a topic list names a topic: its own subcommand, or `topic name:` for the rest."""
    return f"`/bloodpatch {topic.command}`" if topic.command in exposed else f"`/bloodpatch topic name:{topic.id}`"


def test_help_embeds_fit_discord(library):
    rendered = render.render_help(library.topics, library.disclaimer)
    assert render.check_limits(rendered.embeds) == []


@pytest.mark.parametrize("topic", SUBCOMMANDS, ids=[t.command for t in SUBCOMMANDS])
async def test_every_topic_subcommand_answers_privately_with_sources_and_buttons(loopback, library, topic):
    callback = await loopback.command(topic.command)

    assert callback.callback_type == CHANNEL_MESSAGE
    assert callback.query == {"with_response": "1"}
    data = callback.data
    assert data["flags"] == EPHEMERAL
    assert_well_formed(callback)
    (embed,) = data["embeds"]
    assert embed["title"] == topic.title
    assert "[1]" in embed["description"]
    sources = next(f for f in embed["fields"] if f["name"] == "Sources")
    assert "](https://" in sources["value"]
    assert library.disclaimer in embed["footer"]["text"]
    assert "Patient view" in embed["footer"]["text"]
    ids = callback.custom_ids()
    assert ids[:2] == [f"bloodpatch:aud:clinician:{topic.id}", f"bloodpatch:share:patient:{topic.id}"]
    expected_related = [r.id for r in library.topic(topic.id).related][:3]
    assert ids[2:-3] == [f"bloodpatch:topic:patient:{r}" for r in expected_related]
    assert ids[-3:] == [f"bp:fb:{kind}:{topic.id}:patient" for kind in ("helpful", "unhelpful", "not_asked")]


async def test_topics_without_a_subcommand_answer_through_topic(loopback, library):
    for ref in library.topics:
        callback = await loopback.command("topic", name=ref.id)
        assert callback.data["embeds"][0]["title"] == ref.title
        assert callback.custom_ids()[:2] == [f"bloodpatch:aud:clinician:{ref.id}", f"bloodpatch:share:patient:{ref.id}"]


async def test_options_of_an_older_registration_are_ignored(loopback, library):
    """Until `sync` runs, Discord may still send `/bloodpatch risks audience:… public:…`: answered as today."""
    callback = await loopback.command("risks", audience="clinician", public=True)

    assert callback.data["flags"] == EPHEMERAL
    assert "Patient view" in callback.data["embeds"][0]["footer"]["text"]
    assert "bloodpatch:aud:clinician:risks" in callback.custom_ids()


async def test_public_clinician_topic_has_no_share_button(loopback, library):
    callback = await loopback.command("topic", name="recovery", audience="clinician", public=True)

    data = callback.data
    assert not (data.get("flags") or 0) & EPHEMERAL
    assert_well_formed(callback)
    assert "Clinician detail" in data["embeds"][0]["footer"]["text"]
    expected = library.topic("recovery", audience="clinician")
    assert data["embeds"][0]["description"].startswith(expected.snippets[0].text.strip()[:40])
    ids = callback.custom_ids()
    assert ids[0] == "bloodpatch:aud:patient:recovery"
    assert not any(i.startswith("bloodpatch:share:") for i in ids)


async def test_command_works_in_a_dm(loopback):
    callback = await loopback.command("ask", dm=True, question="does a blood patch hurt")

    assert callback.data["flags"] == EPHEMERAL
    assert callback.data["embeds"][0]["title"] == loopback.library.topic("faq_pain").title


@pytest.mark.parametrize(
    "question",
    ["how long does recovry take after a blod patch", "wat are the risks of a blood ptach", "can i get antibiotcs"],
)
async def test_ask_with_typos_answers_what_the_core_found(loopback, library, question):
    expected = library.answer(question)  # which topic wins is the core's business (and its tests')
    assert expected.kind in (Kind.SEARCH, Kind.TOPIC)

    callback = await loopback.command("ask", question=question)

    assert_well_formed(callback)
    embed = callback.data["embeds"][0]
    assert embed["title"] == expected.title
    assert embed["author"]["name"] == f"You asked: “{question}”"
    assert f"bloodpatch:aud:clinician:{expected.topic}" in callback.custom_ids()


async def test_red_flag_ask_is_red_urgent_first_and_has_no_buttons(loopback, library):
    question = "I have a stiff neck and a fever after my epidural"
    expected = library.answer(question)
    assert expected.kind is Kind.RED_FLAG

    callback = await loopback.command("ask", question=question, public=True)

    data = callback.data
    assert_well_formed(callback)
    first_line = expected.urgent.strip().splitlines()[0]
    assert data["content"].startswith(f"**{first_line}**")  # content renders above the embed
    assert data["embeds"][0]["color"] == RED
    assert data["embeds"][0]["title"] == expected.title
    assert not data.get("components")


async def test_ask_takes_a_question_as_long_as_the_core_does(loopback, library):
    assert QUESTION_MAX == MAX_QUESTION_CHARS == 2000  # Discord allows up to 6,000 in a string option
    question = ("my headache is worse when I sit up after the epidural, " * 40)[:1900]
    expected = library.answer(question)
    assert expected.error is None  # not refused as too long

    callback = await loopback.command("ask", question=question)

    assert callback.data["embeds"][0]["title"] == expected.title
    (group,) = loopback.client.tree.get_commands()
    ask = next(o for o in group.to_dict(loopback.client.tree)["options"] if o["name"] == "ask")
    option = next(o for o in ask["options"] if o["name"] == "question")
    assert (option["min_length"], option["max_length"]) == (1, MAX_QUESTION_CHARS)


async def test_question_is_never_echoed_raw(loopback):
    hostile = "@everyone <@140000000000000000> **loud**\n# heading \u202etxet [x](https://evil.example) risks"

    callback = await loopback.command("ask", question=hostile)

    sent = json.dumps(callback.json, ensure_ascii=False)
    assert callback.data["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in sent
    assert "<@140000000000000000>" not in sent
    assert "\u202e" not in sent
    assert hostile not in sent
    author = callback.data["embeds"][0]["author"]["name"]
    assert "\n" not in author
    assert len(author) <= 256


async def test_topic_by_name_forgives_typos(loopback, library):
    callback = await loopback.command("topic", name="antibiotcs")

    assert callback.data["embeds"][0]["title"] == library.topic("faq_antibiotics").title


async def test_unknown_topic_lists_valid_topics_and_suggestions(loopback, library):
    callback = await loopback.command("topic", name="qqzzxx")

    assert_well_formed(callback)
    data = callback.data
    assert data["flags"] == EPHEMERAL
    embed = data["embeds"][0]
    expected = library.topic("qqzzxx")
    assert expected.kind is Kind.NOT_FOUND
    assert embed["description"].startswith(expected.message)
    listed = "\n".join(f["value"] for f in embed["fields"])
    exposed = loopback.client.bloodpatch_cog.exposed
    for topic in library.topics:
        assert usage(topic, exposed) in listed


async def test_sources_and_help_commands(loopback, library):
    first = await loopback.command("sources")
    pages = [first]
    expected_pages = len(render.render_sources(library.sources, library.disclaimer))
    for n in range(2, expected_pages + 1):
        pages.append(await loopback.followup(first, count=n - 1))
    text = ""
    for page in pages:
        assert_well_formed(page)
        assert page.data["flags"] == EPHEMERAL
        text += "\n".join(e.get("description", "") for e in page.data["embeds"])
    assert all(s.url.replace("(", "%28").replace(")", "%29") in text for s in library.sources)

    help_ = await loopback.command("help", public=True)
    assert_well_formed(help_)
    listed = "\n".join(f["value"] for e in help_.data["embeds"] for f in e.get("fields", []))
    exposed = loopback.client.bloodpatch_cog.exposed
    assert all(usage(t, exposed) in listed for t in library.topics)
    intro = help_.data["embeds"][0]["description"]
    assert "Clinician detail" in intro and "Share in channel" in intro


@pytest.mark.parametrize("typed", ["recvery", "antibio", "", "hurt"])
async def test_autocomplete_is_typo_tolerant_capped_and_fast(loopback, library, typed):
    started = time.monotonic()
    callback = await loopback.autocomplete(typed)
    elapsed = time.monotonic() - started

    assert callback.callback_type == AUTOCOMPLETE_RESULT
    choices = callback.json["data"]["choices"]
    assert 1 <= len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100
        assert choice["value"] in {t.id for t in library.topics}
    assert elapsed < 1.0  # Discord allows 3 s
    assert [c["value"] for c in choices] == [t.id for t in library.complete(typed, limit=25)]
    if typed == "recvery":
        assert "recovery" in [c["value"] for c in choices]  # the typo is forgiven
    if not typed:
        assert [c["value"] for c in choices] == [t.id for t in library.topics][:25]


async def test_autocomplete_does_not_use_up_the_cooldown(make_loopback):
    loopback = await make_loopback(DiscordSettings(cooldown_uses=1, cooldown_seconds=60))
    for typed in ("re", "rec", "reco"):
        await loopback.autocomplete(typed)

    callback = await loopback.command("risks")
    assert callback.data.get("embeds")


async def test_cooldown_replies_with_the_wait(make_loopback):
    loopback = await make_loopback(DiscordSettings(cooldown_uses=2, cooldown_seconds=60))
    await loopback.command("risks")  # a topic subcommand (built from content)
    await loopback.command("ask", question="does it hurt")  # a fixed subcommand: same bucket

    blocked = await loopback.command("recovery")
    other_user = await loopback.command("recovery", user_id=1400000000000000077)

    assert blocked.callback_type == CHANNEL_MESSAGE
    assert blocked.data["flags"] == EPHEMERAL
    seconds = int(re.search(r"in (\d+) s", blocked.data["content"]).group(1))
    assert 1 <= seconds <= 60
    assert blocked.data["content"] == COOLDOWN_TEXT.format(seconds=seconds)
    assert not blocked.data.get("embeds")
    assert other_user.data["embeds"][0]["title"] == loopback.library.topic("recovery").title


async def test_stale_subcommand_gets_a_clear_message(loopback):
    callback = await loopback.command("a_topic_that_was_removed")

    assert callback.data["content"] == STALE_TEXT
    assert callback.data["flags"] == EPHEMERAL


# -- the fake API misbehaving -------------------------------------------------------------

CALLBACK = r"/interactions/\d+/[^/]+/callback"


async def test_429_on_the_callback_is_retried_after_retry_after(loopback, discord_api):
    discord_api.fail(
        "POST",
        CALLBACK,
        429,
        body={"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
        headers={
            "Via": "1.1 google",
            "Retry-After": "1",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": "0.05",
            "X-RateLimit-Scope": "user",
        },
    )

    callback = await loopback.command("risks")

    attempts = discord_api.calls("POST", CALLBACK)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].json == attempts[1].json
    assert callback.data["embeds"][0]["title"] == loopback.library.topic("risks").title


async def test_500_once_is_retried(loopback, discord_api):
    discord_api.fail("POST", CALLBACK, 500)

    callback = await loopback.command("risks")  # discord.py waits 1 s before the retry

    assert [a.status for a in discord_api.calls("POST", CALLBACK)] == [500, 200]
    assert callback.data["embeds"][0]["title"] == loopback.library.topic("risks").title


async def test_persistent_500_is_logged_and_the_bot_keeps_working(loopback, discord_api, no_webhook_backoff, caplog):
    discord_api.fail("POST", CALLBACK, 500, times=10)  # the command's five tries and the notice's five

    payload = loopback.command_payload("risks")
    loopback.inject(payload)
    await discord_api.wait_for(loopback.calls_for(payload), count=10)
    await wait_for_log(caplog, "could not tell the user")

    failed = next(r for r in caplog.records if "interaction failed" in r.getMessage())
    assert failed.levelname == "ERROR"
    assert failed.exc_info is not None
    user_id = payload["member"]["user"]["id"]
    assert "risks" in failed.getMessage() and f"user={pseudonym(user_id)}" in failed.getMessage()
    assert str(user_id) not in failed.getMessage()  # ids are hashed in logs, never in clear

    after = await loopback.command("pain")
    assert after.data["embeds"][0]["title"] == loopback.library.topic("faq_pain").title


async def test_non_retryable_failure_gets_the_short_error_message(loopback, discord_api, caplog):
    discord_api.fail("POST", CALLBACK, 400, body={"message": "Invalid Form Body", "code": 50035})

    payload = loopback.command_payload("risks")
    loopback.inject(payload)
    notice = await discord_api.wait_for(loopback.calls_for(payload), count=2)

    assert notice.status == 200
    assert notice.data["content"] == ERROR_TEXT
    assert notice.data["flags"] == EPHEMERAL
    assert notice.data["allowed_mentions"] == {"parse": []}
    assert any("interaction failed" in r.getMessage() for r in caplog.records)


async def test_expired_interaction_404_is_a_clean_error(loopback, discord_api, caplog):
    discord_api.fail("POST", CALLBACK, 404, body={"message": "Unknown interaction", "code": 10062}, times=2)

    payload = loopback.command_payload("risks")
    loopback.inject(payload)
    await discord_api.wait_for(loopback.calls_for(payload), count=2)
    await wait_for_log(caplog, "could not tell the user")

    after = await loopback.command("pain")
    assert after.data["embeds"]
