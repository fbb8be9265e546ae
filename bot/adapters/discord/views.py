"""Buttons under an answer, as persistent `DynamicItem`s.

All state a button needs lives in its `custom_id` (namespace `bloodpatch:`), so a
button pressed after a restart still works: discord.py matches the id against
the templates registered with `Client.add_dynamic_items` and rebuilds the item.

    bloodpatch:aud:<audience>:<topic>[:today]    show the topic in that audience
    bloodpatch:share:<audience>:<topic>[:today]  re-post the (ephemeral) answer in the channel
    bloodpatch:topic:<audience>:<topic>          open a related or suggested topic

`:today` marks an answer that carried the "contact your team today" notice: the other
audience and the shared copy must keep it.

Feedback (Helpful / Not helpful / Not what I asked) uses the platform-neutral ids of
`bot.core.quiz` (`bp:fb:<kind>:<topic>:<audience>`) and is handled by the quiz cog, as are the
quiz buttons in `quiz_views`.

The buttons only parse their id and hand over to a `ButtonHandler` (the cog);
they hold no behaviour of their own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord.ui import Button, DynamicItem

from bot.core.answer import Answer, Kind, Triage
from bot.engagement import feedback_buttons

if TYPE_CHECKING:
    from collections.abc import Iterator

COG_NAME = "Bloodpatch"
QUIZ_COG_NAME = "BloodpatchQuiz"  # quiz, feedback, score, leaderboard, stats, daily (quiz_cog.py)
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
MAX_TOPIC_BUTTONS = 3

_AUDIENCE = r"(?P<audience>patient|clinician)"
_TOPIC = r"(?P<topic>[a-z0-9_\-]{1,64})"
SAME_DAY_MARK = "today"
_SAME_DAY = rf"(?::(?P<same_day>{SAME_DAY_MARK}))?"
AUDIENCE_TEMPLATE = rf"bloodpatch:aud:{_AUDIENCE}:{_TOPIC}{_SAME_DAY}"
SHARE_TEMPLATE = rf"bloodpatch:share:{_AUDIENCE}:{_TOPIC}{_SAME_DAY}"
TOPIC_TEMPLATE = rf"bloodpatch:topic:{_AUDIENCE}:{_TOPIC}"
# Loose on purpose: bot.engagement decodes strictly and answers a stale id politely.
FEEDBACK_TEMPLATE = r"bp:fb:(?P<rest>.{1,94})"
FEEDBACK_ROW = 2  # row 0: audience and share, row 1: related topics
_TOPIC_ID = re.compile(r"[a-z0-9_\-]{1,64}")


class ButtonHandler(Protocol):
    """What the buttons call; implemented by the cog."""

    async def on_audience_button(
        self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool = False
    ) -> None: ...

    async def on_share_button(
        self, interaction: discord.Interaction, topic: str, audience: str, same_day: bool = False
    ) -> None: ...

    async def on_topic_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None: ...


def _handler(interaction: discord.Interaction) -> ButtonHandler:
    cog: Any = interaction.client.get_cog(COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError(f"button pressed but the {COG_NAME} cog is not loaded")
    return cog


def quiz_handler(interaction: discord.Interaction) -> Any:
    """The quiz cog, which handles feedback and quiz buttons."""
    cog: Any = interaction.client.get_cog(QUIZ_COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError(f"button pressed but the {QUIZ_COG_NAME} cog is not loaded")
    return cog


def plain_button(custom_id: str, label: str, style: discord.ButtonStyle, row: int | None) -> Button[Any]:
    return Button(label=_label(label) or "?", style=style, custom_id=custom_id, row=row)


def label_of(item: discord.ui.Item[Any]) -> str:
    """The label of the button a dynamic item is rebuilt from (only for display; ids carry the state)."""
    return getattr(item, "label", None) or "?"


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL_MAX else text[: BUTTON_LABEL_MAX - 1].rstrip() + "…"


def _other(audience: str) -> str:
    return "patient" if audience == "clinician" else "clinician"


def _custom_id(kind: str, audience: str, topic: str, same_day: bool) -> str:
    return f"bloodpatch:{kind}:{audience}:{topic}" + (f":{SAME_DAY_MARK}" if same_day else "")


class AudienceButton(DynamicItem[Button], template=AUDIENCE_TEMPLATE):
    """Switch between the patient view and clinician detail of one topic."""

    def __init__(self, topic: str, audience: str, *, same_day: bool = False) -> None:
        label = "Clinician detail" if audience == "clinician" else "Patient view"
        super().__init__(
            Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=_custom_id("aud", audience, topic, same_day),
                row=0,
            )
        )
        self.topic = topic
        self.audience = audience
        self.same_day = same_day

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AudienceButton:
        return cls(match["topic"], match["audience"], same_day=bool(match["same_day"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_audience_button(interaction, self.topic, self.audience, self.same_day)


class ShareButton(DynamicItem[Button], template=SHARE_TEMPLATE):
    """Re-post a private answer in the channel; disabled once it has been shared."""

    def __init__(self, topic: str, audience: str, *, shared: bool = False, same_day: bool = False) -> None:
        super().__init__(
            Button(
                label="Shared in channel" if shared else "Share in channel",
                style=discord.ButtonStyle.primary,
                custom_id=_custom_id("share", audience, topic, same_day),
                disabled=shared,
                row=0,
            )
        )
        self.topic = topic
        self.audience = audience
        self.same_day = same_day

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(match["topic"], match["audience"], same_day=bool(match["same_day"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_share_button(interaction, self.topic, self.audience, self.same_day)


class TopicButton(DynamicItem[Button], template=TOPIC_TEMPLATE):
    """Open a related (or suggested) topic as a new private answer."""

    def __init__(self, topic: str, audience: str, title: str = "") -> None:
        super().__init__(
            Button(
                label=_label(title or topic),
                style=discord.ButtonStyle.secondary,
                custom_id=f"bloodpatch:topic:{audience}:{topic}",
                row=1,
            )
        )
        self.topic = topic
        self.audience = audience

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TopicButton:
        label = getattr(item, "label", None) or ""
        return cls(match["topic"], match["audience"], label)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_topic_button(interaction, self.topic, self.audience)


class FeedbackChoice(DynamicItem[Button], template=FEEDBACK_TEMPLATE):
    """Helpful / Not helpful / Not what I asked under a topic answer; counted anonymously by the quiz cog."""

    def __init__(self, custom_id: str, label: str = "?") -> None:
        super().__init__(plain_button(custom_id, label, discord.ButtonStyle.secondary, FEEDBACK_ROW))
        self.custom_id = custom_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackChoice:
        return cls(match.string, label_of(item))

    async def callback(self, interaction: discord.Interaction) -> None:
        await quiz_handler(interaction).on_feedback_button(interaction, self.custom_id)


# Registered by the main cog; FeedbackChoice is registered with the quiz buttons (quiz_views.DYNAMIC_ITEMS).
DYNAMIC_ITEMS: tuple[type[DynamicItem[Any]], ...] = (AudienceButton, ShareButton, TopicButton)


def _feedback(answer: Answer) -> list[FeedbackChoice]:
    try:
        return [FeedbackChoice(b.custom_id, b.label) for b in feedback_buttons(answer)]
    except ValueError:  # a topic id the feedback codec cannot carry: no feedback row rather than no answer
        return []


def build_view(
    answer: Answer, *, ephemeral: bool, shared: bool = False, feedback: bool = False
) -> discord.ui.View | None:
    """The buttons for an answer, or None when it gets none.

    Red-flag and crisis answers get no buttons at all: the urgent message must
    stand alone, and nothing should invite sharing or browsing away from it.
    Small talk ("hi", "thanks") gets none either: it is a short friendly reply.
    Clarify, out-of-scope and not-found answers get their suggestions (at most
    three, best first) as topic buttons in the answer's audience.
    The audience and share buttons of a same-day answer carry `:today`, so what they
    produce keeps the "contact your team today" notice.
    `feedback` adds Helpful / Not helpful / Not what I asked (row 2) to answers that came from
    a topic; the bot always asks for it, the flag keeps the button layout testable on its own.
    Needs a running event loop (discord.py's `View` does).
    """
    if answer.is_urgent or answer.kind is Kind.SMALL_TALK:
        return None
    view = discord.ui.View(timeout=None)
    topic = answer.topic
    if answer.kind in (Kind.TOPIC, Kind.SEARCH) and topic and _TOPIC_ID.fullmatch(topic):
        same_day = answer.triage is Triage.SAME_DAY
        view.add_item(AudienceButton(topic, _other(answer.audience), same_day=same_day))
        if ephemeral:
            view.add_item(ShareButton(topic, answer.audience, shared=shared, same_day=same_day))
        refs = answer.related
    else:
        refs = answer.suggestions
    seen = {topic}
    added = 0
    for ref in refs:
        if added == MAX_TOPIC_BUTTONS:
            break
        if ref.id in seen or not _TOPIC_ID.fullmatch(ref.id):
            continue
        seen.add(ref.id)
        added += 1
        view.add_item(TopicButton(ref.id, answer.audience, ref.title))
    if feedback:
        for item in _feedback(answer):
            view.add_item(item)
    return view if view.children else None


def _message_buttons(message: discord.Message | None) -> Iterator[discord.Button]:
    if message is None:
        return
    for row in message.components:
        for child in getattr(row, "children", ()):
            if isinstance(child, discord.Button):
                yield child


def was_shared(message: discord.Message | None) -> bool:
    """True when the message's share button is already disabled (it was shared once)."""
    return any(b.disabled and (b.custom_id or "").startswith("bloodpatch:share:") for b in _message_buttons(message))


def is_ephemeral(message: discord.Message | None) -> bool:
    return message is not None and message.flags.ephemeral
