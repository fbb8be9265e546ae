"""The training subcommands of `/bloodpatch`: quiz, score, leaderboard, stats (admin), daily (admin).

They sit in the one `/bloodpatch` group (in the slots `cog.FUTURE_NAMES` kept free), so lint and
`sync` measure them with the rest of the command. Each callback only parses the options and
hands over to the quiz cog (`quiz_cog.QuizCog`); `build(group)` makes fresh `Command` objects for
every group, because a command belongs to exactly one parent.

Admin checks are in code (`interaction.permissions.manage_guild`): Discord's
`default_member_permissions` applies to top-level commands only, not to one subcommand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands

from bot.adapters.discord.views import QUIZ_COG_NAME

if TYPE_CHECKING:
    from bot.adapters.discord.quiz_cog import QuizCog

AudienceFilter = Literal["patient", "clinician"]
LeaderboardAction = Literal["show", "join", "leave"]
DailySwitch = Literal["on", "off"]
TOPIC_HELP = "Topic (default: any)"
LEVEL_HELP = "Level (default: mixed)"
HOUR_HELP = "Hour to post, UTC (default 9)"
NAMES = ("quiz", "score", "leaderboard", "stats", "daily")


def _cog(interaction: discord.Interaction) -> QuizCog:
    cog: Any = interaction.client.get_cog(QUIZ_COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError(f"the {QUIZ_COG_NAME} cog is not loaded")
    return cog


async def _topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return _cog(interaction).quiz_topic_choices(current)


@app_commands.describe(topic=TOPIC_HELP, audience=LEVEL_HELP)
@app_commands.autocomplete(topic=_topics)
async def quiz(
    interaction: discord.Interaction,
    topic: app_commands.Range[str, 1, 100] | None = None,
    audience: AudienceFilter | None = None,
) -> None:
    await _cog(interaction).quiz(interaction, topic, audience)


async def score(interaction: discord.Interaction) -> None:
    await _cog(interaction).score(interaction)


@app_commands.describe(action="show (default), join or leave")
async def leaderboard(interaction: discord.Interaction, action: LeaderboardAction = "show") -> None:
    await _cog(interaction).leaderboard(interaction, action)


@app_commands.describe(keep_text="Keep redacted text of missed questions here")
async def stats(interaction: discord.Interaction, keep_text: bool | None = None) -> None:
    await _cog(interaction).stats(interaction, keep_text)


@app_commands.describe(switch="on or off", hour_utc=HOUR_HELP, topic=TOPIC_HELP, audience=LEVEL_HELP)
@app_commands.autocomplete(topic=_topics)
async def daily(
    interaction: discord.Interaction,
    switch: DailySwitch,
    hour_utc: app_commands.Range[int, 0, 23] | None = None,
    topic: app_commands.Range[str, 1, 100] | None = None,
    audience: AudienceFilter | None = None,
) -> None:
    await _cog(interaction).daily(interaction, switch, hour_utc, topic, audience)


_SPECS: tuple[tuple[str, str, Any], ...] = (
    ("quiz", "A quiz question with buttons", quiz),
    ("score", "Your quiz score and streak", score),
    ("leaderboard", "This server's quiz leaderboard", leaderboard),
    ("stats", "Admins: questions and feedback", stats),
    ("daily", "Admins: daily question here", daily),
)


def build(group: app_commands.Group) -> list[app_commands.Command[Any, ..., None]]:
    """New `Command`s for `group` (names as in `cog.FUTURE_NAMES`)."""
    return [
        app_commands.Command(name=name, description=description, callback=callback, parent=group)
        for name, description, callback in _SPECS
    ]
