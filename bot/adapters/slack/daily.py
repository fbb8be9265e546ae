"""The daily question: once a minute, post today's card in every Slack channel whose hour has come.

State lives in the store (`set_daily`, `due_daily`, `mark_daily_posted`), so a restart, or a
second worker, neither skips a day nor posts twice: a channel is claimed for the day first,
then posted to. A post Slack refuses (the app is not in the channel, Slack down after the
client's retries) is logged, and the next day's question comes as usual.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.quiz_render import card_message
from bot.adapters.slack.transport import message_kwargs
from bot.core.quiz import utc, utcnow
from bot.engagement import Notice
from bot.store import StoreUnavailable

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.adapters.slack.quiz_service import QuizFeature

log = logging.getLogger(__name__)

DAILY_INTERVAL_SECONDS = 60.0
# The first look comes a little after start-up (the app is serving by then), not at once.
FIRST_LOOK_SECONDS = 5.0
CHANNEL_PREFIX = "slack:"


async def post_due_daily(feature: QuizFeature, client: AsyncWebClient, now: dt.datetime) -> list[str]:
    """Post the day's question in each Slack channel that is due at `now`; the channel ids posted to.

    Channels of other platforms (`discord:…`) are left alone, unclaimed, for their own adapter.
    """
    engagement = await feature.engagement()
    store = engagement.store
    day = utc(now).date()
    try:
        due = [c for c in await store.due_daily(now) if c.channel.startswith(CHANNEL_PREFIX)]
    except StoreUnavailable as exc:
        log.warning("daily question: store unavailable (%s); trying again later", exc)
        return []
    posted: list[str] = []
    for channel in due:
        channel_id = channel.channel.removeprefix(CHANNEL_PREFIX)
        try:
            if not await store.mark_daily_posted(channel.channel, day):
                continue  # another worker has it
        except StoreUnavailable as exc:
            log.warning("daily question: store unavailable (%s); trying again later", exc)
            break
        card = engagement.daily_card(channel.topic, channel.audience, day)
        if isinstance(card, Notice):  # the content no longer has items for its topic/audience
            log.warning("daily question for %s skipped today: %s", channel_id, card.text)
            continue
        try:
            await client.chat_postMessage(channel=channel_id, **message_kwargs(card_message(card, daily=True)))
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning("daily question not posted in %s: %s", channel_id, error or "Slack refused it")
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.warning("daily question not posted in %s: %s", channel_id, type(exc).__name__)
        else:
            posted.append(channel_id)
    return posted


async def daily_loop(
    feature: QuizFeature,
    client: AsyncWebClient,
    *,
    interval: float = DAILY_INTERVAL_SECONDS,
    first_look: float = FIRST_LOOK_SECONDS,
) -> None:
    """Look for due channels every `interval` seconds until cancelled; one bad round never ends it."""
    await asyncio.sleep(min(first_look, interval))
    while True:
        try:
            await post_due_daily(feature, client, utcnow())
        except Exception:
            log.exception("daily question: a round failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
