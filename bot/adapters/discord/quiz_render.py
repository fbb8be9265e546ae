"""Pure rendering of quiz cards, answers, scores, the leaderboard and admin replies as Discord embeds.

Like `render`, nothing here talks to Discord: `bot.engagement` decides what to say, this only
lays it out within Discord's limits. Quiz text is curated content; the only user text shown is
a leaderboard display name, which the store has already cleaned (no `@`, `<>` or markup) and
which is escaped again here and sent with mentions off.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord
from discord.utils import escape_markdown

from bot.adapters.discord.render import (
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    INFO_COLOUR,
    TITLE_MAX,
    Rendered,
    dlen,
    truncate,
)
from bot.core.answer import SourceRef
from bot.engagement import QuizCard, QuizOutcome
from bot.store import DailyChannel, LeaderboardRow

RIGHT_COLOUR = discord.Colour.green()
WRONG_COLOUR = discord.Colour.orange()
CARD_FOOTER = "Pick a letter. Only you see whether you're right, and it counts toward your own score."
DAILY_HEADING = "Question of the day"


def _md(text: str) -> str:
    return escape_markdown(text.replace("[", "(").replace("]", ")"), as_needed=False)


def render_card(card: QuizCard, *, daily: bool = False) -> Rendered:
    """The question: stem, then one line per lettered option (the buttons carry only the letters)."""
    body = "\n".join([card.stem.strip(), "", *card.option_lines()])
    title = f"{DAILY_HEADING}: {card.title.removeprefix('Quiz: ')}" if daily else card.title
    embed = discord.Embed(
        colour=INFO_COLOUR, title=truncate(title, TITLE_MAX), description=truncate(body, DESCRIPTION_MAX)
    )
    embed.set_footer(text=CARD_FOOTER)
    return Rendered(content=None, embeds=[embed])


def source_line(source: SourceRef | None, locator: str) -> str:
    """`[Title](url) — Publisher, 2021` then the locator: where the explanation can be checked.

    Within one field value: the locator is shortened first, then the title, never the link target.
    """
    where = f"\n{_md(locator.strip())}" if locator.strip() else ""
    if source is None:
        return truncate(_md(locator.strip()) or "Source not listed.", FIELD_VALUE_MAX)
    where = truncate(where, FIELD_VALUE_MAX // 4)

    def line(title: str) -> str:
        label = _md(title)
        link = f"[{label}]({_url(source.url)})" if source.url.startswith(("https://", "http://")) else label
        return f"{link} — {_md(source.publisher)}, {_md(source.year)}{where}"

    cited = line(source.title)
    if dlen(cited) > FIELD_VALUE_MAX:
        room = max(8, len(source.title) - (dlen(cited) - FIELD_VALUE_MAX) - 8)
        cited = line(truncate(source.title, room))
    return truncate(cited, FIELD_VALUE_MAX)


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def render_outcome(outcome: QuizOutcome) -> Rendered:
    """Right or wrong, the right answer, the cited explanation, and the presser's score in the footer."""
    if outcome.duplicate:
        text = f"Only your first answer to this question counts. {outcome.summary()}."
        return Rendered(content=truncate(text, 2000), embeds=[])
    lines = [f"You chose **{_md(outcome.chosen)}**."]
    if not outcome.correct:
        lines.append(f"The answer is **{_md(outcome.right)}**.")
    lines += ["", outcome.explanation.strip()]
    embed = discord.Embed(
        colour=RIGHT_COLOUR if outcome.correct else WRONG_COLOUR,
        title=outcome.verdict,
        description=truncate("\n".join(lines), DESCRIPTION_MAX),
    )
    embed.add_field(name="Source", value=source_line(outcome.source, outcome.locator), inline=False)
    embed.set_footer(text=truncate(outcome.summary(), FOOTER_MAX))
    return Rendered(content=None, embeds=[embed])


def render_leaderboard(rows: Sequence[LeaderboardRow]) -> Rendered:
    """Opted-in members, most right answers first; names escaped (they are shown as markdown)."""
    lines = [
        f"**{row.rank}.** {escape_markdown(row.display_name)} — {row.correct} right of {row.answered}"
        + (f", best streak {row.best_streak}" if row.best_streak > 1 else "")
        for row in rows
    ]
    embed = discord.Embed(
        colour=INFO_COLOUR, title="Quiz leaderboard", description=truncate("\n".join(lines), DESCRIPTION_MAX)
    )
    embed.set_footer(text="Only people who joined are listed: /bloodpatch leaderboard join (or leave).")
    return Rendered(content=None, embeds=[embed])


def render_stats(text: str, *, note: str | None = None) -> Rendered:
    """The admin summary from `Engagement.stats_text` (topic ids escaped: they contain underscores)."""
    body = escape_markdown(text, as_needed=False)
    embed = discord.Embed(colour=INFO_COLOUR, title="bloodpatch stats", description=truncate(body, DESCRIPTION_MAX))
    embed.set_footer(text="Anonymous counts across every server this bot serves. No user is identified.")
    return Rendered(content=truncate(note, 2000) if note else None, embeds=[embed])


def daily_summary(entry: DailyChannel, *, today_done: bool) -> str:
    """What `/bloodpatch daily on` says back."""
    filters = []
    if entry.topic:
        filters.append(f"topic {_md(entry.topic)}")
    if entry.audience:
        filters.append(f"for {entry.audience}s")
    which = f" ({', '.join(filters)})" if filters else ""
    first = "tomorrow" if today_done else "today"
    return (
        f"Daily question is on in this channel{which}: every day at {entry.hour_utc:02d}:00 UTC, "
        f"the first one {first}. Switch it off with /bloodpatch daily off."
    )
