"""Slack misbehaving: 429 with Retry-After, 500/503, unreachable URLs. Retried, or logged; never a crash.

The retries are slack_sdk's own handlers, so these tests wait out their real back-off (about 1 s each).
Command answers are sent to the response_url here (an ack budget of 0, the path a slow answer
takes), so the response_url's faults can be met with commands.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest

from tests.waiting import wait_for_log

pytestmark = pytest.mark.loopback


@pytest.fixture
def ack_budget() -> float:
    return 0.0  # every command answered at its response_url


async def still_serving(bolt: Any, kit: Any) -> None:
    await bolt.slack.command("risks", response="after")
    (call,) = await bolt.standin.wait_for("/response/after")
    kit.check_message(call.body)


async def test_response_url_429_is_retried_after_retry_after(bolt: Any, kit: Any) -> None:
    bolt.standin.fail("/response/cmd", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert (await bolt.slack.command("recovery")).status == 200
    (delivered,) = await bolt.standin.wait_for("/response/cmd")
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert [c.status for c in bolt.standin.calls_to("/response/cmd")] == [429, 200]
    kit.check_message(delivered.body)


@pytest.mark.parametrize("status", [500, 503])
async def test_response_url_server_error_is_retried(bolt: Any, kit: Any, status: int) -> None:
    bolt.standin.fail("/response/cmd", status)
    await bolt.slack.command("recovery")
    (delivered,) = await bolt.standin.wait_for("/response/cmd")
    assert [c.status for c in bolt.standin.calls_to("/response/cmd")] == [status, 200]
    kit.check_message(delivered.body)


async def test_response_url_failing_for_good_is_logged_and_the_bot_carries_on(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.fail("/response/cmd", 500, times=3)
    await bolt.slack.command("recovery")
    await bolt.standin.wait_for_attempts("/response/cmd", 3)  # first try + 2 retries
    record = await wait_for_log(caplog, "response_url post rejected")
    assert "recovery" not in record.getMessage()  # no user text in logs
    assert len(bolt.standin.calls_to("/response/cmd")) == 3
    await still_serving(bolt, kit)


async def test_unreachable_response_url_is_logged_not_raised(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with socket.socket() as sock:  # a loopback port with nobody listening
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    form_text = bolt.slack.command_body("recovery")
    form_text = form_text.replace(
        "response_url=" + bolt.standin.response_url("cmd").replace(":", "%3A").replace("/", "%2F"),
        f"response_url=http%3A%2F%2F127.0.0.1%3A{dead_port}%2Fresponse%2Fdead",
    )
    assert f"127.0.0.1%3A{dead_port}" in form_text
    assert (await bolt.slack.post(form_text, "application/x-www-form-urlencoded")).status == 200
    await wait_for_log(caplog, "response_url post failed")
    await still_serving(bolt, kit)


async def test_chat_post_message_429_is_retried(bolt: Any, kit: Any) -> None:
    bolt.standin.fail("/api/chat.postMessage", 429, headers={"Retry-After": "0"})
    await bolt.slack.event(kit.load_fixture("event_app_mention.json"))
    (delivered,) = await bolt.standin.wait_for("/api/chat.postMessage")
    assert [c.status for c in bolt.standin.calls_to("/api/chat.postMessage")] == [429, 200]
    kit.check_message(delivered.body)


async def test_chat_post_message_500_for_good_is_reported_and_the_bot_carries_on(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.fail("/api/chat.postMessage", 500, times=3)
    await bolt.slack.event(kit.load_fixture("event_app_mention.json"))
    record = await wait_for_log(caplog, "slack listener failed")
    assert record.exc_info is not None  # full error for the operator
    assert "does a blood patch hurt" not in record.getMessage()
    assert "U2147483697" not in record.getMessage()  # ids are hashed
    assert len(bolt.standin.calls_to("/api/chat.postMessage")) == 3
    await still_serving(bolt, kit)


async def test_views_publish_503_is_retried(bolt: Any, kit: Any) -> None:
    bolt.standin.fail("/api/views.publish", 503)
    await bolt.slack.event(kit.load_fixture("event_app_home_opened.json"))
    (delivered,) = await bolt.standin.wait_for("/api/views.publish")
    kit.check_view(delivered.body["view"])


async def test_home_button_whose_reply_fails_is_logged_and_the_bot_carries_on(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bolt.standin.fail("/api/chat.postMessage", 500, times=3)
    payload = kit.load_fixture("block_actions_home.json")
    assert (await bolt.slack.action(payload)).status == 200
    await wait_for_log(caplog, "slack listener failed")
    await still_serving(bolt, kit)


async def test_unexpected_error_with_a_response_url_tells_the_user_one_calm_sentence(
    bolt: Any, kit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A view button that also carries a response_url (as modals can): the reply fails, the user is told."""
    caplog.set_level(logging.WARNING)
    bolt.standin.fail("/api/chat.postMessage", 500, times=3)
    payload = kit.load_fixture("block_actions_home.json")
    payload["response_url"] = bolt.standin.response_url("sorry")
    assert (await bolt.slack.action(payload)).status == 200
    (call,) = await bolt.standin.wait_for("/response/sorry")
    kit.check_message(call.body)
    assert call.body["text"].startswith("Sorry, something went wrong")
    assert call.body["response_type"] == "ephemeral"
