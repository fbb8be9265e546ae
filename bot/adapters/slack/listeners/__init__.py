"""Bolt listeners: each module holds plain handler functions plus `register(app, deps)`.

Every listener acks first. A slash command's ack carries its answer when the answer is
ready within `Deps.ack_budget`; everything else (events, clicks, a late command answer)
goes on after the ack as a tracked task (`Deps.later`). No Bolt lazy listeners: Bolt
deep-copies the whole request for each one, which cost a fifth of a command's time.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack import transport
from bot.adapters.slack.render import SlackMessage
from bot.adapters.slack.replies import Replies

if TYPE_CHECKING:
    from bot.adapters.slack.quiz_service import QuizFeature
    from bot.core import Library

# Slack shows the user an error when the ack takes over 3 s; leave room for the network.
ACK_BUDGET_SECONDS = 1.5
# The core is synchronous: a thread lets the ack go out on time while a slow answer is worked out.
# One is enough (the core holds the GIL, so more threads add no speed) and each one more cost
# ~20 MB of resident memory in the bench; if one answer hangs, later ones answer at the response_url.
ANSWER_THREADS = 1


@dataclass
class Deps:
    """What the listeners share: the content, rendered replies, the ack budget, the answer threads.

    One per app; new features (quiz, feedback) add their own fields here.
    """

    library: Library
    ack_budget: float = ACK_BUDGET_SECONDS
    quiz: QuizFeature | None = None  # quiz, feedback, stats, daily question (None: those buttons/commands are off)
    replies: Replies = field(init=False)
    executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.replies = Replies(self.library)
        self.executor = ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix="slack-answer")

    def start_reply(
        self, text: str, *, surface: str, ephemeral: bool, user: str | None
    ) -> asyncio.Future[SlackMessage]:
        """The reply to `text`: done at once when already rendered, else worked out in a thread."""
        cached = self.replies.cached(text, surface=surface, ephemeral=ephemeral, user=user)
        loop = asyncio.get_running_loop()
        if cached is not None:
            done: asyncio.Future[SlackMessage] = loop.create_future()
            done.set_result(cached)
            return done
        work = functools.partial(self.replies.reply, text, surface=surface, ephemeral=ephemeral, user=user)
        return loop.run_in_executor(self.executor, work)

    async def reply(self, text: str, *, surface: str, ephemeral: bool, user: str | None) -> SlackMessage:
        return await self.start_reply(text, surface=surface, ephemeral=ephemeral, user=user)

    def later(self, work: Coroutine[Any, Any, None], body: dict[str, Any]) -> None:
        """Run `work` after the ack; an error in it reaches the one fallback (log + a calm sentence)."""
        transport.spawn(_guarded(work, body))


async def _guarded(work: Coroutine[Any, Any, None], body: dict[str, Any]) -> None:
    try:
        await work
    except Exception as error:
        from bot.adapters.slack.listeners.errors import handle_error

        await handle_error(error, body)


def bind(func: Callable[..., Any], **deps: Any) -> Callable[..., Any]:
    """`functools.partial` that keeps the handler's name for Bolt's logs.

    Bolt injects arguments by the names it reads from the unwrapped function
    (`ack`, `command`, ...); our own dependencies are keyword-only and bound here.
    """
    return functools.update_wrapper(functools.partial(func, **deps), func)


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach every Slack listener of bloodpatch-bot to `app` (the catch-alls last)."""
    from bot.adapters.slack.listeners import actions, commands, errors, events, quiz

    commands.register(app, deps)
    quiz.register(app, deps)  # its `bp:` buttons must come before the catch-all in errors
    actions.register(app, deps)
    events.register(app, deps)
    errors.register(app)
