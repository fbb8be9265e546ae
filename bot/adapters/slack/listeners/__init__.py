"""Bolt listeners: each module holds plain handler functions plus `register(app, library)`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

if TYPE_CHECKING:
    from bot.core import Library


def bind(func: Callable[..., Any], **deps: Any) -> Callable[..., Any]:
    """`functools.partial` that keeps the handler's name for Bolt's logs.

    Bolt injects arguments by the names it reads from the unwrapped function
    (`ack`, `command`, ...); our own dependencies are keyword-only and bound here.
    """
    return functools.update_wrapper(functools.partial(func, **deps), func)


async def ack_now(ack: AsyncAck) -> None:
    """The whole synchronous part of every listener: acknowledge at once."""
    await ack()


def lazily(func: Callable[..., Any], **deps: Any) -> dict[str, Any]:
    """Listener kwargs that ack immediately and run `func` afterwards as a Bolt lazy listener.

    The app runs with `process_before_response=True`, so the HTTP response (the ack)
    goes out as soon as `ack_now` returns instead of Bolt polling for it, and the real
    work runs in the background. Bolt only logs a lazy listener's exceptions, so the
    work is wrapped to reach our error fallback (log + one calm sentence to the user).
    """
    bound = bind(func, **deps)

    @functools.wraps(bound)
    async def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            await bound(*args, **kwargs)
        except Exception as error:
            from bot.adapters.slack.listeners.errors import handle_error

            await handle_error(error, kwargs.get("body") or kwargs.get("command") or {})

    return {"ack": ack_now, "lazy": [guarded]}


def register(app: AsyncApp, library: Library) -> None:
    """Attach every Slack listener of bloodpatch-bot to `app`."""
    from bot.adapters.slack.listeners import actions, commands, errors, events

    commands.register(app, library)
    actions.register(app, library)
    events.register(app, library)
    errors.register(app)
