"""Buttons: "Share in channel", the audience toggle, and topic buttons (related, suggestions, help, Home).

Button values carry the topic and audience (see `render.ButtonState`), so a click
rebuilds its answer from the current content and needs no server-side state.
Slack ignores the ack body of a click, so each one is acked at once and answered
through its response_url (or the Web API) afterwards.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.listeners import bind
from bot.adapters.slack.render import ACTION_AUDIENCE, ACTION_SHARE, ACTION_TOPIC_PREFIX, ButtonState
from bot.adapters.slack.transport import message_kwargs, post_to_response_url

if TYPE_CHECKING:
    from bot.adapters.slack.listeners import Deps

log = logging.getLogger(__name__)


def _state(action: dict[str, Any]) -> ButtonState | None:
    state = ButtonState.decode(action.get("value"))
    if state is None:
        log.warning("ignoring %r click with a malformed value", str(action.get("action_id", "?"))[:64])
    return state


async def handle_share_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], *, deps: Deps) -> None:
    """Re-post the answer publicly (`in_channel`) through the response_url; the private copy stays."""
    await ack()
    state = _state(action)
    response_url = body.get("response_url")
    if state is None or not response_url:
        return
    message = deps.replies.topic(state.topic, state.audience, shareable=False)
    deps.later(post_to_response_url(response_url, message, response_type="in_channel", replace_original=False), body)


async def handle_show_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    *,
    deps: Deps,
) -> None:
    """Show a topic (audience toggle, related topic, suggestion, help or Home button) to the clicker only.

    - on our private reply: replace it in place;
    - on a message everyone sees (mention thread, DM, shared answer): a new private reply,
      in the same thread;
    - on the App Home tab (no response_url): a message in the app's Messages tab.
    """
    await ack()
    state = _state(action)
    if state is None:
        return
    container = body.get("container") or {}
    response_url = body.get("response_url")
    if container.get("type") == "view" or not response_url:
        user_id = (body.get("user") or {}).get("id")
        if not user_id:
            return
        message = deps.replies.topic(state.topic, state.audience, shareable=False)
        deps.later(client.chat_postMessage(channel=user_id, **message_kwargs(message)), body)
        return
    message = deps.replies.topic(state.topic, state.audience, shareable=True)
    if container.get("is_ephemeral"):
        deps.later(post_to_response_url(response_url, message, replace_original=True), body)
    else:
        thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        deps.later(post_to_response_url(response_url, message, replace_original=False, thread_ts=thread_ts), body)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ACTION_SHARE)(bind(handle_share_action, deps=deps))
    app.action(ACTION_AUDIENCE)(bind(handle_show_action, deps=deps))
    app.action(re.compile("^" + re.escape(ACTION_TOPIC_PREFIX)))(bind(handle_show_action, deps=deps))
