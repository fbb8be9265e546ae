"""The fallbacks, registered last: unknown commands and buttons get one polite sentence,
anything else nobody handles gets a quiet 200, and an unexpected error is logged with
context while the user is told one calm sentence.

Bolt's own handling of an unhandled request is a 404 and a multi-line warning (with a code
sample) in the log; Slack then tells the user the app failed. Here the app runs with
`raise_error_for_unhandled_request=True`, so those requests reach `handle_error` instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse

from bot.adapters.slack.render import UNKNOWN_ACTION_TEXT, UNKNOWN_COMMAND_TEXT, to_error, to_notice
from bot.adapters.slack.transport import post_to_response_url, spawn
from bot.core.requestlog import pseudonym

log = logging.getLogger(__name__)

_ANY = re.compile(".*")


def _ids(body: dict[str, Any]) -> tuple[str | None, str | None]:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    return team, user


def _kind(body: dict[str, Any]) -> str:
    kind = body.get("type") or ("command" if "command" in body else "?")
    if kind == "event_callback":
        kind = f"event:{(body.get('event') or {}).get('type', '?')}"
    return str(kind)[:64]


def log_error(error: Exception, body: dict[str, Any]) -> None:
    """Log an unexpected listener error with context, never the message text (ids are hashed)."""
    team, user = _ids(body)
    log.error(
        "slack listener failed: request=%s team=%s user=%s",
        _kind(body),
        pseudonym(team),
        pseudonym(user),
        exc_info=error,
    )


async def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """Bolt's error handler, and the fallback of the work done after an ack.

    A request no listener handles is answered 200 with one quiet log line. Any other
    error is logged, and the user is told one calm sentence where there is a response_url.
    """
    if isinstance(error, BoltUnhandledRequestError):
        log.info("slack: no listener for %s; answered 200 and ignored", _kind(body))
        return BoltResponse(status=200, body="")
    log_error(error, body)
    response_url = body.get("response_url")
    if response_url:
        await post_to_response_url(response_url, to_error(), replace_original=False)
    return None


async def handle_unknown_command(ack: AsyncAck, command: dict[str, Any]) -> None:
    """A slash command routed to us that we do not serve (e.g. an old manifest): say what works."""
    await ack(response_type="ephemeral", **to_notice(UNKNOWN_COMMAND_TEXT).as_kwargs())
    log.info("slack: unknown command %r; told the user which one works", str(command.get("command", "?"))[:32])


async def handle_unknown_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
    """A button we do not know (from an older version, or another app's blocks): a polite private note."""
    await ack()
    log.info("slack: unknown action %r; told the user", str(action.get("action_id", "?"))[:64])
    response_url = body.get("response_url")
    if response_url:
        spawn(post_to_response_url(response_url, to_notice(UNKNOWN_ACTION_TEXT), replace_original=False))


def register(app: AsyncApp) -> None:
    """Catch-alls: register after every specific listener (Bolt tries listeners in order)."""
    app.command(_ANY)(handle_unknown_command)
    app.action(_ANY)(handle_unknown_action)
    app.error(handle_error)
