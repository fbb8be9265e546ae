"""Render an Answer as terminal text: what the shell, `ask` and `topic` print."""

from __future__ import annotations

import re
import textwrap

from bot.core import Answer, Kind, SourceRef, TopicRef, Triage

WIDTH = 88
ADVICE_MARK = "\u26a0"  # ⚠ before a same-day notice (no emoji variant: terminals disagree on its width)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


class Style:
    """ANSI styling, switched off when output is not a terminal (pipes, tests)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

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


def _para(text: str, indent: str = "") -> str:
    lines = []
    for line in text.splitlines() or [""]:
        bullet = line.lstrip().startswith(("•", "-", "*"))
        lines.append(
            textwrap.fill(
                line.strip(),
                WIDTH,
                initial_indent=indent,
                subsequent_indent=indent + ("  " if bullet else ""),
                break_long_words=False,  # keep URLs whole so terminals can open them
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def cite(source: SourceRef) -> str:
    year = source.year.rstrip(".")
    return f"{source.title}. {source.publisher}, {year}. {source.url}"


def topic_list(topics: tuple[TopicRef, ...] | list[TopicRef]) -> str:
    width = max((len(t.command) for t in topics), default=0)
    return "\n".join(f"  {t.command.ljust(width)}  {t.title}" for t in topics)


def _inline(text: str, style: Style) -> str:
    """Core text with its `**bold**` spans styled (or just unmarked on a plain terminal)."""
    return _BOLD.sub(lambda m: style.bold(m.group(1)), text)


def is_same_day(answer: Answer) -> bool:
    """An ordinary answer whose `message` is a "contact your team today" notice."""
    return answer.triage is Triage.SAME_DAY and not answer.is_urgent and bool((answer.message or "").strip())


def numbered_choices(topics: tuple[TopicRef, ...] | list[TopicRef]) -> str:
    """ "1. Title (command)" per topic: the choices of a clarify answer."""
    return "\n".join(f"{n}. {t.title} ({t.command})" for n, t in enumerate(topics, 1))


def _same_day_notice(message: str, style: Style) -> str:
    """The same-day notice, marked as advice: a warning sign, and its bold part (else its first line) in yellow."""
    first, _, rest = message.strip().partition("\n")
    if "**" not in first:
        first = f"**{first.strip()}**"
    text = f"{first}\n{rest}" if rest.strip() else first
    return _para(style.yellow(ADVICE_MARK) + " " + _BOLD.sub(lambda m: style.yellow(m.group(1)), text))


def render_answer(answer: Answer, style: Style | None = None) -> str:
    """Plain text with numbered citations; urgent text first for red flags and crisis answers.

    A same-day notice comes before the snippets, marked as advice; a clarify answer
    lists its suggestions as "1. Title (command)".
    """
    style = style or Style(False)
    out: list[str] = []
    if answer.is_urgent:
        out.append(style.red(f"!! {answer.title.upper()} !!"))
        if answer.urgent:
            out.append(_para(answer.urgent))
        if answer.snippets:
            out.append("")
            out.append(style.bold("About warning signs"))
    else:
        out.append(style.bold(answer.title))
    if answer.message and is_same_day(answer):
        out.append(_same_day_notice(answer.message, style))
    elif answer.message:
        out.append(_para(_inline(answer.message, style)))
    for snippet in answer.snippets:
        out.append(_para(f"{_inline(snippet.text, style)} [{answer.citation_number(snippet)}]"))
    if answer.kind is Kind.CLARIFY and answer.suggestions:
        out.append(numbered_choices(answer.suggestions))
    elif answer.suggestions:
        out.append("Did you mean: " + ", ".join(t.command for t in answer.suggestions) + "?")
    if answer.kind in (Kind.NOT_FOUND, Kind.OUT_OF_SCOPE):
        out.append("Topics:\n" + topic_list(answer.topics))
    sources = answer.sources()
    if sources:
        out.append(style.bold("Sources"))
        out.extend(_para(f"[{i}] {cite(s)}", "") for i, s in enumerate(sources, 1))
    if answer.related:
        out.append("Related: " + ", ".join(f"{t.command} ({t.title})" for t in answer.related))
    footer = answer.disclaimer
    if answer.reviewed:
        footer += f" Reviewed {answer.reviewed.isoformat()}."
    out.append(style.dim(_para(footer)))
    return "\n\n".join(part for part in out if part is not None)


def render_sources(sources: tuple[SourceRef, ...]) -> str:
    return "\n".join(_para(f"- {s.id}: {cite(s)}") for s in sources)
