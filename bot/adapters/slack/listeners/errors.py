"""The one fallback for unexpected errors: log with context, tell the user one calm sentence."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.render import to_error
from bot.adapters.slack.transport import post_to_response_url
from bot.core.requestlog import pseudonym

log = logging.getLogger(__name__)


def _ids(body: dict[str, Any]) -> tuple[str | None, str | None]:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    return team, user


async def handle_error(error: Exception, body: dict[str, Any]) -> None:
    """Log an unexpected listener error (never the message text) and apologise where we can."""
    team, user = _ids(body)
    log.error(
        "slack listener failed: request=%s team=%s user=%s",
        body.get("type") or ("command" if "command" in body else "?"),
        pseudonym(team),
        pseudonym(user),
        exc_info=error,
    )
    response_url = body.get("response_url")
    if response_url:
        await post_to_response_url(response_url, to_error(), replace_original=False)


def register(app: AsyncApp) -> None:
    app.error(handle_error)
