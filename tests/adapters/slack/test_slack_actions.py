"""Button clicks (block_actions) sent signed to the real app; every button the bot renders works."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bot.adapters.slack.render import mrkdwn
from bot.core import Library

pytestmark = pytest.mark.loopback


def click(fixture: dict[str, Any], button: dict[str, Any], response_url: str | None) -> dict[str, Any]:
    """A block_actions payload (real shape from the fixture) for clicking `button`."""
    payload = copy.deepcopy(fixture)
    action = payload["actions"][0]
    action.update(action_id=button["action_id"], value=button["value"], text=button["text"])
    if response_url is None:
        payload.pop("response_url", None)
    else:
        payload["response_url"] = response_url
    return payload


def button(action_id: str, topic: str, audience: str) -> dict[str, Any]:
    value = json.dumps({"t": topic, "a": audience}, separators=(",", ":"))
    return {"action_id": action_id, "value": value, "text": {"type": "plain_text", "text": "x"}}


def snippet_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"].split(" _[")[0] for b in payload["blocks"] if b["type"] == "section"]


async def test_share_reposts_in_channel_via_response_url(bolt: Any, kit: Any, library: Library) -> None:
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    payload = click(fixture, button("bloodpatch:share", "recovery", "patient"), bolt.standin.response_url("share"))
    reply = await bolt.slack.action(payload)
    assert reply.status == 200

    (call,) = await bolt.standin.wait_for("/response/share")
    body = call.body
    kit.check_message(body)
    assert body["response_type"] == "in_channel"
    assert body["replace_original"] is False  # the private copy stays
    assert kit.header(body) == library.topic("recovery").title
    ids = [b["action_id"] for b in kit.buttons(body)]
    assert "bloodpatch:share" not in ids and "bloodpatch:audience" in ids
    assert not any("You asked" in t for t in kit.all_text(body).splitlines())


async def test_audience_toggle_replaces_the_private_answer(bolt: Any, kit: Any, library: Library) -> None:
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    payload = click(fixture, button("bloodpatch:audience", "recovery", "clinician"), bolt.standin.response_url("a"))
    assert (await bolt.slack.action(payload)).status == 200

    (call,) = await bolt.standin.wait_for("/response/a")
    body = call.body
    kit.check_message(body)
    assert body["response_type"] == "ephemeral" and body["replace_original"] is True
    clinician = library.topic("recovery", audience="clinician")
    assert snippet_texts(body) == [mrkdwn(s.text) for s in clinician.snippets]
    labels = {b["action_id"]: b["text"]["text"] for b in kit.buttons(body)}
    assert labels["bloodpatch:audience"] == "Patient view"
    assert "bloodpatch:share" in labels


async def test_related_topic_button_shows_that_topic(bolt: Any, kit: Any, library: Library) -> None:
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    payload = click(fixture, button("bloodpatch:topic:risks", "risks", "patient"), bolt.standin.response_url("r"))
    assert (await bolt.slack.action(payload)).status == 200
    (call,) = await bolt.standin.wait_for("/response/r")
    kit.check_message(call.body)
    assert call.body["replace_original"] is True
    assert kit.header(call.body) == library.topic("risks").title


async def test_click_on_a_public_thread_answer_replies_privately_in_that_thread(
    bolt: Any, kit: Any, library: Library
) -> None:
    fixture = kit.load_fixture("block_actions_thread.json")
    payload = click(fixture, fixture["actions"][0], bolt.standin.response_url("t"))
    assert (await bolt.slack.action(payload)).status == 200
    (call,) = await bolt.standin.wait_for("/response/t")
    body = call.body
    kit.check_message(body)
    assert body["response_type"] == "ephemeral"
    assert body["replace_original"] is False  # never rewrite what everyone sees
    assert body["thread_ts"] == "1700000000.000100"
    assert snippet_texts(body) == [mrkdwn(s.text) for s in library.topic("recovery", audience="clinician").snippets]


async def test_home_tab_topic_button_sends_the_topic_to_the_messages_tab(bolt: Any, kit: Any, library: Library) -> None:
    fixture = kit.load_fixture("block_actions_home.json")
    payload = click(fixture, fixture["actions"][0], None)
    assert (await bolt.slack.action(payload)).status == 200
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(call.body)
    assert call.body["channel"] == "U2147483697"
    assert kit.header(call.body) == library.topic("recovery").title
    assert call.headers["Authorization"] == f"Bearer {bolt.app.client.token}"


async def test_every_button_of_a_real_answer_works(bolt: Any, kit: Any) -> None:
    """Click each button exactly as rendered in a /bloodpatch reply; each must produce a valid reply."""
    rendered = kit.buttons(await bolt.slack.answer("recovery"))
    assert len(rendered) >= 3
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    for n, rendered_button in enumerate(rendered):
        url = bolt.standin.response_url(f"button{n}")
        assert (await bolt.slack.action(click(fixture, rendered_button, url))).status == 200
        (call,) = await bolt.standin.wait_for(f"/response/button{n}")
        kit.check_message(call.body)
        expected_type = "in_channel" if rendered_button["action_id"] == "bloodpatch:share" else "ephemeral"
        assert call.body["response_type"] == expected_type


async def test_every_help_button_works(bolt: Any, kit: Any, library: Library) -> None:
    answer = await bolt.slack.answer("help")
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    rendered = kit.buttons(answer)
    assert len(rendered) == len(library.topics)
    for n, rendered_button in enumerate(rendered):
        url = bolt.standin.response_url(f"help{n}")
        assert (await bolt.slack.action(click(fixture, rendered_button, url))).status == 200
    for n, topic in enumerate(library.topics):
        (call,) = await bolt.standin.wait_for(f"/response/help{n}")
        kit.check_message(call.body)
        assert kit.header(call.body) == topic.title


@pytest.mark.parametrize("value", ["", "not json", "[1,2]", '{"t":"recovery","a":"root"}', '{"t":""}'])
async def test_malformed_button_value_is_ignored(bolt: Any, kit: Any, value: str) -> None:
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    bad = {"action_id": "bloodpatch:share", "value": value, "text": {"type": "plain_text", "text": "x"}}
    assert (await bolt.slack.action(click(fixture, bad, bolt.standin.response_url("bad")))).status == 200
    # A valid click after it is answered; by then the bad one was long handled, and posted nothing.
    good = button("bloodpatch:topic:risks", "risks", "patient")
    await bolt.slack.action(click(fixture, good, bolt.standin.response_url("good")))
    await bolt.standin.wait_for("/response/good")
    assert bolt.standin.calls_to("/response/bad") == []


async def test_unknown_topic_in_a_button_answers_not_found(bolt: Any, kit: Any) -> None:
    fixture = kit.load_fixture("block_actions_ephemeral.json")
    stale = button("bloodpatch:topic:retired", "retired_topic", "patient")  # content changed since
    assert (await bolt.slack.action(click(fixture, stale, bolt.standin.response_url("s")))).status == 200
    (call,) = await bolt.standin.wait_for("/response/s")
    kit.check_message(call.body)
