"""The quiz inside the shell: `quiz [topic]`, then answer with a number; `score` shows progress.

The shell is synchronous and the store is async, so one private event loop runs the store
calls. The store opens on first use, so the shell starts as fast as before and works when
no database is reachable (the quiz then says it is unavailable).
"""

from __future__ import annotations

import asyncio
import textwrap
from typing import TYPE_CHECKING

from bot.core.answer import Audience

if TYPE_CHECKING:  # the store (SQLAlchemy) loads on the first quiz, not when the shell starts
    from bot.engagement import Engagement, QuizCard, QuizOutcome

QUIZ_HINT = 'Type the number of your answer, or "stop" to end the quiz.'


class ShellQuiz:
    """A quiz session for one local user; `card` is the question waiting for an answer."""

    def __init__(self, library, user: str) -> None:  # library: bot.core.Library
        self.library = library
        self.user = user
        self.card: QuizCard | None = None
        self.filters: tuple[str | None, str | None] = (None, None)
        self._runner: asyncio.Runner | None = None
        self._engagement: Engagement | None = None
        self._presses = 0
        self._asked: list[str] = []  # this session's questions, so a missed one waits its turn

    def _run(self, coro):
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)

    def _open(self) -> Engagement:
        if self._engagement is None:
            from bot.engagement import Engagement
            from bot.settings import read_env
            from bot.store import open_store, store_settings

            store = self._run(open_store(settings=store_settings(environ=read_env())))
            self._engagement = Engagement(self.library, store)
        return self._engagement

    def start(self, topic: str | None, audience: Audience) -> str:
        self.filters = (topic, audience)
        return self._next()

    def _next(self) -> str:
        from bot.engagement import Notice

        topic, audience = self.filters
        try:
            reply = self._run(self._open().next_card(self.user, topic, audience, exclude=self._asked))
        except Exception as exc:  # a bad DATABASE_URL: the shell keeps answering questions
            self.card = None
            return f"The quiz is unavailable right now ({exc})."
        if isinstance(reply, Notice):
            self.card = None
            return reply.text
        self.card = reply
        self._asked.append(reply.item_id)
        options = "\n".join(f"  {i}. {text}" for i, text in enumerate(reply.options, start=1))
        return f"{reply.title}\n{_wrap(reply.stem)}\n{options}\n{QUIZ_HINT}"

    def answer(self, number: int) -> str:
        """Score choice `number` (1-based) of the waiting question, then ask the next one."""
        card = self.card
        if card is None:
            return "There is no question waiting. Type quiz to start."
        if not 1 <= number <= len(card.options):
            return f"Choose a number from 1 to {len(card.options)}, or stop."
        from bot.engagement import Notice

        self._presses += 1
        button = card.buttons[number - 1]
        outcome = self._run(self._open().answer(self.user, button.custom_id, event_id=f"shell:{self._presses}"))
        if isinstance(outcome, Notice):
            self.card = None
            return outcome.text
        return f"{_outcome(outcome, card)}\n\n{self._next()}"

    def stop(self) -> str:
        self.card = None
        return "Quiz stopped. Type score to see your progress."

    def score(self) -> str:
        try:
            return self._run(self._open().score(self.user)).text
        except Exception as exc:
            return f"Scores are unavailable right now ({exc})."

    def close(self) -> None:
        if self._runner is not None:
            if self._engagement is not None:
                self._runner.run(self._engagement.store.close())
            self._runner.close()
            self._runner = None


def _outcome(outcome: QuizOutcome, card: QuizCard) -> str:
    from bot.engagement import citation

    right = f"{outcome.answer + 1}. {card.options[outcome.answer]}"
    verdict = "Right!" if outcome.correct else f"Not quite: the answer is {right}"
    cited = citation(outcome.source, outcome.locator)
    return "\n".join([verdict, _wrap(outcome.explanation), _wrap(cited), outcome.summary()])


def _wrap(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), 88)
