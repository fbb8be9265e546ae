"""`/bloodpatch <text>`: the answer rides in the ack when ready in time, else follows at the response_url."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse

from bot.adapters.slack.listeners import bind, quiz
from bot.adapters.slack.listeners.errors import log_error
from bot.adapters.slack.render import SlackMessage, to_error
from bot.adapters.slack.transport import post_to_response_url

if TYPE_CHECKING:
    from bot.adapters.slack.listeners import Deps

log = logging.getLogger(__name__)

COMMAND = "/bloodpatch"


async def handle_bloodpatch_command(ack: AsyncAck, command: dict[str, Any], *, deps: Deps) -> None:
    """Answer `/bloodpatch` ephemerally; the reply has a "Share in channel" button.

    The ack is the answer when the answer is ready within `deps.ack_budget` (a rendered
    topic is ready at once); otherwise an empty ack goes out in time and the answer
    follows at the response_url. Either way Slack shows it only to the user who asked.
    """
    if await quiz.handle_subcommand(ack, command, deps=deps):  # quiz, score, leaderboard, stats, daily, privacy
        return
    text, user = command.get("text") or "", command.get("user_id")
    pending = deps.start_reply(text, surface="command", ephemeral=True, user=user)
    quiz.count_answer(deps, pending, command.get("team_id"), user)  # for stats, after the reply
    try:
        message = await _within(pending, deps.ack_budget)
    except Exception as error:
        log_error(error, command)
        await ack(response_type="ephemeral", **to_error().as_kwargs())
        return
    if message is not None:
        # What `await ack(response_type="ephemeral", **message.as_kwargs())` would do, with the
        # body encoded once per kept message instead of on every request.
        ack.response = BoltResponse(status=200, body=message.ack_json("ephemeral"))
        return
    await ack()  # in time, empty: the answer follows
    deps.later(_answer_late(pending, command.get("response_url")), command)


async def _within(pending: asyncio.Future[SlackMessage], budget: float) -> SlackMessage | None:
    """The reply if it is ready within `budget` seconds (0: never, always answer late)."""
    if budget <= 0:
        return None
    if not pending.done():
        await asyncio.wait({pending}, timeout=budget)
        if not pending.done():
            return None
    return pending.result()


async def _answer_late(pending: asyncio.Future[SlackMessage], response_url: str | None) -> None:
    message = await pending
    if not response_url:
        log.warning("slash command without response_url; nothing to answer to")
        return
    await post_to_response_url(response_url, message, response_type="ephemeral")


def register(app: AsyncApp, deps: Deps) -> None:
    app.command(COMMAND)(bind(handle_bloodpatch_command, deps=deps))
