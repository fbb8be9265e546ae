"""Pure rendering: a core `Answer` becomes discord.py send kwargs (content + embeds).

Nothing here talks to Discord or needs an event loop, so every rule is unit-tested.
Every Discord limit is enforced by code (see the constants below): text that does
not fit is split over continuation embeds or trimmed with a link to the full source.
Lengths are measured in UTF-16 code units, which is never less than what Discord
counts, so a rendering that passes here passes there.

User text (the question) is only ever shown through `neutralise()`, in the embed
author line, which Discord renders as plain text (no markdown, links or mentions).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord.utils import escape_markdown

from bot.core.answer import Answer, AnswerSnippet, Kind, SourceRef, TopicRef, Triage

# Discord's limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000  # summed over every embed of one message
EMBEDS_MAX = 10
CONTENT_MAX = 2000

QUESTION_SHOWN_MAX = 200  # how much of the user's question is echoed back (neutralised)
COMMAND_PREFIX = "/bloodpatch"

INFO_COLOUR = discord.Colour(0x2A7F9E)
COLOURS: dict[Kind, discord.Colour] = {
    Kind.TOPIC: INFO_COLOUR,
    Kind.SEARCH: INFO_COLOUR,
    Kind.RED_FLAG: discord.Colour.red(),
    Kind.OUT_OF_SCOPE: discord.Colour.light_grey(),
    Kind.NOT_FOUND: discord.Colour.gold(),
    Kind.CLARIFY: discord.Colour.gold(),
    Kind.CRISIS: discord.Colour.red(),
    Kind.SMALL_TALK: INFO_COLOUR,  # "hi", "thanks": a short friendly reply
}
SAME_DAY_COLOUR = discord.Colour.orange()  # an ordinary answer that also says "contact your team today"
ADVICE_MARK = "\u26a0\ufe0f"  # ⚠️ in front of the same-day notice

AUDIENCE_LABELS = {"patient": "Patient view", "clinician": "Clinician detail"}

# Kinds whose `question` is worth echoing (a topic subcommand's "question" is just its name).
# Never CRISIS: a message about self-harm is not repeated back (an answer can be public).
# Never SMALL_TALK: "thanks" needs a short reply, not its own words read back.
_ECHO_QUESTION = {Kind.SEARCH, Kind.RED_FLAG, Kind.OUT_OF_SCOPE, Kind.NOT_FOUND, Kind.CLARIFY}
# NOT_FOUND answers about the message itself (empty, too long), not a bad topic name: no topic list.
INPUT_ERRORS = frozenset({"empty_question", "question_too_long"})
HELP_COMMAND = f"`{COMMAND_PREFIX} help`"
HELP_POINTER = f"See every topic with {HELP_COMMAND}."
# The core's replies say "type help" (right in the terminal); on Discord that is the slash command.
_TYPE_HELP = re.compile(r"\btype help\b", re.IGNORECASE)
_MIN_USEFUL_TRIM = 40  # do not leave a trimmed stub shorter than this


def dlen(text: str) -> int:
    """Length as Discord may count it: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> int:
    """Number of code points of `text` whose UTF-16 length is at most `limit`."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def truncate(text: str, limit: int, suffix: str = "…") -> str:
    """Cut `text` to at most `limit` UTF-16 units, preferring a word boundary, then add `suffix`.

    Keeps `**bold**` balanced so a cut never leaves stray asterisks.
    """
    if dlen(text) <= limit:
        return text
    if dlen(suffix) >= limit:
        return suffix[: _prefix_within(suffix, limit)]
    room = limit - dlen(suffix)
    cut = text[: _prefix_within(text, room)]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= len(cut) * 0.7:
        cut = cut[:space]
    cut = cut.rstrip()
    if cut.count("**") % 2:
        # close the bold span, paying for the two asterisks out of the text
        cut = cut[: _prefix_within(cut, room - 2)].rstrip()
        cut = cut + "**" if cut.count("**") % 2 else cut
    return cut + suffix


def neutralise(text: str, limit: int = QUESTION_SHOWN_MAX) -> str:
    """Make user text safe to show as plain text: one line, no control/format chars, bounded length.

    Removes bidi overrides and zero-width characters (category C*), collapses
    whitespace, and truncates.  Only for surfaces Discord renders as plain text
    (the embed author line); markdown surfaces would need escaping as well.
    """
    kept = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category.startswith("C"):
            continue
        else:
            kept.append(char)
    return truncate(re.sub(r"\s+", " ", "".join(kept)).strip(), limit)


def _defuse_mentions(text: str) -> str:
    # Invisible in plain text, and stops any surface from reading "@everyone" or "<@id>" as a mention.
    return text.replace("@", "@\u200b")


def _md_text(text: str) -> str:
    """Curated text from sources.yaml used inside link labels: no brackets or markdown."""
    return escape_markdown(text.replace("[", "(").replace("]", ")"), as_needed=False)


def _md_link(label: str, url: str) -> str:
    if not re.match(r"https?://", url):
        return _md_text(label)
    safe_url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{_md_text(label)}]({safe_url})"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: optional top-line `content` and the embeds under it."""

    content: str | None
    embeds: list[discord.Embed]


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    url: str | None = None  # where "read more" points when the block is trimmed


def _source_line(number: int, source: SourceRef) -> str:
    tail = f" — {_md_text(source.publisher)}, {_md_text(source.year)}"
    head = f"**[{number}]** "
    line = head + _md_link(source.title, source.url) + tail
    if dlen(line) <= FIELD_VALUE_MAX:
        return line
    # shorten the title, never the link target, so the citation still works
    overhead = dlen(line) - dlen(_md_text(source.title))
    title = truncate(source.title, max(8, FIELD_VALUE_MAX - overhead - 16))
    return truncate(head + _md_link(title, source.url) + tail, FIELD_VALUE_MAX)


def _topic_line(topic: TopicRef, exposed: Collection[str] | None = None) -> str:
    if exposed is None or topic.command in exposed:
        usage = f"`{COMMAND_PREFIX} {topic.command}`"
    else:
        usage = f"`{COMMAND_PREFIX} topic name:{topic.id}`"
    return truncate(f"{usage} — {_md_text(topic.title)}", FIELD_VALUE_MAX)


def _pack_lines(name: str, lines: Sequence[str], more_name: str | None = None) -> list[tuple[str, str]]:
    """Pack lines into as many fields as needed, each value within FIELD_VALUE_MAX."""
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = truncate(line, FIELD_VALUE_MAX)
        cost = dlen(line) + (1 if current else 0)
        if current and size + cost > FIELD_VALUE_MAX:
            fields.append(("", "\n".join(current)))
            current, size = [], 0
            cost = dlen(line)
        current.append(line)
        size += cost
    if current:
        fields.append(("", "\n".join(current)))
    later = more_name or f"{name} (continued)"
    return [(truncate(name if i == 0 else later, FIELD_NAME_MAX), value) for i, (_, value) in enumerate(fields)]


def _footer(answer: Answer) -> str:
    tail_parts = []
    if answer.reviewed is not None:
        tail_parts.append(f"Reviewed {answer.reviewed.isoformat()}")
    if answer.kind in (Kind.TOPIC, Kind.SEARCH, Kind.RED_FLAG) and answer.snippets:
        tail_parts.append(AUDIENCE_LABELS.get(answer.audience, answer.audience))
    tail = " · ".join(tail_parts)
    disclaimer = answer.disclaimer.strip()
    if not tail:
        return truncate(disclaimer, FOOTER_MAX)
    if not disclaimer:
        return truncate(tail, FOOTER_MAX)
    tail = truncate(tail, FOOTER_MAX // 4)
    return f"{truncate(disclaimer, FOOTER_MAX - dlen(tail) - 1)}\n{tail}"


def _snippet_block(answer: Answer, snippet: AnswerSnippet) -> _Block:
    number = answer.citation_number(snippet)
    return _Block(f"{snippet.text.strip()}\u00a0[{number}]", snippet.source.url)


def _split_piece(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` units, at paragraph, sentence or word ends."""
    pieces: list[str] = []
    while dlen(text) > limit:
        window = text[: _prefix_within(text, limit)]
        cut = -1
        for marker in ("\n\n", "\n", ". ", " "):
            found = window.rfind(marker)
            if found >= len(window) // 2:
                cut = found + len(marker.rstrip(" ")) if marker == ". " else found
                break
        if cut <= 0:
            cut = len(window)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _more_suffix(url: str | None) -> str:
    if url and re.match(r"https?://", url):
        return f"… {_md_link('Read the full source', url)}"
    return "…"


def _pack_description(blocks: Sequence[_Block], budget: int, max_chunks: int, sep: str = "\n\n") -> list[str]:
    """Pack blocks into description chunks (one per embed) within the size and total budget.

    When the budget runs out, the block that overflows is trimmed with a link to
    its source and the rest are dropped (their sources stay listed in the Sources field).
    """
    chunks: list[str] = [""]
    remaining = budget
    for block in blocks:
        for piece in _split_piece(block.text, DESCRIPTION_MAX):
            current = chunks[-1]
            joined_cost = dlen(piece) + (dlen(sep) if current else 0)
            fits_current = dlen(current) + joined_cost <= DESCRIPTION_MAX
            if fits_current and joined_cost <= remaining:
                chunks[-1] = current + sep + piece if current else piece
                remaining -= joined_cost
                continue
            if not fits_current and len(chunks) < max_chunks and dlen(piece) <= remaining:
                chunks.append(piece)
                remaining -= dlen(piece)
                continue
            # Out of room: trim this piece into whatever space is left, then stop.
            if fits_current or len(chunks) >= max_chunks:
                room = min(remaining, DESCRIPTION_MAX - dlen(current)) - (dlen(sep) if current else 0)
                if room >= _MIN_USEFUL_TRIM:
                    trimmed = truncate(piece, room, _more_suffix(block.url))
                    chunks[-1] = current + sep + trimmed if current else trimmed
            else:
                room = min(remaining, DESCRIPTION_MAX)
                if room >= _MIN_USEFUL_TRIM:
                    chunks.append(truncate(piece, room, _more_suffix(block.url)))
            return [c for c in chunks if c]
    return [c for c in chunks if c]


def _fields_for(answer: Answer, exposed: Collection[str] | None) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    sources = answer.sources()
    if sources:
        fields += _pack_lines("Sources", [_source_line(n, s) for n, s in enumerate(sources, 1)])
    if answer.suggestions and answer.kind in (Kind.CLARIFY, Kind.NOT_FOUND):
        # a clarify answer's message already asks "Did you mean…?"; its field just lists the choices.
        # Out of scope shows its closest topics as buttons only, and small talk has none.
        name = "Suggested topics" if answer.kind is Kind.CLARIFY else "Did you mean"
        fields += _pack_lines(name, [_topic_line(t, exposed) for t in answer.suggestions])
    if _lists_every_topic(answer) and answer.topics:
        fields += _pack_lines("Topics", [_topic_line(t, exposed) for t in answer.topics])
    return fields


def _lists_every_topic(answer: Answer) -> bool:
    """Only a bad topic name gets every valid topic; out of scope points to the help command instead."""
    return answer.kind is Kind.NOT_FOUND and answer.error not in INPUT_ERRORS


def _assemble(
    *,
    colour: discord.Colour,
    title: str,
    author: str | None,
    blocks: Sequence[_Block],
    fields: Sequence[tuple[str, str]],
    footer: str,
    sep: str = "\n\n",
) -> list[discord.Embed]:
    """Build embeds from parts, keeping every per-embed and per-message limit.

    Title and author go on the first embed; fields and footer on the last, so a
    split answer reads top to bottom like one message.
    """
    title = truncate(title.strip() or "bloodpatch", TITLE_MAX)
    author = truncate(author, AUTHOR_MAX) if author else None
    footer = truncate(footer, FOOTER_MAX)
    fixed = dlen(title) + (dlen(author) if author else 0) + dlen(footer)

    wanted_text = sum(dlen(b.text) + dlen(sep) for b in blocks)
    field_cap = EMBED_TOTAL_MAX - fixed - min(wanted_text, 1500)
    kept_fields: list[tuple[str, str]] = []
    used = 0
    for name, value in fields[:FIELDS_MAX]:
        name = truncate(name or "\u200b", FIELD_NAME_MAX)
        value = truncate(value or "\u200b", FIELD_VALUE_MAX)
        cost = dlen(name) + dlen(value)
        if used + cost > field_cap:
            break
        kept_fields.append((name, value))
        used += cost

    budget = EMBED_TOTAL_MAX - fixed - used
    chunks = _pack_description(blocks, budget, EMBEDS_MAX, sep) if blocks else []

    embeds = [discord.Embed(colour=colour) for _ in range(max(1, len(chunks)))]
    embeds[0].title = title
    if author:
        embeds[0].set_author(name=author)
    for embed, chunk in zip(embeds, chunks, strict=False):
        embed.description = chunk
    for name, value in kept_fields:
        embeds[-1].add_field(name=name, value=value, inline=False)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def _bold_first_line(text: str) -> str:
    first, _, rest = text.strip().partition("\n")
    if "**" not in first and first.strip():
        first = f"**{first.strip()}**"
    return f"{first}\n{rest.strip()}".strip()


def _urgent_content(urgent: str) -> str:
    """The urgent-care text as message content (shown above the embed), first line in bold."""
    return truncate(_bold_first_line(urgent), CONTENT_MAX)


def _is_same_day(answer: Answer) -> bool:
    """An ordinary answer whose `message` is a "contact your team today" notice."""
    return answer.triage is Triage.SAME_DAY and not answer.is_urgent and bool((answer.message or "").strip())


def _point_to_help(text: str) -> str:
    """The core's "type help" as the command that works here."""
    return _TYPE_HELP.sub(f"type {HELP_COMMAND}", text)


def _message_block(answer: Answer) -> _Block:
    """The answer's `message`; a same-day notice is marked as advice (warning sign, first line bold).

    An out-of-scope answer always ends by pointing to `/bloodpatch help` for the full list
    (its closest topics are the buttons under it).
    """
    text = _point_to_help(answer.message.strip()) if answer.message else ""
    if _is_same_day(answer):
        return _Block(f"{ADVICE_MARK} {_bold_first_line(text)}")
    if answer.kind is Kind.OUT_OF_SCOPE and HELP_COMMAND not in text:
        text = f"{text}\n\n{HELP_POINTER}" if text else HELP_POINTER
    return _Block(text)


def render_answer(answer: Answer, *, exposed: Collection[str] | None = None) -> Rendered:
    """Render an `Answer`: urgent text first (as message content), then embeds.

    Red-flag and crisis answers carry their `urgent` text as the content, above the
    embed; a same-day notice (`message`) opens the description, before any snippet.

    Small talk ("hi", "thanks") is a short embed: its title, the reply and the
    disclaimer, with no question echoed and no topic list.  Out of scope points to
    `/bloodpatch help` (its closest topics are buttons, see `views.build_view`); only
    a bad topic name lists every topic.

    `exposed` is the set of topic subcommand names that exist, so topic lists
    point at a command that works; None means every topic has one.
    """
    colour = COLOURS[answer.kind]  # KeyError here means a new Kind needs a colour
    if _is_same_day(answer):
        colour = SAME_DAY_COLOUR
    content = _urgent_content(answer.urgent) if answer.urgent else None

    blocks: list[_Block] = []
    if (answer.message and answer.message.strip()) or answer.kind is Kind.OUT_OF_SCOPE:
        blocks.append(_message_block(answer))  # before the snippets: a same-day notice must be read first
    blocks += [_snippet_block(answer, s) for s in answer.snippets]

    author = None
    if answer.kind in _ECHO_QUESTION and answer.question.strip():
        author = f"You asked: “{_defuse_mentions(neutralise(answer.question))}”"

    embeds = _assemble(
        colour=colour,
        title=answer.title,
        author=author,
        blocks=blocks,
        fields=_fields_for(answer, exposed),
        footer=_footer(answer),
    )
    return Rendered(content=content, embeds=embeds)


def _paginate(lines: Sequence[str], room: int) -> list[str]:
    """Join lines into pages of at most `room` units, never splitting a line (long lines are cut)."""
    pages: list[str] = []
    current = ""
    for line in lines:
        line = truncate(line, room)
        if current and dlen(current) + 1 + dlen(line) > room:
            pages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pages.append(current)
    return pages


def render_sources(sources: Sequence[SourceRef], disclaimer: str, *, max_pages: int = 5) -> list[Rendered]:
    """Every source the bot cites, numbered and linked, as one or more messages.

    A long list does not fit one message (6000 characters), so it is paged: the
    caller sends the first page as the response and the rest as follow-ups.
    """
    footer = truncate(disclaimer, FOOTER_MAX)
    title_room = 32  # "Sources (10/10)"
    room = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - dlen(footer) - title_room)
    lines = [_source_line(n, s) for n, s in enumerate(sources, 1)] or ["No sources are loaded."]
    pages = _paginate(lines, room)
    if len(pages) > max_pages:
        dropped = sum(page.count("\n") + 1 for page in pages[max_pages - 1 :])
        pages = [*pages[: max_pages - 1], truncate(f"…and {dropped} more sources in the content files.", room)]
    rendered = []
    for number, page in enumerate(pages, 1):
        embed = discord.Embed(colour=INFO_COLOUR, description=page)
        embed.title = "Sources" if len(pages) == 1 else f"Sources ({number}/{len(pages)})"
        if footer:
            embed.set_footer(text=footer)
        rendered.append(Rendered(content=None, embeds=[embed]))
    return rendered


def render_help(topics: Sequence[TopicRef], disclaimer: str, *, exposed: Collection[str] | None = None) -> Rendered:
    """How to use `/bloodpatch`: the free-text and lookup commands, the buttons and the topics."""
    intro = "\n".join(
        [
            f"`{COMMAND_PREFIX} ask question:` ask in your own words (typos are fine).",
            f"`{COMMAND_PREFIX} topic name:` pick any topic from the list as you type.",
            f"`{COMMAND_PREFIX} sources` lists every source the answers cite.",
            f"`{COMMAND_PREFIX} quiz` asks a quiz question; `score` and `leaderboard` show how you're doing.",
            "",
            "Answers are private to you and written for patients. Buttons under an answer show the "
            "**Clinician detail** (or **Patient view**), **Share in channel**, or open a related topic.",
            "`ask` and `topic` also take `audience` (patient or clinician) and `public` (show it to the channel).",
        ]
    )
    embeds = _assemble(
        colour=INFO_COLOUR,
        title="bloodpatch: epidural blood patch and spinal headache",
        author=None,
        blocks=[_Block(intro)],
        fields=_pack_lines("Topics", [_topic_line(t, exposed) for t in topics]),
        footer=disclaimer,
    )
    return Rendered(content=None, embeds=embeds)


def render_notice(text: str) -> Rendered:
    """A short system message (errors, cooldowns): plain content, no embed."""
    return Rendered(content=truncate(text, CONTENT_MAX), embeds=[])


def send_kwargs(rendered: Rendered, *, ephemeral: bool) -> dict[str, Any]:
    """Kwargs for `InteractionResponse.send_message` / `Webhook.send` (view added by the caller)."""
    kwargs: dict[str, Any] = {
        "embeds": rendered.embeds,
        "ephemeral": ephemeral,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if rendered.content:
        kwargs["content"] = rendered.content
    return kwargs


def edit_kwargs(rendered: Rendered) -> dict[str, Any]:
    """Kwargs for `InteractionResponse.edit_message` (replaces content and embeds)."""
    return {
        "content": rendered.content,
        "embeds": rendered.embeds,
        "allowed_mentions": discord.AllowedMentions.none(),
    }


def to_send_kwargs(answer: Answer, *, ephemeral: bool = True, exposed: Collection[str] | None = None) -> dict[str, Any]:
    """The whole pure pipeline for one answer: `Answer` -> send kwargs (no view)."""
    return send_kwargs(render_answer(answer, exposed=exposed), ephemeral=ephemeral)


def check_limits(embeds: Sequence[discord.Embed], content: str | None = None) -> list[str]:
    """List every Discord limit the message breaks (empty when valid); used by tests and logs."""
    problems: list[str] = []
    if content is not None and dlen(content) > CONTENT_MAX:
        problems.append(f"content {dlen(content)} > {CONTENT_MAX}")
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds > {EMBEDS_MAX}")
    total = 0
    for i, embed in enumerate(embeds):
        data = embed.to_dict()
        parts = {
            "title": (data.get("title") or "", TITLE_MAX),
            "description": (data.get("description") or "", DESCRIPTION_MAX),
            "footer": ((data.get("footer") or {}).get("text") or "", FOOTER_MAX),
            "author": ((data.get("author") or {}).get("name") or "", AUTHOR_MAX),
        }
        for key, (text, limit) in parts.items():
            total += dlen(text)
            if dlen(text) > limit:
                problems.append(f"embed {i} {key} {dlen(text)} > {limit}")
        fields = data.get("fields") or []
        if len(fields) > FIELDS_MAX:
            problems.append(f"embed {i} has {len(fields)} fields > {FIELDS_MAX}")
        for j, field in enumerate(fields):
            name, value = field.get("name") or "", field.get("value") or ""
            total += dlen(name) + dlen(value)
            if not name or dlen(name) > FIELD_NAME_MAX:
                problems.append(f"embed {i} field {j} name length {dlen(name)}")
            if not value or dlen(value) > FIELD_VALUE_MAX:
                problems.append(f"embed {i} field {j} value length {dlen(value)}")
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_MAX}")
    return problems
