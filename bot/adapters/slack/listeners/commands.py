"""`/bloodpatch <text>`: ack at once, then answer privately through the response_url."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.adapters.slack.listeners import lazily
from bot.adapters.slack.replies import reply_for
from bot.adapters.slack.transport import post_to_response_url

if TYPE_CHECKING:
    from bot.core import Library

log = logging.getLogger(__name__)

COMMAND = "/bloodpatch"


async def handle_bloodpatch_command(ack: AsyncAck, command: dict[str, Any], *, library: Library) -> None:
    """Answer `/bloodpatch` ephemerally; the reply has a "Share in channel" button."""
    await ack()  # within Slack's 3 seconds, before any work
    message = reply_for(
        library, command.get("text") or "", surface="command", ephemeral=True, user=command.get("user_id")
    )
    response_url = command.get("response_url")
    if not response_url:
        log.warning("slash command without response_url; nothing to answer to")
        return
    await post_to_response_url(response_url, message, response_type="ephemeral")


def register(app: AsyncApp, library: Library) -> None:
    app.command(COMMAND)(**lazily(handle_bloodpatch_command, library=library))
