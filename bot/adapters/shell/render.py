"""Render an Answer as terminal text: what the shell, `ask` and `topic` print."""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Mapping
from typing import TextIO

from bot.core import Answer, Kind, SourceRef, TopicRef, Triage

WIDTH = 88  # when the width of the output is unknown (a pipe, a file): stable for scripts and tests
MIN_WIDTH = 40  # narrower than this, wrapped prose is harder to read than a terminal's own wrapping
MAX_WIDTH = 100  # wider lines are hard to follow, however wide the window
ADVICE_MARK = "\u26a0"  # ⚠ before a same-day notice (no emoji variant: terminals disagree on its width)
ALL_TOPICS_HINT = "type help for all"  # after "Closest topics: …" in the shell
INPUT_ERRORS = frozenset({"empty_question", "question_too_long"})  # not_found answers that are not about a name
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # as textwrap: a no-break space keeps its words together


def terminal_width() -> int:
    """The width to wrap at: the terminal's columns (less one, so a full line never wraps by
    itself), kept within MIN_WIDTH..MAX_WIDTH; WIDTH when there is no terminal to ask."""
    columns = shutil.get_terminal_size(fallback=(0, 0)).columns  # $COLUMNS, else the terminal on stdout
    if columns <= 0:
        return WIDTH
    return max(MIN_WIDTH, min(MAX_WIDTH, columns - 1))


def color_wanted(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI styling, switched off when output is not a terminal (pipes, tests) or NO_COLOR is set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO, environ: Mapping[str, str] | None = None) -> Style:
        return cls(color_wanted(stream, environ))

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("1;31", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def yellow(self, text: str) -> str:
        return self._wrap("1;33", text)


def visible_width(text: str) -> int:
    """Columns `text` takes on a terminal: colour codes take none, wide (CJK, emoji) characters two."""
    width = 0
    for char in _ANSI.sub("", text):
        if unicodedata.combining(char) or char in "\u200b\u200c\u200d\u2060\ufeff":
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def fill(text: str, width: int, indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap at spaces only: a word (or a URL) longer than the line overflows it rather than break.

    Unlike textwrap, colour codes do not count towards the width, so styled and plain
    text wrap at the same places.
    """
    words = [w for w in _SPACES.split(text) if w]
    if not words:
        return indent.rstrip()
    lines: list[str] = []
    line, used = indent + words[0], visible_width(indent + words[0])
    for word in words[1:]:
        size = visible_width(word)
        if used + 1 + size > width:
            lines.append(line)
            line, used = subsequent_indent + word, visible_width(subsequent_indent) + size
        else:
            line, used = f"{line} {word}", used + 1 + size
    lines.append(line)
    return "\n".join(lines)


def _para(text: str, width: int = WIDTH, indent: str = "") -> str:
    lines = []
    for line in text.splitlines() or [""]:
        bullet = _ANSI.sub("", line).lstrip().startswith(("•", "-", "*"))
        lines.append(fill(line, width, indent, indent + ("  " if bullet else "")))
    return "\n".join(lines)


def cite(source: SourceRef) -> str:
    year = source.year.rstrip(".")
    return f"{source.title}. {source.publisher}, {year}. {source.url}"


def topic_list(topics: tuple[TopicRef, ...] | list[TopicRef], width: int = WIDTH) -> str:
    """ "  command  Title" per topic, titles aligned (a title too long for the line wraps under itself)."""
    column = max((len(t.command) for t in topics), default=0)
    hang = " " * (column + 4)
    return "\n".join(fill(t.title, width, f"  {t.command.ljust(column)}  ", hang) for t in topics)


def _inline(text: str, style: Style) -> str:
    """Core text with its `**bold**` spans styled (or just unmarked on a plain terminal)."""
    return _BOLD.sub(lambda m: style.bold(m.group(1)), text)


def is_same_day(answer: Answer) -> bool:
    """An ordinary answer whose `message` is a "contact your team today" notice."""
    return answer.triage is Triage.SAME_DAY and not answer.is_urgent and bool((answer.message or "").strip())


def numbered_choices(topics: tuple[TopicRef, ...] | list[TopicRef], width: int = WIDTH) -> str:
    """ "1. Title (command)" per topic: the choices of a clarify answer."""
    return "\n".join(fill(f"{n}. {t.title} ({t.command})", width, "", "   ") for n, t in enumerate(topics, 1))


def _same_day_notice(message: str, style: Style, width: int) -> str:
    """The same-day notice, marked as advice: a warning sign, and its bold part (else its first line) in yellow."""
    first, _, rest = message.strip().partition("\n")
    if "**" not in first:
        first = f"**{first.strip()}**"
    text = f"{first}\n{rest}" if rest.strip() else first
    return _para(style.yellow(ADVICE_MARK) + " " + _BOLD.sub(lambda m: style.yellow(m.group(1)), text), width)


def closest_topics(topics: tuple[TopicRef, ...], hint: str = ALL_TOPICS_HINT) -> str:
    """ "Closest topics: risks, recovery, procedure — type help for all": what out of scope offers."""
    return f"Closest topics: {', '.join(t.command for t in topics)} — {hint}"


def render_answer(
    answer: Answer, style: Style | None = None, *, width: int = WIDTH, all_topics_hint: str = ALL_TOPICS_HINT
) -> str:
    """Plain text with numbered citations, wrapped at `width`; urgent text first for red flags and crisis answers.

    A same-day notice comes before the snippets, marked as advice; a clarify answer
    lists its suggestions as "1. Title (command)". Small talk is just its reply; out of
    scope names its closest topics on one line (`all_topics_hint` says how to see
    them all); only a topic name that matches nothing lists every topic. The
    disclaimer ends every answer.
    """
    style = style or Style(False)

    def para(text: str) -> str:
        return _para(text, width)

    out: list[str] = []
    if answer.kind is Kind.SMALL_TALK:
        out.append(para(_inline(answer.message or answer.title, style)))
        out.append(style.dim(para(answer.disclaimer)))
        return "\n\n".join(out)
    if answer.is_urgent:
        out.append(style.red(f"!! {answer.title.upper()} !!"))
        if answer.urgent:
            out.append(para(answer.urgent))
        if answer.snippets:
            out.append("")
            out.append(style.bold("About warning signs"))
    else:
        out.append(style.bold(answer.title))
    if answer.message and is_same_day(answer):
        out.append(_same_day_notice(answer.message, style, width))
    elif answer.message:
        out.append(para(_inline(answer.message, style)))
    for snippet in answer.snippets:
        out.append(para(f"{_inline(snippet.text, style)} [{answer.citation_number(snippet)}]"))
    if answer.kind is Kind.CLARIFY and answer.suggestions:
        out.append(numbered_choices(answer.suggestions, width))
    elif answer.kind is Kind.OUT_OF_SCOPE:
        if answer.suggestions:
            out.append(para(closest_topics(answer.suggestions, all_topics_hint)))
    elif answer.suggestions:
        out.append(para("Did you mean: " + ", ".join(t.command for t in answer.suggestions) + "?"))
    if answer.kind is Kind.NOT_FOUND and answer.error not in INPUT_ERRORS:
        out.append("Topics:\n" + topic_list(answer.topics, width))
    sources = answer.sources()
    if sources:
        out.append(style.bold("Sources"))
        out.extend(para(f"[{i}] {cite(s)}") for i, s in enumerate(sources, 1))
    if answer.related:
        out.append(para("Related: " + ", ".join(f"{t.command} ({t.title})" for t in answer.related)))
    footer = answer.disclaimer
    if answer.reviewed:
        footer += f" Reviewed {answer.reviewed.isoformat()}."
    out.append(style.dim(para(footer)))
    return "\n\n".join(part for part in out if part is not None)


def render_sources(sources: tuple[SourceRef, ...], width: int = WIDTH) -> str:
    return "\n".join(_para(f"- {s.id}: {cite(s)}", width) for s in sources)
