"""Quiz, "Next question" and feedback buttons as persistent `DynamicItem`s, plus a polite catch-all.

The ids are the platform-neutral ones from `bot.core.quiz` (`bp:q:<item>:<choice>`,
`bp:qn:<topic|->:<audience|->`; feedback `bp:fb:...` is in `views`), so a button pressed after a
restart is rebuilt from its id alone. The templates here are deliberately loose (`bp:q:` and
anything after it): `bot.engagement` decodes strictly and answers a stale or forged id with a
polite notice, which a template that did not match could not do.

`StaleButton` matches every other `bp:`/`bloodpatch:` id that no template claims (a button from
an older version of the bot), so it too gets a sentence instead of "This interaction failed".
discord.py runs *every* matching template, so the catch-all excludes the others exactly.

The items only hand over to the quiz cog (`QuizHandler`); they hold no behaviour of their own.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord
from discord.ui import Button, DynamicItem

from bot.adapters.discord import views
from bot.engagement import QuizButton, QuizCard, QuizOutcome

QUIZ_COG_NAME = views.QUIZ_COG_NAME
ANSWER_TEMPLATE = r"bp:q:(?P<rest>.{1,95})"
NEXT_TEMPLATE = r"bp:qn:(?P<rest>.{1,94})"


class QuizHandler(Protocol):
    """What the buttons call; implemented by the quiz cog."""

    async def on_answer_button(self, interaction: discord.Interaction, custom_id: str) -> None: ...
    async def on_next_button(self, interaction: discord.Interaction, custom_id: str) -> None: ...
    async def on_stale_button(self, interaction: discord.Interaction, custom_id: str) -> None: ...


def _handler(interaction: discord.Interaction) -> QuizHandler:
    return views.quiz_handler(interaction)


_button = views.plain_button
_label_of = views.label_of


class AnswerChoice(DynamicItem[Button], template=ANSWER_TEMPLATE):
    """One option of a quiz question ("A".."E"); whoever presses it is scored."""

    def __init__(self, custom_id: str, label: str = "?") -> None:
        super().__init__(_button(custom_id, label, discord.ButtonStyle.primary, 0))
        self.custom_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerChoice:
        return cls(match.string, _label_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_answer_button(interaction, self.custom_id)


class NextQuestion(DynamicItem[Button], template=NEXT_TEMPLATE):
    """Ask the presser another question with the same topic and audience filters."""

    def __init__(self, custom_id: str, label: str = "Next question") -> None:
        super().__init__(_button(custom_id, label, discord.ButtonStyle.success, 0))
        self.custom_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NextQuestion:
        return cls(match.string, _label_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_next_button(interaction, self.custom_id)


def _unnamed(template: str) -> str:
    """A template with its named groups made anonymous, to be combined into one pattern."""
    return re.sub(r"\(\?P<\w+>", "(?:", template)


CLAIMED: tuple[type[DynamicItem[Any]], ...] = (*views.DYNAMIC_ITEMS, views.FeedbackChoice, AnswerChoice, NextQuestion)
STALE_TEMPLATE = (
    "(?!(?:" + "|".join(_unnamed(item.__discord_ui_compiled_template__.pattern) for item in CLAIMED) + r")\Z)"
    r"(?:bp|bloodpatch):.{0,100}"
)


class StaleButton(DynamicItem[Button], template=STALE_TEMPLATE):
    """Any of our ids that no other template claims: an old or broken button gets a polite reply."""

    def __init__(self, custom_id: str, label: str = "?") -> None:
        super().__init__(_button(custom_id, label, discord.ButtonStyle.secondary, None))
        self.custom_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StaleButton:
        return cls(match.string, _label_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_stale_button(interaction, self.custom_id)


# Registered by the quiz cog (the answer buttons in `views.DYNAMIC_ITEMS` by the main cog).
DYNAMIC_ITEMS: tuple[type[DynamicItem[Any]], ...] = (AnswerChoice, NextQuestion, views.FeedbackChoice, StaleButton)


def card_view(card: QuizCard) -> discord.ui.View:
    """One button per option, in one row (a question has at most five options)."""
    view = discord.ui.View(timeout=None)
    for button in card.buttons:
        view.add_item(AnswerChoice(button.custom_id, button.label))
    return view


def outcome_view(outcome: QuizOutcome) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(NextQuestion(outcome.next_button.custom_id, outcome.next_button.label))
    return view


def next_view(button: QuizButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(NextQuestion(button.custom_id, button.label))
    return view
