"""The answer rides in the ack: in time it is the HTTP response (or the Socket Mode ack); when the core
is slow, an empty ack goes out in time and the answer follows at the response_url. Rendered answers
are kept until the content is reloaded.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.adapters.slack import SlackSettings, create_app
from bot.adapters.slack.render import mrkdwn
from bot.adapters.slack.replies import Replies
from bot.core import Library, load_library

pytestmark = pytest.mark.loopback

QUESTION = "how soon can i drive after a blood patch"


class SlowLibrary:
    """The real Library, except that every free-text answer takes `delay` seconds longer."""

    def __init__(self, library: Library, delay: float) -> None:
        self._library = library
        self.delay = delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self._library, name)

    def answer(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self.delay)
        return self._library.answer(*args, **kwargs)


async def nothing_posted_to(bolt: Any, path: str, settle: float = 0.3) -> bool:
    await asyncio.sleep(settle)  # time for a (wrong) late post to arrive
    return bolt.standin.calls_to(path) == []


async def test_topic_answer_is_the_ack_body_and_nothing_else_is_posted(bolt: Any, kit: Any, library: Library) -> None:
    reply = await bolt.slack.command("recovery")

    assert reply.status == 200
    answer = json.loads(reply.text)
    kit.check_message(answer)
    assert answer["response_type"] == "ephemeral"  # only the asker sees it
    assert kit.header(answer) == library.topic("recovery").title
    assert "bloodpatch:share" in [b["action_id"] for b in kit.buttons(answer)]
    assert await nothing_posted_to(bolt, "/response/cmd")
    assert bolt.standin.calls_to("/api/chat.postMessage") == []


async def test_question_answer_is_in_the_ack_too(bolt: Any, kit: Any, library: Library) -> None:
    answer = await bolt.slack.answer(f"ask {QUESTION}")
    kit.check_message(answer)
    assert kit.header(answer) == library.answer(QUESTION).title
    assert f"You asked: {QUESTION}" in kit.all_text(answer)


async def test_slow_core_gets_an_empty_ack_in_time_then_the_answer_at_the_response_url(
    bolt_factory: Any, kit: Any, library: Library
) -> None:
    async with bolt_factory(library=SlowLibrary(library, delay=1.0), ack_budget=0.2) as bolt:
        reply = await bolt.slack.command(f"ask {QUESTION} <!here>")

        assert (reply.status, reply.text) == (200, "")
        assert reply.elapsed < 0.9, f"the ack waited for the answer ({reply.elapsed:.2f} s)"
        (call,) = await bolt.standin.wait_for("/response/cmd")
        kit.check_message(call.body)
        assert call.body["response_type"] == "ephemeral"
        assert kit.header(call.body) == library.answer(QUESTION).title
        everything = kit.all_text(call.body)
        assert "<!here>" not in everything and "&lt;!here&gt;" in everything  # shown, never a ping
        await asyncio.sleep(0.3)
        assert len(bolt.standin.calls_to("/response/cmd")) == 1


async def test_budget_zero_sends_every_answer_to_the_response_url(bolt_factory: Any, kit: Any) -> None:
    async with bolt_factory(ack_budget=0) as bolt:
        for n in range(2):  # the second one is rendered already: still not in the ack
            reply = await bolt.slack.command("recovery", response=f"r{n}")
            assert (reply.status, reply.text) == (200, "")
            (call,) = await bolt.standin.wait_for(f"/response/r{n}")
            kit.check_message(call.body)


async def test_rendered_topics_are_dropped_when_the_content_is_reloaded(
    bolt_factory: Any, kit: Any, content_copy: Path
) -> None:
    library = load_library(content_copy)
    async with bolt_factory(library=library) as bolt:
        before = await bolt.slack.answer("recovery")
        assert kit.header(before) == library.topic("recovery").title
        again = await bolt.slack.answer("recovery")  # served from what was rendered
        assert again == before

        topic_file = content_copy / "topics" / "recovery.yaml"
        lines = topic_file.read_text().splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
        lines[index] = "title: Getting better after the patch\n"
        topic_file.write_text("".join(lines))
        assert library.reload() == []

        after = await bolt.slack.answer("recovery")
        assert kit.header(after) == "Getting better after the patch"
        fixture = kit.load_fixture("block_actions_ephemeral.json")
        toggle = next(b for b in kit.buttons(after) if b["action_id"] == "bloodpatch:audience")
        fixture["actions"][0].update(action_id=toggle["action_id"], value=toggle["value"], text=toggle["text"])
        fixture["response_url"] = bolt.standin.response_url("toggle")
        assert (await bolt.slack.action(fixture)).status == 200
        (call,) = await bolt.standin.wait_for("/response/toggle")
        assert kit.header(call.body) == "Getting better after the patch"  # the button's cache was dropped too


def test_replies_remember_plain_topics_only(library: Library) -> None:
    replies = Replies(library)
    assert replies.cached("recovery", surface="command", ephemeral=True) is None
    first = replies.reply("recovery", surface="command", ephemeral=True)
    assert replies.cached("recovery", surface="command", ephemeral=True) is first
    assert replies.cached("recovery", surface="mention", ephemeral=False) is None  # no share button there
    assert replies.reply("recovery", surface="command", ephemeral=True) is first
    # questions, red flags and crisis messages are always worked out afresh
    for text in (f"ask {QUESTION}", "ask my headache is the worst of my life and I can't see", "ask i want to die"):
        replies.reply(text, surface="command", ephemeral=True)
        assert replies.cached(text, surface="command", ephemeral=True) is None


async def test_socket_mode_ack_carries_the_answer(standin: Any, kit: Any, library: Library) -> None:
    settings = SlackSettings(
        bot_token=kit.BOT_TOKEN, signing_secret="", app_token=kit.APP_TOKEN, api_url=standin.api_url
    )
    handler = AsyncSocketModeHandler(create_app(settings=settings, library=library), kit.APP_TOKEN)
    await handler.connect_async()
    try:
        command = dict(parse_qsl(kit.load_fixture("slash_command.urlencoded")))
        command.update(text="--clinician risks <!channel>", response_url=standin.response_url("socket"))
        envelope_id = "57d6a792-4d35-4d0b-b6aa-3361493e1caf"
        await standin.socket_outbox.put(
            {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True, "payload": command}
        )
        deadline = time.monotonic() + 8
        while not standin.socket_acks and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        (ack,) = standin.socket_acks
        assert ack["envelope_id"] == envelope_id
        payload = ack["payload"]
        kit.check_message(payload)
        assert payload["response_type"] == "ephemeral"
        assert kit.header(payload) == library.topic("risks", audience="clinician").title
        assert mrkdwn(library.topic("risks", audience="clinician").snippets[0].text) in kit.all_text(payload)
        assert standin.calls_to("/response/socket") == []
    finally:
        await handler.close_async()
