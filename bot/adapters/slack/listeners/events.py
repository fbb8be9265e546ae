"""Events: `@bloodpatch-bot <question>` (answered in a thread), DMs, and the App Home tab.

Each event is acked at once (Slack retries an event whose 200 is late) and answered afterwards.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.listeners import bind, quiz
from bot.adapters.slack.parse import strip_mention
from bot.adapters.slack.render import to_home_view
from bot.adapters.slack.transport import message_kwargs

if TYPE_CHECKING:
    from bot.adapters.slack.listeners import Deps

log = logging.getLogger(__name__)


async def handle_app_mention(
    ack: AsyncAck,
    body: dict[str, Any],
    event: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    *,
    deps: Deps,
) -> None:
    """Answer a mention in a thread: the mention's own thread, or a new one under it."""
    await ack()
    deps.later(_answer_mention(event, client, context.bot_user_id, deps), body)


async def _answer_mention(event: dict[str, Any], client: AsyncWebClient, bot_user_id: str | None, deps: Deps) -> None:
    text = strip_mention(event.get("text") or "", bot_user_id)
    message = await deps.reply(text, surface="mention", ephemeral=False, user=event.get("user"))
    await client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        **message_kwargs(message),
    )
    quiz.note_reply(deps, message, event.get("team"), event.get("user"))  # for stats, after the reply


async def handle_direct_message(
    ack: AsyncAck,
    body: dict[str, Any],
    event: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    *,
    deps: Deps,
) -> None:
    """Answer a direct message; edits, joins, files and bot messages (ours included) are ignored."""
    await ack()
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    deps.later(_answer_dm(event, client, context.bot_user_id, deps), body)


async def _answer_dm(event: dict[str, Any], client: AsyncWebClient, bot_user_id: str | None, deps: Deps) -> None:
    text = strip_mention(event.get("text") or "", bot_user_id)
    message = await deps.reply(text, surface="dm", ephemeral=False, user=event.get("user"))
    kwargs = message_kwargs(message)
    if event.get("thread_ts"):
        kwargs["thread_ts"] = event["thread_ts"]
    await client.chat_postMessage(channel=event["channel"], **kwargs)
    quiz.note_reply(deps, message, event.get("team"), event.get("user"))  # for stats, after the reply


async def handle_app_home_opened(
    ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, *, deps: Deps
) -> None:
    """Publish the Home tab (the topic list with buttons) whenever a user opens it."""
    await ack()
    if event.get("tab") != "home":
        return
    view = to_home_view(deps.library.topics, deps.library.disclaimer)
    deps.later(_publish(client, event["user"], view), body)


async def _publish(client: AsyncWebClient, user: str, view: dict[str, Any]) -> None:
    await client.views_publish(user_id=user, view=view)


def register(app: AsyncApp, deps: Deps) -> None:
    app.event("app_mention")(bind(handle_app_mention, deps=deps))
    app.event("message")(bind(handle_direct_message, deps=deps))
    app.event("app_home_opened")(bind(handle_app_home_opened, deps=deps))
