"""Events: `@bloodpatch-bot <question>` (answered in a thread), DMs, and the App Home tab."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.listeners import lazily
from bot.adapters.slack.parse import strip_mention
from bot.adapters.slack.render import to_home_view
from bot.adapters.slack.replies import reply_for
from bot.adapters.slack.transport import message_kwargs

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)


async def handle_app_mention(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, *, library: Library
) -> None:
    """Answer a mention in a thread: the mention's own thread, or a new one under it."""
    text = strip_mention(event.get("text") or "", context.bot_user_id)
    message = reply_for(library, text, surface="mention", ephemeral=False, user=event.get("user"))
    await client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        **message_kwargs(message),
    )


async def handle_direct_message(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, *, library: Library
) -> None:
    """Answer a direct message; edits, joins, files and bot messages (ours included) are ignored."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    text = strip_mention(event.get("text") or "", context.bot_user_id)
    message = reply_for(library, text, surface="dm", ephemeral=False, user=event.get("user"))
    kwargs = message_kwargs(message)
    if event.get("thread_ts"):
        kwargs["thread_ts"] = event["thread_ts"]
    await client.chat_postMessage(channel=event["channel"], **kwargs)


async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient, *, library: Library) -> None:
    """Publish the Home tab (the topic list with buttons) whenever a user opens it."""
    if event.get("tab") != "home":
        return
    await client.views_publish(user_id=event["user"], view=to_home_view(library.topics, library.disclaimer))


def register(app: AsyncApp, library: Library) -> None:
    app.event("app_mention")(**lazily(handle_app_mention, library=library))
    app.event("message")(**lazily(handle_direct_message, library=library))
    app.event("app_home_opened")(**lazily(handle_app_home_opened, library=library))
