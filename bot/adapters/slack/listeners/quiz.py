"""Quiz, feedback and admin commands on Slack: the `bp:` buttons and the engagement subcommands.

- Buttons (`bp:q:…` answer, `bp:qn:…` next question, `bp:fb:…` feedback): acked at once;
  the result goes privately to whoever pressed (the presser is scored, whoever got the card),
  through the response_url with `replace_original: false`.
- `/bloodpatch quiz|score|leaderboard|stats|daily|privacy …` (`handle_subcommand`, called by
  the command listener): the reply rides in the ack when ready within the ack budget, else
  follows at the response_url, like every other answer.
- Answered questions are counted (`count_answer`, `note_reply`) after the reply, in the
  background (`QuizFeature.note_answer`).

Register before the catch-all action listener: Bolt tries listeners in registration order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.listeners import bind
from bot.adapters.slack.listeners.errors import log_error
from bot.adapters.slack.quiz_parse import QuizCommand, parse_quiz_command
from bot.adapters.slack.quiz_render import (
    card_message,
    leaderboard_message,
    notice_message,
    outcome_message,
    question_of,
    stats_message,
    usage_message,
)
from bot.adapters.slack.quiz_service import QuizFeature, attach, slack_user
from bot.adapters.slack.render import SlackMessage, to_error
from bot.adapters.slack.transport import message_kwargs, post_to_response_url
from bot.core.quiz import FeedbackButton, NextQuestionButton, decode_custom_id
from bot.engagement import UNAVAILABLE, Engagement, Notice, QuizCard, QuizOutcome
from bot.store import InvalidKey, StoreUnavailable, clean_display_name, scope_of

if TYPE_CHECKING:
    from bot.adapters.slack.listeners import Deps

log = logging.getLogger(__name__)

ACTION_PATTERN = re.compile(r"^bp:")
NOT_ADMIN = (
    "Sorry, only this bot's admins can use `/bloodpatch {name}`. "
    "Ask whoever runs the bot to add your member ID to SLACK_ADMIN_USERS."
)
WHO_ARE_YOU = "Sorry, I could not tell who you are from this request, so I cannot keep a score for it."
NO_DM_DAILY = "The daily question needs a channel. Run `/bloodpatch daily on` in the channel that should get it."
DEFAULT_PLAYER_NAME = "Slack member"


# -- buttons ------------------------------------------------------------------------------------


async def handle_quiz_action(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, *, deps: Deps
) -> None:
    """Any `bp:` button: ack now, answer the presser privately afterwards."""
    await ack()
    if deps.quiz is not None:
        deps.later(_answer_press(body, action, client, deps.quiz), body)


async def _answer_press(
    body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, feature: QuizFeature
) -> None:
    action_id = str(action.get("action_id") or "")
    presser = body.get("user") or {}
    user_id = presser.get("id")
    user = slack_user((body.get("team") or {}).get("id") or presser.get("team_id"), user_id)
    if user is None:
        await _send_private(client, body, notice_message(WHO_ARE_YOU))
        return
    container = body.get("container") or {}
    # One press per person, message and button: a double click (a new trigger_id each time) counts once.
    where = container.get("message_ts") or action.get("action_ts") or body.get("trigger_id")
    engagement = await feature.engagement()
    button = decode_custom_id(action_id)
    if isinstance(button, NextQuestionButton):
        card = await engagement.next_card(user, button.topic, button.audience)
        message = card_message(card) if isinstance(card, QuizCard) else notice_message(card)
    elif isinstance(button, FeedbackButton):
        # One vote per person per answer, whichever of the three buttons comes first.
        question = question_of(action.get("value")) if button.kind == "not_asked" else None
        event_id = f"{where}:{user_id}:feedback"
        message = notice_message(await engagement.feedback(user, action_id, event_id=event_id, question=question))
    else:  # an answer button, or a `bp:` id that no longer parses: `answer` says it is out of date
        outcome = await engagement.answer(user, action_id, event_id=f"{where}:{user_id}:{action_id}")
        message = outcome_message(outcome) if isinstance(outcome, QuizOutcome) else notice_message(outcome)
    await _send_private(client, body, message)


async def _send_private(client: AsyncWebClient, body: dict[str, Any], message: SlackMessage) -> None:
    """Only the presser sees it: the response_url (ephemeral), else chat.postEphemeral, else a DM."""
    response_url = body.get("response_url")
    if response_url:
        await post_to_response_url(response_url, message, response_type="ephemeral", replace_original=False)
        return
    user_id = (body.get("user") or {}).get("id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not user_id:
        return
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user_id, **message_kwargs(message))
    else:
        await client.chat_postMessage(channel=user_id, **message_kwargs(message))


# -- /bloodpatch quiz|score|leaderboard|stats|daily|privacy -----------------------------------------


async def handle_subcommand(ack: AsyncAck, command: dict[str, Any], *, deps: Deps) -> bool:
    """Answer an engagement subcommand and return True; False (nothing done) for any other text."""
    feature = deps.quiz
    parsed = parse_quiz_command(command.get("text") or "") if feature is not None else None
    if feature is None or parsed is None:
        return False
    await _reply_in_ack(ack, command, deps, _run(parsed, command, feature))
    return True


async def _reply_in_ack(
    ack: AsyncAck, command: dict[str, Any], deps: Deps, work: Coroutine[Any, Any, SlackMessage]
) -> None:
    """The reply in the ack when ready within the ack budget; else an empty ack, then the response_url."""
    task = asyncio.ensure_future(work)
    if deps.ack_budget > 0:
        await asyncio.wait({task}, timeout=deps.ack_budget)
    if task.done():
        try:
            message = task.result()
        except Exception as error:
            log_error(error, command)
            message = to_error()
        await ack(response_type="ephemeral", **message.as_kwargs())
        return
    await ack()
    deps.later(_reply_late(task, command.get("response_url")), command)


async def _reply_late(task: asyncio.Future[SlackMessage], response_url: str | None) -> None:
    message = await task
    if response_url:
        await post_to_response_url(response_url, message, response_type="ephemeral")
    else:
        log.warning("slash command without response_url; nothing to answer to")


async def _run(parsed: QuizCommand, command: dict[str, Any], feature: QuizFeature) -> SlackMessage:
    if parsed.problem:
        return usage_message(parsed.problem)
    user_id = command.get("user_id")
    if parsed.admin_only and not feature.is_admin(user_id):
        return usage_message(NOT_ADMIN.format(name=parsed.name))
    user = slack_user(command.get("team_id"), user_id)
    if user is None:
        return notice_message(WHO_ARE_YOU)
    engagement = await feature.engagement()
    handler = _HANDLERS[parsed.name]
    return await handler(engagement, parsed, command, user)


async def _quiz(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    card = await engagement.next_card(user, parsed.topic, parsed.audience)
    return card_message(card) if isinstance(card, QuizCard) else notice_message(card)


async def _score(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    return notice_message(await engagement.score(user))


async def _leaderboard(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    if parsed.action == "join":
        return notice_message(await engagement.join_leaderboard(user, _display_name(command)))
    if parsed.action == "leave":
        return notice_message(await engagement.join_leaderboard(user, None))
    rows = await engagement.leaderboard(scope_of(user))
    return notice_message(rows) if isinstance(rows, Notice) else leaderboard_message(rows)


def _display_name(command: dict[str, Any]) -> str:
    """The member's Slack name from the payload, cleaned of markup and pings; a neutral one if nothing is left."""
    try:
        return clean_display_name(str(command.get("user_name") or ""))
    except ValueError:
        return DEFAULT_PLAYER_NAME


async def _stats(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    notice = await engagement.stats_text(parsed.days)
    return stats_message(notice) if notice.ok else notice_message(notice)


async def _privacy(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    return notice_message(await engagement.keep_text(scope_of(user), parsed.action == "keep_text_on"))


async def _daily(engagement: Engagement, parsed: QuizCommand, command: dict[str, Any], user: str) -> SlackMessage:
    channel_id = str(command.get("channel_id") or "")
    if not channel_id or channel_id.startswith("D"):
        return usage_message(NO_DM_DAILY)
    channel = f"slack:{channel_id}"
    try:
        if parsed.action == "off":
            removed = await engagement.store.remove_daily(channel)
            return notice_message(
                "The daily question is off in this channel." if removed else "The daily question was not on here."
            )
        problem = engagement.topic_problem(parsed.topic, parsed.audience)
        if problem is not None:
            return notice_message(problem)
        topic = engagement.resolve_topic(parsed.topic) if parsed.topic else None
        await engagement.store.set_daily(
            channel, scope_of(user), parsed.hour_utc, topic=topic, audience=parsed.audience
        )
    except StoreUnavailable:
        return notice_message(UNAVAILABLE.format(what="The daily question"))
    except (InvalidKey, ValueError) as error:
        log.info("daily question refused: %s", error)
        return notice_message("Sorry, this channel cannot get a daily question.")
    filters = ", ".join(x for x in (topic, parsed.audience) if x) or "any topic"
    return notice_message(
        f"The daily question is on in this channel: one question every day at {parsed.hour_utc:02d}:00 UTC "
        f"({filters}). The app must be a member of the channel to post. Turn it off with /bloodpatch daily off."
    )


_Handler = Callable[[Engagement, QuizCommand, dict[str, Any], str], Awaitable[SlackMessage]]
_HANDLERS: dict[str, _Handler] = {
    "quiz": _quiz,
    "score": _score,
    "leaderboard": _leaderboard,
    "stats": _stats,
    "privacy": _privacy,
    "daily": _daily,
}


# -- counting answered questions --------------------------------------------------------------------


def count_answer(deps: Deps, pending: asyncio.Future[SlackMessage], team_id: object, user_id: object) -> None:
    """Once `pending` (a reply being worked out) is ready, queue its answer for the stats; never waits."""
    feature, user = deps.quiz, slack_user(team_id, user_id)
    if feature is None or user is None:
        return

    def done(future: asyncio.Future[SlackMessage]) -> None:
        if not future.cancelled() and future.exception() is None:
            feature.note_answer(user, future.result().answer)

    pending.add_done_callback(done)


def note_reply(deps: Deps, message: SlackMessage, team_id: object, user_id: object) -> None:
    """Queue the answer of a reply already sent (mentions, DMs) for the stats."""
    user = slack_user(team_id, user_id)
    if deps.quiz is not None and user is not None:
        deps.quiz.note_answer(user, message.answer)


# -- registration ---------------------------------------------------------------------------------


class _StartDaily(AsyncMiddleware):
    """Starts the daily-question loop on the first request when the app was built outside an event loop."""

    def __init__(self, feature: QuizFeature, client: AsyncWebClient) -> None:
        self.feature = feature
        self.client = client

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        if not self.feature.daily_running:
            self.feature.start(self.client)
        return await next()


def register(app: AsyncApp, deps: Deps) -> None:
    """The `bp:` button listener (before any catch-all) and the daily loop (now, or on the first request)."""
    if deps.quiz is None:
        return
    attach(app, deps.quiz)
    app.action(ACTION_PATTERN)(bind(handle_quiz_action, deps=deps))
    app.use(_StartDaily(deps.quiz, app.client))
    with contextlib.suppress(RuntimeError):  # no running event loop yet: the first request starts it
        deps.quiz.start(app.client)
