"""Clarify, crisis and same-day answers on Discord: rendered, given their buttons, and pressed.

The answers are built here (the router decides when they happen; this is about how they
look), and the end-to-end test presses a suggestion button exactly as rendered for a
clarify answer, through discord.py's real interaction dispatch on loopback.
"""

from __future__ import annotations

import json
from pathlib import Path

import discord
import pytest

from bot.adapters.discord import render, views
from bot.core import Answer, Kind, Library, Triage
from tests.answers import clarify, crisis, ref, same_day

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discord"
EPHEMERAL = 64
CHANNEL_MESSAGE = 4


def ids(view: discord.ui.View | None) -> list[str]:
    return [item.item.custom_id for item in view.children] if view is not None else []


# -- clarify ----------------------------------------------------------------------------------------


def test_clarify_shows_the_question_the_message_and_the_suggested_commands():
    answer = clarify(ref("risks", "Side effects and risks"), ref("faq_pain", "Does it hurt?", "pain"))
    rendered = render.render_answer(answer, exposed={"risks"})

    assert render.check_limits(rendered.embeds, rendered.content) == []
    assert rendered.content is None
    (embed,) = rendered.embeds
    assert embed.colour == render.COLOURS[Kind.CLARIFY]
    assert embed.title == "Did you mean…"
    assert embed.author.name == "You asked: “patch”"
    assert embed.description == "Did you mean one of these?"
    (field,) = embed.fields
    assert field.name == "Suggested topics"
    assert field.value.splitlines() == [
        "`/bloodpatch risks` — Side effects and risks",
        "`/bloodpatch topic name:faq_pain` — Does it hurt?",  # no subcommand of its own
    ]


def test_clarify_echo_cannot_ping_anyone():
    rendered = render.render_answer(clarify(ref("risks"), ref("recovery"), question="@everyone @here patch"))
    author = rendered.embeds[0].author.name
    assert "@everyone" not in author and "@here" not in author
    assert "@\u200beveryone" in author
    assert render.send_kwargs(rendered, ephemeral=True)["allowed_mentions"].to_dict() == {"parse": []}


async def test_clarify_suggestions_become_topic_buttons_in_the_same_audience():
    answer = clarify(ref("risks", "Side effects and risks"), ref("recovery", "Recovery"), audience="clinician")
    view = views.build_view(answer, ephemeral=True)

    assert ids(view) == ["bloodpatch:topic:clinician:risks", "bloodpatch:topic:clinician:recovery"]
    assert [item.item.label for item in view.children] == ["Side effects and risks", "Recovery"]
    assert not any(i.startswith(("bloodpatch:share:", "bloodpatch:aud:")) for i in ids(view))


async def test_clarify_buttons_skip_repeats_and_stop_at_three():
    answer = clarify(ref("risks"), ref("risks"), ref("recovery"), ref("repeat"), ref("overview"))
    assert ids(views.build_view(answer, ephemeral=False)) == [
        "bloodpatch:topic:patient:risks",
        "bloodpatch:topic:patient:recovery",
        "bloodpatch:topic:patient:repeat",
    ]


# -- crisis -----------------------------------------------------------------------------------------


def test_crisis_support_is_the_content_first_and_the_question_is_not_repeated():
    rendered = render.render_answer(crisis("i want to die @everyone"))

    assert render.check_limits(rendered.embeds, rendered.content) == []
    assert rendered.content.splitlines() == [
        "**You deserve support right now. You don't have to face this alone.**",
        "• UK: call Samaritans free on 116 123, any time",
        "• US: call or text 988",
        "• If you might act on these thoughts, call 999 or 911 now",
    ]
    (embed,) = rendered.embeds
    assert embed.colour == discord.Colour.red()
    assert embed.title == "You are not alone"
    assert embed.author.name is None  # a message about self-harm is never echoed back
    assert "want to die" not in json.dumps([e.to_dict() for e in rendered.embeds])
    assert embed.fields == []


async def test_crisis_gets_no_buttons_at_all():
    for ephemeral in (True, False):
        assert views.build_view(crisis("i want to die @everyone"), ephemeral=ephemeral) is None
    # even if the core attached a topic or suggestions, nothing invites sharing or browsing away
    odd = Answer(**{**_fields(crisis("i want to die @everyone")), "topic": "overview", "suggestions": (ref("risks"),)})
    assert views.build_view(odd, ephemeral=True) is None


def _fields(answer: Answer) -> dict:
    return {name: getattr(answer, name) for name in Answer.__dataclass_fields__}


# -- same day ---------------------------------------------------------------------------------------


def test_same_day_notice_comes_first_marked_as_advice():
    rendered = render.render_answer(same_day())

    assert render.check_limits(rendered.embeds, rendered.content) == []
    embed = rendered.embeds[0]
    first, rest = embed.description.split("\n\n", 1)
    assert first == (
        f"{render.ADVICE_MARK} **Contact your maternity or anaesthetic team today.**\n"
        "This is not an emergency, but it should not wait."
    )
    assert rest.startswith("Most people need only one patch.")
    assert embed.colour == render.SAME_DAY_COLOUR != render.COLOURS[Kind.SEARCH]


def test_an_ordinary_message_is_shown_plain_before_the_snippets():
    rendered = render.render_answer(same_day(Triage.INFO))  # e.g. the reply in the asker's language
    embed = rendered.embeds[0]
    assert embed.description.startswith("Contact your maternity or anaesthetic team today.\nThis")
    assert render.ADVICE_MARK not in embed.description
    assert embed.colour == render.COLOURS[Kind.SEARCH]


# -- end to end: press a suggestion of a rendered clarify answer -------------------------------------


def _sent_message(answer: Answer, view: discord.ui.View) -> dict:
    """The message as Discord would hold it after the bot sent `answer` privately with `view`."""
    message = json.loads((FIXTURES / "interaction_component.json").read_text(encoding="utf-8"))["message"]
    rendered = render.render_answer(answer)
    message.update(
        content=rendered.content or "",
        embeds=[e.to_dict() for e in rendered.embeds],
        components=view.to_components(),
        flags=EPHEMERAL,
    )
    return message


@pytest.mark.loopback
@pytest.mark.parametrize("audience", ["patient", "clinician"])
async def test_pressing_a_clarify_suggestion_opens_that_topic_in_the_same_audience(
    loopback, library: Library, audience: str
):
    suggestions = tuple(library.topic_ref(t) for t in ("risks", "recovery", "repeat"))
    answer = clarify(*suggestions, audience=audience)
    view = views.build_view(answer, ephemeral=True)
    message = _sent_message(answer, view)
    custom_id = ids(view)[1]  # the second suggestion, as rendered
    assert custom_id == f"bloodpatch:topic:{audience}:recovery"

    opened = await loopback.click(message, custom_id)

    expected = library.topic("recovery", audience=audience)
    assert opened.callback_type == CHANNEL_MESSAGE
    assert opened.data["flags"] == EPHEMERAL
    assert opened.data["allowed_mentions"] == {"parse": []}
    embed = opened.data["embeds"][0]
    assert embed["title"] == expected.title
    assert embed["description"].startswith(expected.snippets[0].text.strip()[:40])
    label = "Clinician detail" if audience == "clinician" else "Patient view"
    assert label in embed["footer"]["text"]
    other = "patient" if audience == "clinician" else "clinician"
    assert opened.custom_ids()[:2] == [f"bloodpatch:aud:{other}:recovery", f"bloodpatch:share:{audience}:recovery"]


# -- end to end with what the core answers today ----------------------------------------------------

CRISIS_QUESTION = "i want to die"
SAME_DAY_QUESTION = "my headache came back a week after the patch"


@pytest.mark.loopback
async def test_crisis_ask_is_support_first_with_no_buttons(loopback, library: Library):
    expected = library.answer(CRISIS_QUESTION)
    assert expected.kind is Kind.CRISIS  # which messages are a crisis is the core's business

    callback = await loopback.command("ask", question=CRISIS_QUESTION)

    data = callback.data
    assert data["flags"] == EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    first_line = expected.urgent.strip().splitlines()[0]
    assert data["content"].startswith(f"**{first_line}**")
    assert "• " in data["content"]  # the helplines, as bullets
    assert data["embeds"][0]["title"] == expected.title
    assert "author" not in data["embeds"][0]
    assert not data.get("components")


@pytest.mark.loopback
async def test_same_day_ask_opens_with_the_notice(loopback, library: Library):
    expected = library.answer(SAME_DAY_QUESTION)
    assert expected.triage is Triage.SAME_DAY and expected.snippets

    callback = await loopback.command("ask", question=SAME_DAY_QUESTION)

    embed = callback.data["embeds"][0]
    assert embed["description"].startswith(render.ADVICE_MARK)
    notice, rest = embed["description"].split("\n\n", 1)
    assert expected.message.strip().splitlines()[0].replace("**", "") in notice.replace("**", "")
    assert rest.startswith(expected.snippets[0].text.strip()[:40])
    assert callback.custom_ids()[:2] == [
        f"bloodpatch:aud:clinician:{expected.topic}:today",
        f"bloodpatch:share:patient:{expected.topic}:today",
    ]
    # a related topic is a new answer about something else: it does not carry the notice
    assert all(not i.endswith(":today") for i in callback.custom_ids()[2:])


def _opens_with_the_notice(recorded, notice: str) -> str:
    """The embed description, after checking it starts with the same-day notice marked as advice."""
    description = recorded.data["embeds"][0]["description"]
    first = description.split("\n\n", 1)[0]
    assert first.startswith(render.ADVICE_MARK)
    assert notice.replace("**", "").splitlines()[0] in first.replace("**", "")
    assert recorded.data["embeds"][0]["color"] == render.SAME_DAY_COLOUR.value
    return description


@pytest.mark.loopback
async def test_same_day_notice_survives_the_audience_switch_and_the_share(loopback, library: Library):
    expected = library.answer(SAME_DAY_QUESTION)
    assert expected.triage is Triage.SAME_DAY
    topic = expected.topic
    answer = await loopback.command("ask", question=SAME_DAY_QUESTION)

    clinician = await loopback.click(answer.message, f"bloodpatch:aud:clinician:{topic}:today")
    text = _opens_with_the_notice(clinician, expected.message)
    assert library.topic(topic, audience="clinician").snippets[0].text.strip()[:40] in text
    assert "Clinician detail" in clinician.data["embeds"][0]["footer"]["text"]
    assert clinician.custom_ids()[:2] == [
        f"bloodpatch:aud:patient:{topic}:today",
        f"bloodpatch:share:clinician:{topic}:today",
    ]

    shared = await loopback.click(clinician.message, f"bloodpatch:share:clinician:{topic}:today")
    public = await loopback.followup(shared)
    assert not (public.data.get("flags") or 0) & EPHEMERAL
    assert public.data["embeds"] == clinician.data["embeds"]  # what was shown privately, notice included
    _opens_with_the_notice(public, expected.message)
    assert SAME_DAY_QUESTION not in json.dumps(public.json)  # the question itself is not posted publicly
    assert public.custom_ids()[0] == f"bloodpatch:aud:patient:{topic}:today"

    # Someone in the channel switches the public copy: their private copy keeps it too.
    theirs = await loopback.click(public.message, f"bloodpatch:aud:patient:{topic}:today", user_id=1400000000000000099)
    assert theirs.data["flags"] == EPHEMERAL
    _opens_with_the_notice(theirs, expected.message)


@pytest.mark.loopback
async def test_same_day_notice_survives_a_restart(make_loopback, library: Library):
    expected = library.answer(SAME_DAY_QUESTION)
    before = await make_loopback()
    answer = await before.command("ask", question=SAME_DAY_QUESTION)
    await before.client.close()

    after = await make_loopback()  # nothing in memory: the notice is in the button's custom_id
    toggled = await after.click(answer.message, f"bloodpatch:aud:clinician:{expected.topic}:today")

    _opens_with_the_notice(toggled, expected.message)


@pytest.mark.loopback
async def test_an_ordinary_answer_does_not_gain_the_notice(loopback, library: Library):
    answer = await loopback.command("risks")
    assert all(not i.endswith(":today") for i in answer.custom_ids())

    toggled = await loopback.click(answer.message, "bloodpatch:aud:clinician:risks")

    assert not toggled.data["embeds"][0]["description"].startswith(render.ADVICE_MARK)
