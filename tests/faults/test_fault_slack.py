"""Slack that times out or hangs up: retried with back-off, or a clean logged error; the bot keeps serving.

Complements tests/adapters/slack/test_slack_faults.py (429, 500/503, refused connections)
with the two faults only a misbehaving server can produce (see conftest.py): a request
that is never answered (the client times out) and a connection closed mid-request.

slack_sdk's retry handlers decide what to retry: a dropped connection is retried with
exponential back-off (recorded by `slack_backoff`, not waited for); a timeout is not
retried (the request may have arrived), so it ends as a logged error.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.adapters.slack.render import ERROR_TEXT
from tests.waiting import wait_for_log

from .conftest import DROPPED, STALLED

pytestmark = pytest.mark.loopback

SLACK_ACK_SECONDS = 3.0  # Slack shows the user an error if a command is not acked within 3 s


async def still_serving(bolt: Any, kit: Any, name: str = "after") -> None:
    """A fresh slash command is answered normally."""
    reply = await bolt.slack.command("risks", response=name)
    assert reply.status == 200
    (call,) = await bolt.standin.wait_for(f"/response/{name}")
    kit.check_message(call.body)


def statuses(bolt: Any, path: str) -> list[int]:
    return [c.status for c in bolt.standin.calls_to(path)]


# -- response_url (slash commands, buttons) ------------------------------------------------------


async def test_other_commands_are_answered_while_a_response_url_post_hangs(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    caplog.set_level(logging.INFO)
    bolt.standin.stall("/response/slow")

    slow = await bolt.slack.command("recovery", response="slow")
    assert slow.status == 200 and slow.elapsed < SLACK_ACK_SECONDS  # acked before the post was tried
    await bolt.standin.wait_for_attempts("/response/slow", 1)

    await still_serving(bolt, kit, "fast")
    await still_serving(bolt, kit, "faster")
    assert statuses(bolt, "/response/slow") == [STALLED]  # still held
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)

    bolt.standin.release()  # Slack answers at last
    (late,) = await bolt.standin.wait_for("/response/slow")
    kit.check_message(late.body)


async def test_response_url_post_that_is_never_answered_times_out_and_is_logged(
    bolt: Any, kit: Any, slack_timeout: float, caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.stall("/response/slow")

    assert (await bolt.slack.command("recovery", response="slow")).status == 200
    record = await wait_for_log(
        caplog, "response_url post failed after retries: TimeoutError", timeout=slack_timeout + 2.5
    )

    assert record.levelno == logging.WARNING and "recovery" not in record.getMessage()
    assert statuses(bolt, "/response/slow") == [STALLED]  # not retried: it may have arrived
    await still_serving(bolt, kit)


async def test_response_url_dropped_once_is_retried_with_backoff(
    bolt: Any, kit: Any, slack_backoff: list[float], loop_errors: list
) -> None:
    bolt.standin.drop("/response/cmd")

    assert (await bolt.slack.command("recovery")).status == 200
    (delivered,) = await bolt.standin.wait_for("/response/cmd")

    dropped, retried = bolt.standin.calls_to("/response/cmd")
    assert (dropped.status, retried.status) == (DROPPED, 200)
    assert retried.body == dropped.body  # the same message, sent again
    assert len(slack_backoff) == 1 and 0.5 <= slack_backoff[0] <= 1.5  # 0.5 s x 2^0, plus up to 1 s jitter
    kit.check_message(delivered.body)
    assert delivered.body["response_type"] == "ephemeral"


async def test_response_url_dropped_every_time_is_logged_and_the_bot_carries_on(
    bolt: Any, kit: Any, slack_backoff: list[float], caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.drop("/response/cmd", times=3)

    await bolt.slack.command("recovery")
    record = await wait_for_log(caplog, "response_url post failed after retries: ServerDisconnectedError")

    assert record.exc_info is None and "recovery" not in record.getMessage()
    assert statuses(bolt, "/response/cmd") == [DROPPED] * 3  # first try + 2 retries
    first, second = slack_backoff
    assert 0.5 <= first <= 1.5 and 1.0 <= second <= 2.0  # exponential back-off with jitter
    await still_serving(bolt, kit)


async def test_share_button_response_url_dropped_once_is_retried(
    bolt: Any, kit: Any, slack_backoff: list[float], loop_errors: list
) -> None:
    payload = kit.load_fixture("block_actions_ephemeral.json")
    payload["response_url"] = bolt.standin.response_url("share")
    payload["actions"][0].update(action_id="bloodpatch:share", value='{"t":"recovery","a":"patient"}')
    bolt.standin.drop("/response/share")

    assert (await bolt.slack.action(payload)).status == 200
    (delivered,) = await bolt.standin.wait_for("/response/share")

    assert statuses(bolt, "/response/share") == [DROPPED, 200]
    assert delivered.body["response_type"] == "in_channel"
    kit.check_message(delivered.body)


# -- Web API (mentions, DMs, App Home buttons) -------------------------------------------------


async def test_chat_post_message_timeout_is_reported_and_the_bot_carries_on(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.stall("/api/chat.postMessage")
    mention = kit.load_fixture("event_app_mention.json")

    reply = await bolt.slack.event(mention)
    assert reply.status == 200 and reply.elapsed < SLACK_ACK_SECONDS

    record = await wait_for_log(caplog, "slack listener failed")
    assert isinstance(record.exc_info[1], TimeoutError)
    assert "does a blood patch hurt" not in record.getMessage() and "U2147483697" not in record.getMessage()
    assert statuses(bolt, "/api/chat.postMessage") == [STALLED]

    # The same kind of request works once Slack answers again.
    mention["event_id"] = "Ev0MENTION2"
    await bolt.slack.event(mention)
    (answered,) = await bolt.standin.wait_for("/api/chat.postMessage")
    kit.check_message(answered.body)
    await still_serving(bolt, kit)


async def test_chat_post_message_dropped_once_is_retried_with_backoff(
    bolt: Any, kit: Any, slack_backoff: list[float], loop_errors: list
) -> None:
    bolt.standin.drop("/api/chat.postMessage")

    await bolt.slack.event(kit.load_fixture("event_message_im.json"))
    (delivered,) = await bolt.standin.wait_for("/api/chat.postMessage")

    assert statuses(bolt, "/api/chat.postMessage") == [DROPPED, 200]
    assert len(slack_backoff) == 1 and 0.5 <= slack_backoff[0] <= 1.5
    kit.check_message(delivered.body)


async def test_chat_post_message_dropped_every_time_is_reported(
    bolt: Any, kit: Any, slack_backoff: list[float], caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.drop("/api/chat.postMessage", times=3)

    await bolt.slack.event(kit.load_fixture("event_app_mention.json"))
    record = await wait_for_log(caplog, "slack listener failed")

    assert type(record.exc_info[1]).__name__ == "ServerDisconnectedError"
    assert statuses(bolt, "/api/chat.postMessage") == [DROPPED] * 3
    assert len(slack_backoff) == 2
    await still_serving(bolt, kit)


async def test_button_reply_timeout_tells_the_user_one_calm_sentence(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    """A Home-tab button that also carries a response_url: its chat.postMessage hangs, the user is told."""
    caplog.set_level(logging.WARNING)
    bolt.standin.stall("/api/chat.postMessage")
    payload = kit.load_fixture("block_actions_home.json")
    payload["response_url"] = bolt.standin.response_url("sorry")

    assert (await bolt.slack.action(payload)).status == 200
    (sorry,) = await bolt.standin.wait_for("/response/sorry")

    assert sorry.body["text"] == ERROR_TEXT
    assert sorry.body["response_type"] == "ephemeral" and sorry.body["replace_original"] is False
    kit.check_message(sorry.body)
    record = await wait_for_log(caplog, "slack listener failed")
    assert isinstance(record.exc_info[1], TimeoutError)
    await still_serving(bolt, kit)


async def test_auth_test_timeout_on_the_first_request_tells_the_user_and_the_next_request_works(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture, loop_errors: list
) -> None:
    """Bolt checks the token (auth.test) on the first request; if Slack never answers, that request fails cleanly."""
    caplog.set_level(logging.WARNING)
    bolt.standin.stall("/api/auth.test")

    first = await bolt.slack.command("recovery", response="first")
    (sorry,) = await bolt.standin.wait_for("/response/first")

    assert first.status == 500  # Bolt's answer when its own middleware fails; Slack shows its own error too
    assert sorry.body["text"] == ERROR_TEXT
    kit.check_message(sorry.body)
    record = await wait_for_log(caplog, "slack listener failed")
    assert isinstance(record.exc_info[1], TimeoutError)
    assert statuses(bolt, "/api/auth.test") == [STALLED]

    await still_serving(bolt, kit)
    assert statuses(bolt, "/api/auth.test") == [STALLED, 200]  # retried on the next request
