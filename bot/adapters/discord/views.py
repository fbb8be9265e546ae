"""Buttons under an answer, as persistent `DynamicItem`s.

All state a button needs lives in its `custom_id` (namespace `bloodpatch:`), so a
button pressed after a restart still works: discord.py matches the id against
the templates registered with `Client.add_dynamic_items` and rebuilds the item.

    bloodpatch:aud:<audience>:<topic>    show the topic in that audience
    bloodpatch:share:<audience>:<topic>  re-post the (ephemeral) answer in the channel
    bloodpatch:topic:<audience>:<topic>  open a related or suggested topic

The buttons only parse their id and hand over to a `ButtonHandler` (the cog);
they hold no behaviour of their own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord.ui import Button, DynamicItem

from bot.core.answer import Answer, Kind

if TYPE_CHECKING:
    from collections.abc import Iterator

COG_NAME = "Bloodpatch"
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
MAX_TOPIC_BUTTONS = 3

_AUDIENCE = r"(?P<audience>patient|clinician)"
_TOPIC = r"(?P<topic>[a-z0-9_\-]{1,64})"
AUDIENCE_TEMPLATE = rf"bloodpatch:aud:{_AUDIENCE}:{_TOPIC}"
SHARE_TEMPLATE = rf"bloodpatch:share:{_AUDIENCE}:{_TOPIC}"
TOPIC_TEMPLATE = rf"bloodpatch:topic:{_AUDIENCE}:{_TOPIC}"
_TOPIC_ID = re.compile(r"[a-z0-9_\-]{1,64}")


class ButtonHandler(Protocol):
    """What the buttons call; implemented by the cog."""

    async def on_audience_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None: ...

    async def on_share_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None: ...

    async def on_topic_button(self, interaction: discord.Interaction, topic: str, audience: str) -> None: ...


def _handler(interaction: discord.Interaction) -> ButtonHandler:
    cog: Any = interaction.client.get_cog(COG_NAME)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError(f"button pressed but the {COG_NAME} cog is not loaded")
    return cog


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL_MAX else text[: BUTTON_LABEL_MAX - 1].rstrip() + "…"


def _other(audience: str) -> str:
    return "patient" if audience == "clinician" else "clinician"


class AudienceButton(DynamicItem[Button], template=AUDIENCE_TEMPLATE):
    """Switch between the patient view and clinician detail of one topic."""

    def __init__(self, topic: str, audience: str) -> None:
        label = "Clinician detail" if audience == "clinician" else "Patient view"
        super().__init__(
            Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"bloodpatch:aud:{audience}:{topic}",
                row=0,
            )
        )
        self.topic = topic
        self.audience = audience

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AudienceButton:
        return cls(match["topic"], match["audience"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_audience_button(interaction, self.topic, self.audience)


class ShareButton(DynamicItem[Button], template=SHARE_TEMPLATE):
    """Re-post a private answer in the channel; disabled once it has been shared."""

    def __init__(self, topic: str, audience: str, *, shared: bool = False) -> None:
        super().__init__(
            Button(
                label="Shared in channel" if shared else "Share in channel",
                style=discord.ButtonStyle.primary,
                custom_id=f"bloodpatch:share:{audience}:{topic}",
                disabled=shared,
                row=0,
            )
        )
        self.topic = topic
        self.audience = audience

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(match["topic"], match["audience"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _handler(interaction).on_share_button(interaction, self.topic, self.audience)


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


DYNAMIC_ITEMS: tuple[type[DynamicItem[Any]], ...] = (AudienceButton, ShareButton, TopicButton)


def build_view(answer: Answer, *, ephemeral: bool, shared: bool = False) -> discord.ui.View | None:
    """The buttons for an answer, or None when it gets none.

    Red-flag and crisis answers get no buttons at all: the urgent message must
    stand alone, and nothing should invite sharing or browsing away from it.
    Small talk ("hi", "thanks") gets none either: it is a short friendly reply.
    Clarify, out-of-scope and not-found answers get their suggestions (at most
    three, best first) as topic buttons in the answer's audience.
    Needs a running event loop (discord.py's `View` does).
    """
    if answer.is_urgent or answer.kind is Kind.SMALL_TALK:
        return None
    view = discord.ui.View(timeout=None)
    topic = answer.topic
    if answer.kind in (Kind.TOPIC, Kind.SEARCH) and topic and _TOPIC_ID.fullmatch(topic):
        view.add_item(AudienceButton(topic, _other(answer.audience)))
        if ephemeral:
            view.add_item(ShareButton(topic, answer.audience, shared=shared))
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
