"""The buttons under an answer, pressed through discord.py's view store on loopback."""

from __future__ import annotations

import discord
import pytest

from bot.adapters.discord import DiscordSettings, render
from bot.adapters.discord.cog import ALREADY_SHARED_TEXT, COOLDOWN_TEXT, ERROR_TEXT, SHARED_BY_TEXT

pytestmark = pytest.mark.loopback

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
UPDATE_MESSAGE = 7


def button(recorded, custom_id: str) -> dict:
    return next(b for b in recorded.buttons() if b["custom_id"] == custom_id)


async def test_audience_toggle_edits_the_private_answer_in_place(loopback, library):
    answer = await loopback.command("risks")

    toggled = await loopback.click(answer.message, "bloodpatch:aud:clinician:risks")

    assert toggled.callback_type == UPDATE_MESSAGE
    data = toggled.data
    assert data["allowed_mentions"] == {"parse": []}
    embed = data["embeds"][0]
    assert "Clinician detail" in embed["footer"]["text"]
    clinician = library.topic("risks", audience="clinician")
    assert embed["description"].startswith(clinician.snippets[0].text.strip()[:40])
    assert toggled.custom_ids()[:2] == ["bloodpatch:aud:patient:risks", "bloodpatch:share:clinician:risks"]
    assert button(toggled, "bloodpatch:aud:patient:risks")["label"] == "Patient view"

    back = await loopback.click(toggled.message, "bloodpatch:aud:patient:risks")
    assert "Patient view" in back.data["embeds"][0]["footer"]["text"]
    assert back.data["embeds"] == answer.data["embeds"]


async def test_audience_toggle_on_a_public_answer_replies_privately(loopback):
    public = await loopback.command("topic", name="recovery", public=True)

    reply = await loopback.click(public.message, "bloodpatch:aud:clinician:recovery", user_id=1400000000000000055)

    assert reply.callback_type == CHANNEL_MESSAGE
    assert reply.data["flags"] == EPHEMERAL
    assert "Clinician detail" in reply.data["embeds"][0]["footer"]["text"]


async def test_share_posts_publicly_once_and_disables_the_button(loopback):
    private = await loopback.command("pain")
    share_id = "bloodpatch:share:patient:faq_pain"

    updated = await loopback.click(private.message, share_id)
    public = await loopback.followup(updated)

    assert updated.callback_type == UPDATE_MESSAGE
    assert button(updated, share_id)["disabled"] is True
    assert button(updated, share_id)["label"] == "Shared in channel"
    assert not (public.data.get("flags") or 0) & EPHEMERAL
    assert public.data["content"] == SHARED_BY_TEXT.format(mention="<@1400000000000000001>")
    assert public.data["allowed_mentions"] == {"parse": []}
    assert public.data["embeds"] == private.data["embeds"]
    embeds = [discord.Embed.from_dict(e) for e in public.data["embeds"]]
    assert render.check_limits(embeds, public.data["content"]) == []
    assert not any(i.startswith("bloodpatch:share:") for i in public.custom_ids())
    assert "bloodpatch:aud:clinician:faq_pain" in public.custom_ids()

    # a stale client pressing the original (still enabled) button, and the disabled one
    again = await loopback.click(private.message, share_id)
    disabled = await loopback.click(updated.message, share_id)
    for reply in (again, disabled):
        assert reply.callback_type == CHANNEL_MESSAGE
        assert reply.data["flags"] == EPHEMERAL
        assert reply.data["content"] == ALREADY_SHARED_TEXT
    public_posts = [r for r in loopback.fake.requests if r.method == "POST" and r.path.startswith("/webhooks/")]
    assert len(public_posts) == 1


async def test_failed_share_gives_the_button_back_and_says_so(loopback, discord_api):
    private = await loopback.command("pain")
    discord_api.fail("POST", r"/webhooks/\d+/[^/]+", 403, body={"message": "Missing Access", "code": 50001})

    updated = await loopback.click(private.message, "bloodpatch:share:patient:faq_pain")
    token = updated.path.split("/")[3]
    restored = await discord_api.wait_for(lambda r: r.method == "PATCH" and token in r.path)
    notice = await loopback.followup(updated, count=2)

    assert restored.path.endswith("/messages/@original")
    assert button(restored, "bloodpatch:share:patient:faq_pain")["disabled"] is False
    assert notice.status == 200
    assert notice.data["content"] == ERROR_TEXT
    assert notice.data["flags"] == EPHEMERAL


async def test_toggle_after_sharing_keeps_share_disabled(loopback):
    private = await loopback.command("pain")
    shared = await loopback.click(private.message, "bloodpatch:share:patient:faq_pain")
    await loopback.followup(shared)

    toggled = await loopback.click(shared.message, "bloodpatch:aud:clinician:faq_pain")

    assert button(toggled, "bloodpatch:share:clinician:faq_pain")["disabled"] is True


async def test_related_topic_button_opens_that_topic_privately(loopback, library):
    answer = await loopback.command("risks")
    related = library.topic("risks").related[0]

    opened = await loopback.click(answer.message, f"bloodpatch:topic:patient:{related.id}")

    assert opened.callback_type == CHANNEL_MESSAGE
    assert opened.data["flags"] == EPHEMERAL
    assert opened.data["embeds"][0]["title"] == related.title
    assert f"bloodpatch:aud:clinician:{related.id}" in opened.custom_ids()


async def test_buttons_keep_working_after_a_restart(make_loopback, library):
    before = await make_loopback()
    answer = await before.command("topic", name="recovery", audience="clinician")
    await before.client.close()

    after = await make_loopback()  # a new process: no views in memory, only the registered templates
    toggled = await after.click(answer.message, "bloodpatch:aud:patient:recovery")

    assert toggled.callback_type == UPDATE_MESSAGE
    assert "Patient view" in toggled.data["embeds"][0]["footer"]["text"]


async def test_buttons_share_the_cooldown(make_loopback):
    loopback = await make_loopback(DiscordSettings(cooldown_uses=2, cooldown_seconds=60))
    answer = await loopback.command("risks")
    await loopback.click(answer.message, "bloodpatch:aud:clinician:risks")

    related = next(i for i in answer.custom_ids() if i.startswith("bloodpatch:topic:"))  # whichever content lists
    blocked = await loopback.click(answer.message, related)

    assert blocked.callback_type == CHANNEL_MESSAGE
    assert blocked.data["flags"] == EPHEMERAL
    assert blocked.data["content"].startswith(COOLDOWN_TEXT.split("{")[0])
