"""Quiz cards, results, notices, leaderboards and feedback buttons as Block Kit. Pure, no I/O.

Built on `render.py`'s checked pieces (escaping, clipping, button limits), so everything
here obeys the same Slack limits and nothing typed by a user can ping (`<!channel>`,
`<@U…>` are escaped). Button action ids are the `bot.core.quiz` codec ids: all the state a
press needs rides in the id, so a card keeps working after a restart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.adapters.slack.render import (
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    SlackMessage,
    _actions,
    _button,
    _context,
    _header,
    _join_lines,
    _link,
    _section,
    clip,
    escape,
)
from bot.core.answer import Answer, Kind
from bot.engagement import ALREADY_COUNTED, FEEDBACK_LABELS, Notice, QuizCard, QuizOutcome, feedback_buttons
from bot.store import LeaderboardRow

# The "Not what I asked" button carries the question (never shown) so the store can keep it
# where the workspace opted in; only free-text answers have a question worth keeping.
QUESTION_VALUE_PREFIX = "q:"
MAX_QUESTION_VALUE = 1000
CARD_HINT = "Pick an answer. Only you will see whether you were right, with the source."
DAILY_HINT = "Question of the day. Pick an answer: only you will see the result and your score."


def _plain_text(blocks_text: str) -> str:
    return clip(escape(blocks_text), MAX_FALLBACK_TEXT)


# -- quiz ---------------------------------------------------------------------------------------


def card_message(card: QuizCard, *, daily: bool = False) -> SlackMessage:
    """The question, its lettered options and one button per option."""
    options = [escape(line) for line in card.option_lines()]
    blocks = [
        _header(card.title),
        _section(f"*{escape(card.stem)}*"),
        _section(_join_lines(options, MAX_SECTION_TEXT)),
        *_actions([_button(b.label, b.custom_id, b.custom_id) for b in card.buttons]),
        _context([DAILY_HINT if daily else CARD_HINT]),
    ]
    text = "\n".join([card.title, card.stem, *card.option_lines()])
    return SlackMessage(text=_plain_text(text), blocks=blocks)


def outcome_message(outcome: QuizOutcome) -> SlackMessage:
    """Right or wrong, the cited explanation, the presser's score and a "Next question" button.

    A repeat press (double click, the same button again) only says it was already counted.
    """
    if outcome.duplicate:
        return notice_message(Notice(ALREADY_COUNTED.format(summary=outcome.summary())))
    mark = ":white_check_mark:" if outcome.correct else ":x:"
    verdict = f"{mark} *{escape(outcome.verdict)}* You chose {escape(outcome.chosen)}"
    if not outcome.correct:
        verdict += f"\nThe answer is {escape(outcome.right)}"
    blocks = [_section(verdict), _section(escape(outcome.explanation))]
    cited = _citation(outcome)
    if cited:
        blocks.append(_context([cited]))
    blocks.append(_context([escape(outcome.summary())]))
    button = outcome.next_button
    blocks.extend(_actions([_button(button.label, button.custom_id, button.custom_id, primary=True)]))
    text = f"{outcome.verdict} You chose {outcome.chosen}. {outcome.explanation} {outcome.summary()}"
    return SlackMessage(text=_plain_text(text), blocks=blocks)


def _citation(outcome: QuizOutcome) -> str:
    """`Source: <url|title> (publisher, year), locator` for the explanation."""
    source = outcome.source
    locator = escape(outcome.locator.strip()) if outcome.locator else ""
    if source is None:
        return f"Source: {locator}" if locator else ""
    details = ", ".join(escape(p) for p in (source.publisher, source.year) if p)
    line = f"Source: {_link(source.url, source.title)}" + (f" ({details})" if details else "")
    return line + (f", {locator}" if locator else "")


# -- notices, leaderboard -------------------------------------------------------------------------


def notice_message(notice: Notice | str) -> SlackMessage:
    """A short reply of ours (thanks, unavailable, stale button, score), escaped."""
    text = notice.text if isinstance(notice, Notice) else notice
    return SlackMessage(text=_plain_text(text), blocks=[_section(escape(text))])


def usage_message(text: str) -> SlackMessage:
    """A usage line of ours that uses mrkdwn code spans (already safe: no user text in it)."""
    return SlackMessage(text=clip(text, MAX_FALLBACK_TEXT), blocks=[_section(text)])


def leaderboard_message(rows: Sequence[LeaderboardRow]) -> SlackMessage:
    """Opted-in users of this workspace, most right answers first; names escaped (they are user text)."""
    lines = [
        f"{row.rank}. {escape(row.display_name)}: {row.correct} of {row.answered} right, best streak {row.best_streak}"
        for row in rows
    ]
    blocks = [
        _header("Leaderboard"),
        _section(_join_lines(lines, MAX_SECTION_TEXT)),
        _context(["Only people who joined are listed. Join or leave with `/bloodpatch leaderboard join|leave`."]),
    ]
    return SlackMessage(text=_plain_text("Leaderboard\n" + "\n".join(lines)), blocks=blocks)


def stats_message(notice: Notice) -> SlackMessage:
    """The admin summary: one section per line group, clipped to Slack's limits."""
    lines = [escape(line) for line in notice.text.splitlines() if line.strip()]
    blocks = [_header("Bot stats"), *(_section(line) for line in lines[:40])]
    return SlackMessage(text=_plain_text(notice.text), blocks=blocks)


# -- feedback buttons on answers --------------------------------------------------------------


def feedback_elements(answer: Answer) -> list[dict[str, Any]]:
    """Helpful / Not helpful / Not what I asked for an answer that came from a topic (else none)."""
    question = " ".join(answer.question.split()) if answer.kind is Kind.SEARCH else ""
    elements = []
    for button in feedback_buttons(answer):
        value = button.custom_id
        if question and button.label == FEEDBACK_LABELS["not_asked"]:
            value = QUESTION_VALUE_PREFIX + clip(escape(question), MAX_QUESTION_VALUE)  # nothing we send can ping
        elements.append(_button(button.label, button.custom_id, value))
    return elements


def question_of(value: str | None) -> str | None:
    """The question a "Not what I asked" button carried, or None."""
    if not value or not value.startswith(QUESTION_VALUE_PREFIX):
        return None
    text = value[len(QUESTION_VALUE_PREFIX) :][:MAX_QUESTION_VALUE]
    return html.unescape(text).strip() or None
