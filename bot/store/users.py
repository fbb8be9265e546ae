"""User keys, scopes and channels as the store takes them, and the salted hash that replaces a user.

A user key names one person on one platform in one scope (server or workspace):

    discord:<guild_id>:<user_id>    e.g. discord:81384788765712384:80351110224678912
    discord:dm:<user_id>            a direct message (no server)
    slack:<team_id>:<user_id>       e.g. slack:T0123ABCD:U0456EFGH
    shell:<name>                    a local terminal user, e.g. shell:alice

Its scope is everything before the user part (`discord:<guild_id>`, `discord:dm`,
`slack:<team_id>`, `shell`). Daily-question channels are `discord:<channel_id>` or
`slack:<channel_id>`. The store keeps only `user_hash(salt, key)`, never the key itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_DISCORD_ID = r"[0-9]{1,20}"
_SLACK_ID = r"[A-Z0-9]{2,32}"
_SHELL_NAME = r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}"
_USER_RE = re.compile(
    rf"(?P<platform>discord):(?P<scope>{_DISCORD_ID}|dm):(?P<user>{_DISCORD_ID})"
    rf"|(?P<platform2>slack):(?P<scope2>{_SLACK_ID}):(?P<user2>{_SLACK_ID})"
    rf"|(?P<platform3>shell):(?P<user3>{_SHELL_NAME})"
)
_SCOPE_RE = re.compile(rf"discord:(?:{_DISCORD_ID}|dm)|slack:{_SLACK_ID}|shell")
_CHANNEL_RE = re.compile(rf"discord:{_DISCORD_ID}|slack:{_SLACK_ID}")

USER_KEY_HELP = (
    "a user is discord:<guild_id>:<user_id>, discord:dm:<user_id>, slack:<team_id>:<user_id> or shell:<name>"
)
SCOPE_HELP = "a scope is discord:<guild_id>, discord:dm, slack:<team_id> or shell"
CHANNEL_HELP = "a channel is discord:<channel_id> or slack:<channel_id>"


class InvalidKey(ValueError):
    """A user key, scope or channel that does not have the documented shape; `str()` says the shape."""


@dataclass(frozen=True, slots=True)
class UserRef:
    """A parsed user key; `scope` is where leaderboards and text opt-in apply."""

    platform: str
    scope_id: str | None  # guild/team id or "dm"; None for shell
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}" if self.scope_id is None else f"{self.scope}:{self.user_id}"

    @property
    def scope(self) -> str:
        return self.platform if self.scope_id is None else f"{self.platform}:{self.scope_id}"


def parse_user(key: str) -> UserRef:
    """The parts of a user key; InvalidKey (with the accepted shapes) for anything else."""
    match = _USER_RE.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise InvalidKey(f"not a user key: {str(key)[:80]!r} ({USER_KEY_HELP})")
    if match["platform"]:
        return UserRef("discord", match["scope"], match["user"])
    if match["platform2"]:
        return UserRef("slack", match["scope2"], match["user2"])
    return UserRef("shell", None, match["user3"])


def user_key(platform: str, scope_id: str | None, user_id: str) -> str:
    """Build and check a user key: user_key("discord", guild_id or None, user_id) etc.

    Discord without a guild (a DM) gets scope "dm"; shell ignores `scope_id`.
    """
    if platform == "shell":
        return parse_user(f"shell:{user_id}").key
    return parse_user(f"{platform}:{scope_id or 'dm'}:{user_id}").key


def scope_of(key: str) -> str:
    """The scope of a user key, e.g. scope_of("slack:T1:U2") == "slack:T1"."""
    return parse_user(key).scope


def check_scope(scope: str) -> str:
    if not isinstance(scope, str) or not _SCOPE_RE.fullmatch(scope):
        raise InvalidKey(f"not a scope: {str(scope)[:80]!r} ({SCOPE_HELP})")
    return scope


def check_channel(channel: str) -> str:
    if not isinstance(channel, str) or not _CHANNEL_RE.fullmatch(channel):
        raise InvalidKey(f"not a channel: {str(channel)[:80]!r} ({CHANNEL_HELP})")
    return channel


def user_hash(salt: str, key: str) -> str:
    """32 hex characters: a keyed BLAKE2b of the user key. Without the salt it cannot be reversed by guessing ids."""
    secret = hashlib.sha256(salt.encode()).digest()
    return hashlib.blake2b(parse_user(key).key.encode(), key=secret, digest_size=16).hexdigest()
