"""Discord that times out or hangs up on an interaction callback or follow-up: a clean error, the bot keeps serving.

Complements tests/adapters/discord (429 with Retry-After, 500, 400, 404 on callbacks) with
the two faults only a misbehaving server can produce (see conftest.py): a request that is
never answered (the client times out) and a connection closed mid-request.

discord.py retries neither (only 429, 5xx and a connection reset reported with errno
54/10054), which is right for a callback that may already have arrived.  So the user gets
`cog.ERROR_TEXT` by the next channel that still works (a callback if none was made, else a
follow-up), the operator gets the traceback, and other interactions are served meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

from bot.adapters.discord import DiscordSettings
from bot.adapters.discord.cog import ERROR_TEXT
from tests.waiting import wait_for_log

from .conftest import DISCORD_TIMEOUT, DROPPED, STALLED, discord_timeout

pytestmark = pytest.mark.loopback

EPHEMERAL = 64


def callback_path(payload: dict[str, Any]) -> str:
    return rf"/interactions/{payload['id']}/[^/]+/callback"


def followup_path(payload: dict[str, Any]) -> str:
    return rf"/webhooks/\d+/{payload['token']}"


def assert_calm_notice(recorded: Any) -> None:
    assert recorded.status == 200
    assert recorded.data["content"] == ERROR_TEXT
    assert recorded.data["flags"] == EPHEMERAL
    assert recorded.data["allowed_mentions"] == {"parse": []}
    assert not recorded.data.get("embeds")


async def still_serving(lb: Any) -> None:
    after = await lb.command("pain")
    assert after.data["embeds"][0]["title"] == lb.library.topic("faq_pain").title


@pytest.fixture
async def lb(make_loopback: Any) -> Any:
    """A logged-in client whose Discord requests time out after DISCORD_TIMEOUT seconds (its own setting)."""
    return await make_loopback(DiscordSettings(cooldown_uses=1000, cooldown_seconds=1.0, http_timeout=DISCORD_TIMEOUT))


# -- the interaction callback (the first response) ---------------------------------------------


@pytest.mark.parametrize("fault", ["stall", "drop"])
async def test_failed_callback_gets_the_calm_notice_and_others_are_served_meanwhile(
    lb: Any, discord_api: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    payload = lb.command_payload("risks")
    getattr(discord_api, fault)("POST", callback_path(payload))
    if fault == "stall":
        discord_timeout(lb.client, 1.5)  # room to serve someone else before it runs out

    lb.inject(payload)
    if fault == "stall":
        # While that callback hangs, another user's command is answered.
        await discord_api.wait_for(lb.calls_for(payload))
        await still_serving(lb)
        assert len(discord_api.calls("POST", callback_path(payload))) == 1
    notice = await discord_api.wait_for(lb.calls_for(payload), count=2)

    first, _ = discord_api.calls("POST", callback_path(payload))
    assert first.status == (STALLED if fault == "stall" else DROPPED)
    assert first.data["embeds"][0]["title"] == lb.library.topic("risks").title  # the answer was tried
    assert_calm_notice(notice)
    failed = await wait_for_log(caplog, "interaction failed")
    assert failed.levelno == logging.ERROR
    expected = TimeoutError if fault == "stall" else aiohttp.ServerDisconnectedError
    assert isinstance(failed.exc_info[1], expected)
    await still_serving(lb)


@pytest.mark.parametrize("fault", ["stall", "drop"])
async def test_callback_that_never_gets_through_is_logged_and_the_bot_keeps_working(
    lb: Any, discord_api: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    payload = lb.command_payload("risks")
    getattr(discord_api, fault)("POST", callback_path(payload), times=2)  # the answer, then the notice

    lb.inject(payload)
    record = await wait_for_log(caplog, "could not tell the user")

    assert record.levelno == logging.WARNING
    marker = STALLED if fault == "stall" else DROPPED
    assert [c.status for c in discord_api.calls("POST", callback_path(payload))] == [marker, marker]
    await still_serving(lb)


# -- follow-ups (later pages of /bloodpatch sources, "Share in channel") -------------------------


@pytest.mark.parametrize("fault", ["stall", "drop"])
async def test_failed_followup_gets_the_calm_notice(
    lb: Any, discord_api: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    payload = lb.command_payload("sources")  # two pages: the callback, then a follow-up
    getattr(discord_api, fault)("POST", followup_path(payload))

    callback = await lb.dispatch(payload)
    notice = await discord_api.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/"), count=2)

    assert callback.data["embeds"][0]["title"].startswith("Sources (1/")
    first, second = discord_api.calls("POST", followup_path(payload))
    assert first.status == (STALLED if fault == "stall" else DROPPED)
    assert first.json["embeds"][0]["title"].startswith("Sources (2/")
    assert second is notice
    assert_calm_notice(notice)
    await wait_for_log(caplog, "interaction failed")
    await still_serving(lb)


async def test_share_followup_timeout_gives_the_button_back_and_says_so(
    lb: Any, discord_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await lb.command("risks")
    discord_api.stall("POST", r"/webhooks/\d+/[^/]+")  # the public post of the shared answer

    payload = lb.component_payload(answer.message, "bloodpatch:share:patient:risks")
    lb.inject(payload)
    notice = await discord_api.wait_for(lambda r: r.method == "POST" and r.path.startswith("/webhooks/"), count=2)

    public, _ = discord_api.calls("POST", r"/webhooks/\d+/[^/]+")
    assert public.status == STALLED and public.json["allowed_mentions"] == {"parse": []}
    assert_calm_notice(notice)
    # The private copy got its Share button back (disabled by the click, re-enabled after the failure).
    restore = await discord_api.wait_for(lambda r: r.method == "PATCH" and r.path.endswith("/messages/@original"))
    share = next(b for b in restore.buttons() if b["custom_id"].startswith("bloodpatch:share"))
    assert not share.get("disabled")
    failed = await wait_for_log(caplog, "interaction failed")
    assert isinstance(failed.exc_info[1], TimeoutError)
    await still_serving(lb)
