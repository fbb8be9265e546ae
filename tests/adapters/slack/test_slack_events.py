"""Events API: url_verification, app_mention (thread replies), DMs, App Home."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bot.core import Library

pytestmark = pytest.mark.loopback


def envelope(kit: Any, name: str, **event: Any) -> dict[str, Any]:
    data = copy.deepcopy(kit.load_fixture(name))
    data["event"].update(event)
    return data


async def test_url_verification_echoes_the_challenge(bolt: Any, kit: Any) -> None:
    challenge = kit.load_fixture("url_verification.json")
    reply = await bolt.slack.event(challenge)
    assert reply.status == 200
    assert json.loads(reply.text) == {"challenge": challenge["challenge"]}


async def test_mention_is_answered_in_a_thread_under_it(bolt: Any, kit: Any, library: Library) -> None:
    data = envelope(kit, "event_app_mention.json")
    assert (await bolt.slack.event(data)).status == 200
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    body = call.body
    kit.check_message(body)
    assert body["channel"] == data["event"]["channel"]
    assert body["thread_ts"] == data["event"]["ts"]
    assert kit.header(body) == library.answer("does a blood patch hurt?").title
    ids = [b["action_id"] for b in kit.buttons(body)]
    assert "bloodpatch:share" not in ids  # already public
    assert body["unfurl_links"] is False and "link_names" not in body
    assert call.headers["Authorization"] == f"Bearer {bolt.app.client.token}"


async def test_mention_inside_a_thread_stays_in_that_thread(bolt: Any, kit: Any) -> None:
    data = envelope(kit, "event_app_mention.json", thread_ts="1699999999.000001", text="<@UBOT> recovery")
    await bolt.slack.event(data)
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    assert call.body["thread_ts"] == "1699999999.000001"


async def test_mention_with_only_the_bot_name_gets_help(bolt: Any, kit: Any) -> None:
    await bolt.slack.event(envelope(kit, "event_app_mention.json", text="<@UBOT>"))
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(call.body)
    assert kit.header(call.body) == "Blood patch help"


async def test_mention_text_with_mass_mentions_never_pings(bolt: Any, kit: Any) -> None:
    text = "<@UBOT> <!channel> <@U999> is this <!here> normal: fever and stiff neck after my blood patch"
    await bolt.slack.event(envelope(kit, "event_app_mention.json", text=text))
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(call.body)
    everything = kit.all_text(call.body)
    assert "<!channel>" not in everything and "<!here>" not in everything and "<@U999>" not in everything


async def test_direct_message_is_answered_in_the_dm(bolt: Any, kit: Any, library: Library) -> None:
    data = kit.load_fixture("event_message_im.json")
    await bolt.slack.event(data)
    (call,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(call.body)
    assert call.body["channel"] == "D0DMCHAN"
    assert "thread_ts" not in call.body
    assert kit.header(call.body) == library.answer(data["event"]["text"]).title


@pytest.mark.parametrize(
    "event",
    [
        {"subtype": "bot_message", "bot_id": "BOTHER", "text": "recovery"},  # another bot
        {"bot_id": "BBOT", "user": "UBOT", "text": "recovery"},  # ourselves
        {"subtype": "message_changed", "text": "recovery"},  # an edit
        {"channel_type": "channel", "channel": "C2147483705", "text": "recovery"},  # not a DM
    ],
)
async def test_messages_that_are_not_a_users_dm_are_ignored(bolt: Any, kit: Any, event: dict[str, Any]) -> None:
    await bolt.slack.event(envelope(kit, "event_message_im.json", **event))
    # A real DM afterwards gets its answer; the ignored message must not have produced one.
    await bolt.slack.event(envelope(kit, "event_message_im.json", text="sources", channel="D0SECOND"))
    calls = await bolt.standin.wait_for("/api/chat.postMessage")
    assert [c.body["channel"] for c in calls] == ["D0SECOND"]


async def test_app_home_opened_publishes_the_topic_list(bolt: Any, kit: Any, library: Library) -> None:
    await bolt.slack.event(kit.load_fixture("event_app_home_opened.json"))
    (call,) = await bolt.standin.wait_for("/api/views.publish")
    assert call.body["user_id"] == "U2147483697"
    view = call.body["view"]
    kit.check_view(view)
    topic_buttons = [b["action_id"] for b in kit.buttons(view)]
    assert topic_buttons == [f"bloodpatch:topic:{t.id}" for t in library.topics]
    assert all(t.title in kit.all_text(view) for t in library.topics if "&" not in t.title)


async def test_opening_the_messages_tab_publishes_nothing(bolt: Any, kit: Any) -> None:
    await bolt.slack.event(envelope(kit, "event_app_home_opened.json", tab="messages"))
    await bolt.slack.event(kit.load_fixture("event_app_home_opened.json"))
    calls = await bolt.standin.wait_for("/api/views.publish")
    assert len(calls) == 1
