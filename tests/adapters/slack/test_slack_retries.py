"""Retries and unknowns: a request Slack sends again never produces a second post (one worker, or two
sharing the store), and a command, button or event nobody handles gets a polite word or a quiet 200,
never a 404 or a warning with a traceback in the log.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.dedupe import MemoryDeduper, StoreDeduper, retry_key
from bot.adapters.slack.render import UNKNOWN_ACTION_TEXT, UNKNOWN_COMMAND_TEXT

FORM = "application/x-www-form-urlencoded"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def quiet(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that would alarm an operator: warnings and worse, tracebacks, multi-line messages."""
    return [
        f"{r.levelname} {r.name}: {r.getMessage()[:120]}"
        for r in caplog.records
        if r.levelno >= logging.WARNING or r.exc_info or "\n" in r.getMessage()
    ]


# -- retries, one worker -------------------------------------------------------------------------


@pytest.mark.loopback
async def test_retried_command_gets_an_empty_ack_and_no_second_answer(bolt: Any, kit: Any) -> None:
    body = bolt.slack.command_body("recovery")
    first = await bolt.slack.post(body, FORM)
    kit.check_message(json.loads(first.text))  # the answer, in the ack

    retry = await bolt.slack.post(body, FORM, headers=RETRY)

    assert (retry.status, retry.text) == (200, "")
    await asyncio.sleep(0.3)
    assert bolt.standin.calls_to("/response/cmd") == []


@pytest.mark.loopback
async def test_retried_command_answered_at_the_response_url_is_posted_once(bolt_factory: Any, kit: Any) -> None:
    async with bolt_factory(ack_budget=0) as bolt:
        body = bolt.slack.command_body("ask does a blood patch hurt")
        assert (await bolt.slack.post(body, FORM)).status == 200
        retry = await bolt.slack.post(body, FORM, headers=RETRY)  # while the first may still be on its way
        assert (retry.status, retry.text) == (200, "")
        (call,) = await bolt.standin.wait_for("/response/cmd")
        kit.check_message(call.body)
        await asyncio.sleep(0.3)
        assert len(bolt.standin.calls_to("/response/cmd")) == 1


@pytest.mark.loopback
async def test_retried_event_is_acked_at_once_and_answered_once(bolt: Any, kit: Any) -> None:
    mention = kit.load_fixture("event_app_mention.json")
    assert (await bolt.slack.event(mention, fresh=False)).status == 200
    retry = await bolt.slack.event(mention, fresh=False, headers=RETRY)
    assert (retry.status, retry.text) == (200, "")
    assert retry.elapsed < 1.0

    # A different event afterwards is answered; had the retry been handled, its post would be there too.
    dm = kit.load_fixture("event_message_im.json")
    await bolt.slack.event(dm)
    posts = await bolt.standin.wait_for("/api/chat.postMessage", 2)
    await asyncio.sleep(0.3)
    posts = bolt.standin.delivered("/api/chat.postMessage")
    assert sorted(p.body["channel"] for p in posts) == sorted([mention["event"]["channel"], dm["event"]["channel"]])


@pytest.mark.loopback
async def test_retried_click_posts_once(bolt: Any, kit: Any) -> None:
    payload = copy.deepcopy(kit.load_fixture("block_actions_ephemeral.json"))
    payload["response_url"] = bolt.standin.response_url("click")
    payload["actions"][0].update(action_id="bloodpatch:topic:risks", value='{"t":"risks","a":"patient"}')
    assert (await bolt.slack.action(payload, fresh=False)).status == 200
    assert (await bolt.slack.action(payload, fresh=False, headers=RETRY)).status == 200
    await bolt.standin.wait_for("/response/click")
    await asyncio.sleep(0.3)
    assert len(bolt.standin.calls_to("/response/click")) == 1


# -- retries, two workers sharing the store ----------------------------------------------------------


@pytest.mark.loopback
async def test_a_retry_that_reaches_another_worker_is_caught_through_the_shared_store(
    bolt_factory: Any, kit: Any, tmp_path: Path
) -> None:
    from bot.store import open_store

    stores = [await open_store(data_dir=tmp_path / "shared"), await open_store(data_dir=tmp_path / "shared")]
    try:
        async with (
            bolt_factory(deduper=StoreDeduper(stores[0])) as first,
            bolt_factory(deduper=StoreDeduper(stores[1])) as second,
        ):
            mention = kit.load_fixture("event_app_mention.json")
            assert (await first.slack.event(mention, fresh=False)).status == 200
            retry = await second.slack.event(mention, fresh=False, headers=RETRY)
            assert (retry.status, retry.text) == (200, "")

            command = first.slack.command_body("recovery")
            kit.check_message(json.loads((await first.slack.post(command, FORM)).text))
            assert (await second.slack.post(command, FORM, headers=RETRY)).text == ""

            other = copy.deepcopy(mention)
            other["event"]["channel"] = "C0OTHER"
            await second.slack.event(other)  # the second worker answers events of its own
            await first.standin.wait_for("/api/chat.postMessage", 2)
            await asyncio.sleep(0.3)
            channels = sorted(c.body["channel"] for c in first.standin.delivered("/api/chat.postMessage"))
            assert channels == sorted([mention["event"]["channel"], "C0OTHER"])
    finally:
        for store in stores:
            await store.close()


@pytest.mark.loopback
async def test_an_unreachable_store_lets_requests_through_with_one_warning(
    bolt_factory: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.store import open_store

    store = await open_store("postgresql://bot@127.0.0.1:9/nowhere")  # nothing listens on port 9
    try:
        caplog.set_level(logging.WARNING, logger="bot.adapters.slack.dedupe")
        async with bolt_factory(deduper=StoreDeduper(store)) as bolt:
            for n in range(2):
                kit.check_message(await bolt.slack.answer("recovery", response=f"r{n}"))
        warnings = [r for r in caplog.records if r.name == "bot.adapters.slack.dedupe"]
        assert len(warnings) == 1 and "handling requests anyway" in warnings[0].getMessage()
    finally:
        await store.close()


# -- unknowns ------------------------------------------------------------------------------------------


@pytest.mark.loopback
async def test_unknown_button_gets_a_polite_private_note_and_a_quiet_log(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    payload = copy.deepcopy(kit.load_fixture("block_actions_ephemeral.json"))
    payload["response_url"] = bolt.standin.response_url("unknown")
    payload["actions"][0].update(action_id="bloodpatch:retired_feature", value="x")

    reply = await bolt.slack.action(payload)

    assert (reply.status, reply.text) == (200, "")
    (call,) = await bolt.standin.wait_for("/response/unknown")
    kit.check_message(call.body)
    assert call.body["text"] == UNKNOWN_ACTION_TEXT
    assert call.body["response_type"] == "ephemeral" and call.body["replace_original"] is False
    assert quiet(caplog) == []
    assert "Unhandled request" not in caplog.text


@pytest.mark.loopback
async def test_unknown_command_gets_a_polite_answer_in_the_ack(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = bolt.slack.command_body("<!channel> hello", response="weather", command="/weather")

    reply = await bolt.slack.post(body, FORM)

    assert reply.status == 200
    answer = json.loads(reply.text)
    kit.check_message(answer)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == UNKNOWN_COMMAND_TEXT
    assert "<!channel>" not in reply.text  # the typed text is not repeated at all
    assert quiet(caplog) == []
    await asyncio.sleep(0.2)
    assert bolt.standin.calls_to("/response/weather") == []


@pytest.mark.loopback
@pytest.mark.parametrize(
    "request_body",
    [
        {"type": "event_callback", "event_id": "Ev0REACT", "event": {"type": "reaction_added", "user": "U1"}},
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "old_modal", "type": "modal"}},
        {"type": "shortcut", "callback_id": "old_shortcut", "user": {"id": "U1"}, "trigger_id": "1.2"},
    ],
    ids=["event", "view_submission", "shortcut"],
)
async def test_requests_nobody_handles_get_a_quiet_200(
    bolt: Any, caplog: pytest.LogCaptureFixture, request_body: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO)
    if request_body["type"] == "event_callback":
        reply = await bolt.slack.event({"team_id": "T0001", "api_app_id": "A0BLOODPATCH", **request_body})
    else:
        reply = await bolt.slack.action({"team": {"id": "T0001"}, **request_body})
    assert (reply.status, reply.text) == (200, "")
    assert quiet(caplog) == []
    assert any("no listener for" in r.getMessage() for r in caplog.records)


# -- the deduper itself ------------------------------------------------------------------------------


async def test_memory_deduper_forgets_after_its_ttl_and_beyond_its_size() -> None:
    deduper = MemoryDeduper(ttl_seconds=0.2, max_keys=3)
    assert await deduper.first_time("a") is True
    assert await deduper.first_time("a") is False
    await asyncio.sleep(0.25)
    assert await deduper.first_time("a") is True  # the retry window is over
    for key in "bcd":
        assert await deduper.first_time(key) is True
    assert await deduper.first_time("a") is True  # pushed out by newer keys (max 3)
    assert await deduper.first_time("d") is False


def test_retry_keys(kit: Any) -> None:
    from urllib.parse import parse_qsl

    command = dict(parse_qsl(kit.load_fixture("slash_command.urlencoded")))
    assert retry_key(command) == retry_key(dict(command))
    assert retry_key(command) != retry_key({**command, "trigger_id": "another"})
    assert retry_key(command) != retry_key({**command, "text": "risks"})
    mention = kit.load_fixture("event_app_mention.json")
    assert retry_key(mention) == "slack:event:Ev0MENTION"
    click = kit.load_fixture("block_actions_ephemeral.json")
    other = copy.deepcopy(click)
    other["actions"][0]["action_id"] = "bloodpatch:audience"
    assert retry_key(click) is not None and retry_key(click) != retry_key(other)
    assert retry_key(kit.load_fixture("url_verification.json")) is None


async def test_store_deduper_accepts_a_blocking_store() -> None:
    class BlockingStore:  # a store whose first_time blocks (runs in a thread, not on the loop)
        def __init__(self) -> None:
            self.seen: set[str] = set()

        def first_time(self, event_id: str, ttl_seconds: int) -> bool:
            new = event_id not in self.seen
            self.seen.add(event_id)
            return new

    deduper = StoreDeduper(BlockingStore(), ttl_seconds=60)
    assert [await deduper.first_time(k) for k in ("x", "x", "y")] == [True, False, True]
