"""How big `/bloodpatch` is, counted the way Discord counts it, so lint and `sync` catch it first.

Discord caps each application command's size: "combined name, description, and value
properties for each command, its options (including subcommands and groups), and choices.
When localization fields are present, only the longest localization for each field
(including the default value) is counted" (discord-api-docs, Application Commands).
The docs said 4,000 until February 2024 (discord-api-docs #6668 raised it to 8,000; the
API now answers "Command exceeds maximum size (8000)").  We keep 4,000 as our budget:
it is what the project promised, older tooling still checks it, and the other half is
headroom for subcommands still to come (quiz, score, leaderboard, stats, daily).

Counting is done on the JSON discord.py sends (`command.to_dict(tree)`, or the translated
payload when the tree has a translator), never on our own idea of the command.  Lengths are
in UTF-16 code units: never less than the characters Discord counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from discord import app_commands

COMMAND_SIZE_LIMIT = 4000
# The fields that count; each may have a `<field>_localizations` map of which the longest counts.
_COUNTED = ("name", "description", "value")


class _Topic(Protocol):
    """A topic as lint (content's `TopicModel`) or the bot (core's `TopicRef`) holds it."""

    id: str
    title: str
    command: str | None


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def payload_size(payload: Mapping[str, Any]) -> int:
    """The size of one command payload (a dict as sent to Discord), options and choices included."""
    size = 0
    for key in _COUNTED:
        if key not in payload or payload[key] is None:
            continue
        localized = (payload.get(f"{key}_localizations") or {}).values()
        size += max(_units(str(text)) for text in (payload[key], *localized))
    for child in (*(payload.get("options") or ()), *(payload.get("choices") or ())):
        size += payload_size(child)
    return size


class _PayloadTree:
    """What `Group.to_dict` reads from a tree (contexts and installs, which do not count)."""

    allowed_contexts = app_commands.AppCommandContext()
    allowed_installs = app_commands.AppInstallationType()


Measured = app_commands.CommandTree[Any] | app_commands.Group | app_commands.Command[Any, ..., Any]


def command_size(command: Measured, tree: app_commands.CommandTree[Any] | None = None) -> int:
    """Discord's size of a command or group; for a tree, of its largest global command.

    `tree` is the tree the command is on (its `to_dict` needs one); without it a stand-in
    is used, which changes nothing that counts.
    """
    if isinstance(command, app_commands.CommandTree):
        return max((command_size(c, command) for c in command.get_commands()), default=0)
    return payload_size(command.to_dict(tree or _PayloadTree()))  # type: ignore[arg-type]


async def synced_sizes(tree: app_commands.CommandTree[Any], guild: Any = None) -> dict[str, int]:
    """The size of every command `tree.sync(guild=...)` would send, translations included."""
    commands = tree.get_commands(guild=guild)
    translator = tree.translator
    sizes = {}
    for command in commands:
        payload = await command.get_translated_payload(tree, translator) if translator else command.to_dict(tree)
        sizes[command.name] = payload_size(payload)
    return sizes


def size_line(name: str, size: int, limit: int | None = None) -> str:
    """`Discord /bloodpatch: 1,702 of 4,000 characters`, for lint's output."""
    limit = COMMAND_SIZE_LIMIT if limit is None else limit
    return f"Discord /{name}: {size:,} of {limit:,} characters"


def over_limit(name: str, size: int, limit: int | None = None) -> str | None:
    """The one line lint and `sync` print when the command is too big, else None."""
    limit = COMMAND_SIZE_LIMIT if limit is None else limit
    if size <= limit:
        return None
    return (
        f"{size_line(name, size, limit)}, over the limit by {size - limit:,}: Discord would refuse `sync`; "
        "shorten subcommand or option descriptions in bot/adapters/discord/cog.py"
    )


def tree_problem(tree: app_commands.CommandTree[Any]) -> str | None:
    """`over_limit` for the largest command on the tree (what `sync discord` checks before any request)."""
    sizes = {c.name: command_size(c, tree) for c in tree.get_commands()}
    if not sizes:
        return None
    name = max(sizes, key=lambda n: sizes[n])
    return over_limit(name, sizes[name])


def lint_discord(topics: Iterable[_Topic]) -> tuple[str, bool]:
    """Build `/bloodpatch` from content's topics as the bot would; return (line to print, over the limit).

    Needs no client, token or network: only the command definitions.
    """
    from bot.adapters.discord.cog import GROUP_NAME, BloodpatchGroup
    from bot.core import TopicRef

    refs = [TopicRef(t.id, t.title, t.command or t.id) for t in topics]
    group = BloodpatchGroup(None, refs)
    size = command_size(group)
    problem = over_limit(GROUP_NAME, size)
    if problem is not None:
        return problem, True
    line = size_line(GROUP_NAME, size)
    hidden = len(refs) - len(group.topic_commands)
    if hidden:
        line += (
            f" ({len(group.topic_commands)} of {len(refs)} topics have a subcommand; "
            f"every topic is in /{GROUP_NAME} topic)"
        )
    return line, False
