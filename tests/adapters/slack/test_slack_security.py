"""Request verification: anything not signed by Slack's secret in the last 5 minutes gets 401, unhandled."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

pytestmark = pytest.mark.loopback

FORM = "application/x-www-form-urlencoded"


async def assert_never_handled(bolt: Any, *paths: str) -> None:
    """Prove the rejected requests never reached a handler.

    A valid command sent afterwards is answered; rejected ones were dispatched
    earlier, so had any of them run its handler, its post would be there too.
    """
    control = await bolt.slack.answer("recovery", response="control")
    assert control["response_type"] == "ephemeral"
    for path in paths:
        assert bolt.standin.calls_to(path) == [], f"a rejected request was handled: {path}"
    assert bolt.standin.calls_to("/api/chat.postMessage") == []


async def test_forged_signature(bolt: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="slack_bolt.RequestVerification")  # Bolt copies root's level
    body = bolt.slack.command_body("my private worry", response="forged")
    reply = await bolt.slack.post(body, FORM, signature="v0=" + "0" * 64)
    assert reply.status == 401
    await assert_never_handled(bolt, "/response/forged")
    assert "Invalid request signature detected (request body withheld)" in caplog.text
    assert "private" not in caplog.text  # Bolt would log the whole body


async def test_signed_with_another_secret(bolt: Any, kit: Any) -> None:
    body = bolt.slack.command_body("recovery", response="other")
    ts = str(int(time.time()))
    reply = await bolt.slack.post(body, FORM, timestamp=int(ts), signature=kit.sign(body, ts, "not-the-secret"))
    assert reply.status == 401
    await assert_never_handled(bolt, "/response/other")


async def test_body_changed_after_signing(bolt: Any, kit: Any) -> None:
    signed = bolt.slack.command_body("recovery", response="tampered")
    ts = str(int(time.time()))
    sent = signed.replace("recovery", "risks")
    reply = await bolt.slack.post(sent, FORM, timestamp=int(ts), signature=kit.sign(signed, ts))
    assert reply.status == 401
    await assert_never_handled(bolt, "/response/tampered")


@pytest.mark.parametrize("header", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
async def test_missing_header(bolt: Any, header: str) -> None:
    body = bolt.slack.command_body("recovery", response="missing")
    reply = await bolt.slack.post(body, FORM, omit=(header,))
    assert reply.status == 401
    await assert_never_handled(bolt, "/response/missing")


@pytest.mark.parametrize("skew", [-301, -3600, 301])
async def test_stale_or_future_timestamp_even_if_correctly_signed(bolt: Any, skew: int) -> None:
    body = bolt.slack.command_body("recovery", response="stale")
    reply = await bolt.slack.post(body, FORM, timestamp=int(time.time()) + skew)
    assert reply.status == 401
    await assert_never_handled(bolt, "/response/stale")


async def test_forged_event_and_action(bolt: Any, kit: Any) -> None:
    bad = "v0=" + "f" * 64
    mention = kit.load_fixture("event_app_mention.json")
    assert (await bolt.slack.event(mention, signature=bad)).status == 401
    action = kit.load_fixture("block_actions_ephemeral.json")
    action["response_url"] = bolt.standin.response_url("forged-action")
    assert (await bolt.slack.action(action, signature=bad)).status == 401
    await assert_never_handled(bolt, "/response/forged-action")


async def test_forged_url_verification_gets_no_challenge(bolt: Any, kit: Any) -> None:
    challenge = kit.load_fixture("url_verification.json")
    reply = await bolt.slack.event(challenge, signature="v0=bad")
    assert reply.status == 401
    assert challenge["challenge"] not in reply.text


async def test_a_correct_request_just_inside_the_window_is_accepted(bolt: Any, kit: Any) -> None:
    body = bolt.slack.command_body("recovery", response="fresh")
    reply = await bolt.slack.post(body, FORM, timestamp=int(time.time()) - 240)
    assert reply.status == 200
    kit.check_message(json.loads(reply.text))


async def test_auth_test_is_the_only_web_api_call_for_a_command(bolt: Any, kit: Any) -> None:
    kit.check_message(await bolt.slack.answer("recovery"))
    assert {c.path for c in bolt.standin.calls} == {"/api/auth.test"}  # the answer rode in the ack
    assert json.dumps([c.body for c in bolt.standin.calls_to("/api/auth.test")]).count("xoxb") == 0
