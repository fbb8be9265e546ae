"""Bolt listeners: each module holds plain handler functions plus `register(app, library)`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

if TYPE_CHECKING:
    from bot.core import Library


def bind(func: Callable[..., Any], **deps: Any) -> Callable[..., Any]:
    """`functools.partial` that keeps the handler's name for Bolt's logs.

    Bolt injects arguments by the names it reads from the unwrapped function
    (`ack`, `command`, ...); our own dependencies are keyword-only and bound here.
    """
    return functools.update_wrapper(functools.partial(func, **deps), func)


def register(app: AsyncApp, library: Library) -> None:
    """Attach every Slack listener of bloodpatch-bot to `app`."""
    from bot.adapters.slack.listeners import actions, commands, errors, events

    commands.register(app, library)
    actions.register(app, library)
    events.register(app, library)
    errors.register(app)
