"""Whatever a user types goes through the core and all three renderers without breaking a rule.

One generated message at a time: `Library.answer` and `Library.topic` (patient and
clinician views), then the Discord send kwargs, the Slack replies (slash command
and mention) and the terminal text.  For every output:

* nothing raises;
* every Discord and Slack limit holds (checked here, independently of the renderers'
  own `check_limits`, which is asserted too);
* nothing can ping: Discord's `allowed_mentions` parses nothing and no text holds a raw
  `@everyone`/`@here` or `<@id>`; Slack text holds no `<!channel>`, `<!here>`,
  `<!everyone>`, `<@U…>` or `<#C…>` (the only `<` we send opens an http(s) link) and
  the message never asks Slack to `link_names`;
* user text never becomes a link (`[x](javascript:…)`) and echoed text carries no
  bidi override or control character;
* the disclaimer is always there.

Inputs mix Unicode, zero-width and bidi characters, control characters, markdown
and mrkdwn syntax, mention tokens, empty and whitespace-only text, 10 000-character
messages and the domain words that steer the core into its red-flag and search paths.

A normal run generates a few hundred messages; a long run (the issue's >= 10 000)::

    FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/fuzz -q
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from bot.adapters.discord import render as discord_render
from bot.adapters.discord.cog import plan_topic_commands
from bot.adapters.shell.render import Style
from bot.adapters.shell.render import render_answer as shell_render
from bot.adapters.slack import render as slack_render
from bot.adapters.slack.replies import reply_for
from bot.adapters.slack.transport import message_kwargs
from bot.core import Answer, Kind, load_library

LIBRARY = load_library()  # the real content, loaded once for every example
EXPOSED = frozenset(ref.command for ref in plan_topic_commands(LIBRARY.topics))  # as the cog passes it
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
LONG = 10_000

# -- inputs ------------------------------------------------------------------------------------

MENTIONS = [
    "@everyone",
    "@here",
    "@ everyone",
    "@\u200beveryone",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S123|@team>",
    "<@U123>",
    "<@U123|steve>",
    "<@W0ABC>",
    "<@&123>",
    "<@!123456789012345678>",
    "<@123456789012345678>",
    "<#C1>",
    "<#C1|general>",
    "<#123456789012345678>",
]
MARKUP = [
    "[link](javascript:alert(1))",
    "[click](https://evil.example/x)",
    "<javascript:alert(1)|click>",
    "<https://evil.example|ok>",
    "<http://a|b|c>",
    "**bold**",
    "**",
    "*",
    "_",
    "~strike~",
    "`code`",
    "```block```",
    "||spoiler||",
    "> quote",
    "# Heading",
    "- item",
    "1. item",
    "&amp;",
    "&lt;",
    "&gt;",
    "&",
    "<",
    ">",
    "|",
    "\\",
    ":rotating_light:",
    "<t:0:R>",
    "</bloodpatch ask:123>",
    "https://example.org/?a=1&b=<2>",
]
DOMAIN = [
    "fever",
    "blood patch",
    "epidural",
    "stiff neck",
    "headache",
    "spinal headache",
    "I have a fever and a stiff neck",
    "since last night",
    "my legs are numb",
    "can't feel my legs",
    "worst headache of my life",
    "no fever",
    "what is a blood patch",
    "does it hurt",
    "recovery",
    "risks",
    "antibiotics",
    "pain",
    "--clinician",
    "clinician",
    "-p",
    "help",
    "sources",
    "ask",
    "topic",
    "ebp",
    "pdph",
    "recovry",
    "bloood patch",
]
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",  # BOM
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # Arabic letter mark
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u00ad",  # soft hyphen
    "\u180e",
]
ODD = [
    "😀",
    "👩\u200d⚕️",
    "🏳️\u200d🌈",
    "𝕳𝖊𝖆𝖉𝖆𝖈𝖍𝖊",
    "e\u0301\u0301\u0301\u0301",
    "\ufdfa",  # one code point, 18 after NFKC
    "\u2e3b",
    "ﬃ",
    "Ⅻ",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u2029",
    "ع",
    "שלום",
    "مرحبا",
    "漢字",
    "İ",
    "ß",
]
CONTROL = st.characters(codec="utf-8", categories=["Cc"])
WHITESPACE = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003\u3000\u2028\u2029\u1680\u0085", max_size=40)

piece = st.one_of(
    st.sampled_from(MENTIONS),
    st.sampled_from(MARKUP),
    st.sampled_from(DOMAIN),
    st.sampled_from(INVISIBLE),
    st.sampled_from(ODD),
    CONTROL,
    WHITESPACE,
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30),
)
separator = st.sampled_from(["", " ", "  ", "\n", "\t", "\u200b", "\u202e", "@", "<", ">", "*", "_", "|"])


SENTENCES = [
    # emergencies described (the red-flag path)
    "I have a fever and a stiff neck",
    "I have a fever and a stiff neck since last night",
    "my legs are numb since the epidural",
    "worst headache of my life",
    "I had a seizure this morning",
    "can't feel my legs after the blood patch",
    "new leg weakness 6h after EBP",
    "back pain and fever after my epidural",
    # questions (the search path)
    "does a blood patch hurt",
    "how long is recovery after a blood patch",
    "what is a spinal headache",
    "can I breastfeed after an epidural blood patch",
    "what are the risks of a blood patch",
    "why does my head hurt when I sit up",
    "when can I drive after the patch",
    "what if i get a fever and a headache after the patch",
    # out of scope
    "what is the weather like tomorrow",
    "tell me a joke",
]
hostile = st.one_of(st.sampled_from(MENTIONS + MARKUP + INVISIBLE + ODD), CONTROL)


@st.composite
def mixed(draw: st.DrawFn, min_pieces: int = 0, max_pieces: int = 12) -> str:
    parts = draw(st.lists(piece, min_size=min_pieces, max_size=max_pieces))
    return "".join(part + draw(separator) for part in parts)


@st.composite
def noisy_sentence(draw: st.DrawFn) -> str:
    """A real question or emergency with hostile pieces slipped between (or into) its words."""
    words = draw(st.sampled_from(SENTENCES)).split()
    out = []
    for word in words:
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(hostile))
        out.append(word)
    text = draw(st.sampled_from([" ", "  ", "\u200b ", " \u202e", "\n"])).join(out)
    return draw(st.sampled_from(["", "ask ", "topic ", "--clinician ", "<@UBOT> ", "@everyone "])) + text


@st.composite
def long_message(draw: st.DrawFn) -> str:
    """About 10 000 characters: a generated chunk repeated (generating them whole is too slow)."""
    chunk = draw(st.one_of(mixed(1, 6), noisy_sentence())) or "x"
    size = draw(st.sampled_from([LONG - 1, LONG, LONG + 1, LONG * 2]))
    return (chunk * (size // len(chunk) + 1))[:size]


messages = st.one_of(
    mixed(),
    mixed(0, 40),
    noisy_sentence(),
    WHITESPACE,
    st.just(""),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300),
    long_message(),
)

# -- independent limit checks ----------------------------------------------------------------

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
C0_C1 = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DISCORD_MASS = re.compile(r"@(everyone|here)|<@[!&]?\d")  # pings; a channel link (<#id>) does not
MARKDOWN_LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
SLACK_ENTITY = re.compile(r"&(amp|lt|gt);")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def discord_texts(data: dict[str, Any]) -> dict[str, str]:
    """Every string Discord shows, keyed by where it is."""
    texts = {"content": data.get("content") or ""}
    for i, embed in enumerate(data["embeds"]):
        texts[f"embed{i}.title"] = embed.get("title") or ""
        texts[f"embed{i}.description"] = embed.get("description") or ""
        texts[f"embed{i}.footer"] = (embed.get("footer") or {}).get("text") or ""
        texts[f"embed{i}.author"] = (embed.get("author") or {}).get("name") or ""
        for j, field in enumerate(embed.get("fields") or []):
            texts[f"embed{i}.field{j}.name"] = field["name"]
            texts[f"embed{i}.field{j}.value"] = field["value"]
    return texts


def check_discord(answer: Answer, *, ephemeral: bool) -> None:
    kwargs = discord_render.to_send_kwargs(answer, ephemeral=ephemeral, exposed=EXPOSED)
    assert kwargs["ephemeral"] is ephemeral
    mentions = kwargs["allowed_mentions"]
    assert isinstance(mentions, discord.AllowedMentions)
    assert mentions.to_dict() == {"parse": []}, mentions.to_dict()
    assert not mentions.everyone and not mentions.users and not mentions.roles and not mentions.replied_user

    embeds: list[discord.Embed] = kwargs["embeds"]
    content = kwargs.get("content")
    assert discord_render.check_limits(embeds, content) == []
    data = {"content": content, "embeds": [e.to_dict() for e in embeds]}
    # The same limits, counted here (in UTF-16 units, never fewer than Discord counts).
    assert 1 <= len(embeds) <= 10
    assert content is None or 1 <= utf16(content) <= 2000
    total = 0
    for embed in data["embeds"]:
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        assert utf16(title) <= 256 and utf16(description) <= 4096
        assert utf16(footer) <= 2048 and utf16(author) <= 256
        assert len(fields) <= 25
        for field in fields:
            assert 1 <= utf16(field["name"]) <= 256 and 1 <= utf16(field["value"]) <= 1024
            total += utf16(field["name"]) + utf16(field["value"])
        total += utf16(title) + utf16(description) + utf16(footer) + utf16(author)
    assert total <= 6000

    for where, text in discord_texts(data).items():
        assert not DISCORD_MASS.search(text), f"{where}: mention in {text[:120]!r}"
        if where.endswith((".title", ".footer", ".author")):
            continue  # plain-text surfaces: Discord renders no links there
        for target in MARKDOWN_LINK_TARGET.findall(text):
            assert target.startswith(("https://", "http://")), f"{where}: link to {target[:60]!r}"
    author = data["embeds"][0].get("author", {}).get("name", "")
    assert not BIDI_CONTROLS.search(author) and not C0_C1.search(author), repr(author)
    assert LIBRARY.disclaimer in data["embeds"][-1]["footer"]["text"]
    json.dumps(data, ensure_ascii=False).encode()  # valid Unicode all through (what goes on the wire)


def check_slack_mrkdwn(text: str, where: str) -> None:
    """The only `<` opens an http(s) link `<url|label>`; every `&` starts an entity."""
    for match in re.finditer("<", text):
        i = match.start()
        assert text.startswith(("<http://", "<https://"), i), f"{where}: unescaped '<' at {text[i : i + 30]!r}"
        end = text.find(">", i)
        assert end != -1 and "<" not in text[i + 1 : end] and "|" in text[i:end], f"{where}: bad link"
    for match in re.finditer("&", text):
        assert SLACK_ENTITY.match(text, match.start()), f"{where}: bare '&' at {text[match.start() :][:20]!r}"
    assert not C0_C1.search(text) and not BIDI_CONTROLS.search(text), f"{where}: control character"


def check_slack_text_object(obj: dict[str, Any], where: str, limit: int, kinds=("mrkdwn", "plain_text")) -> None:
    assert obj["type"] in kinds, f"{where}: {obj['type']}"
    text = obj["text"]
    assert 1 <= len(text) <= limit, f"{where}: length {len(text)} > {limit}"
    if obj["type"] == "mrkdwn":
        check_slack_mrkdwn(text, where)
    else:
        assert "<!" not in text and "<@" not in text and not C0_C1.search(text), f"{where}: {text!r}"


def check_slack_button(button: dict[str, Any], where: str, action_ids: set[str]) -> None:
    assert button["type"] == "button"
    check_slack_text_object(button["text"], f"{where}.text", 75, kinds=("plain_text",))
    assert 1 <= len(button["action_id"]) <= 255, where
    assert button["action_id"] not in action_ids, f"{where}: duplicate action_id"
    action_ids.add(button["action_id"])
    assert len(button.get("value", "")) <= 2000, where


def check_slack(message: slack_render.SlackMessage, where: str) -> None:
    kwargs = message_kwargs(message)
    assert "link_names" not in kwargs and kwargs.get("parse") in (None, "none")
    assert 1 <= len(message.text) <= 40_000
    check_slack_mrkdwn(message.text, f"{where}.text")
    blocks = message.blocks
    assert 1 <= len(blocks) <= 50, f"{where}: {len(blocks)} blocks"
    action_ids: set[str] = set()
    for n, block in enumerate(blocks):
        at = f"{where}.blocks[{n}]"
        if block["type"] == "section":
            check_slack_text_object(block["text"], at, 3000)
            if "accessory" in block:
                check_slack_button(block["accessory"], f"{at}.accessory", action_ids)
        elif block["type"] == "header":
            check_slack_text_object(block["text"], at, 150, kinds=("plain_text",))
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10, at
            for i, element in enumerate(block["elements"]):
                check_slack_text_object(element, f"{at}.elements[{i}]", 3000)
        elif block["type"] == "actions":
            assert 1 <= len(block["elements"]) <= 25, at
            for i, element in enumerate(block["elements"]):
                check_slack_button(element, f"{at}.elements[{i}]", action_ids)
        else:
            raise AssertionError(f"{at}: unexpected block type {block['type']!r}")
    shown = "\n".join(
        element["text"] for block in blocks if block["type"] == "context" for element in block["elements"]
    )
    assert slack_render.mrkdwn(LIBRARY.disclaimer) in shown, f"{where}: no disclaimer"


def check_shell(answer: Answer) -> None:
    out = shell_render(answer)
    assert "\x1b" not in out  # no styling asked for, and user text cannot smuggle escapes
    assert " ".join(LIBRARY.disclaimer.split()) in " ".join(out.split())
    styled = shell_render(answer, Style(True))
    assert " ".join(LIBRARY.disclaimer.split()) in " ".join(re.sub(r"\x1b\[[0-9;]*m", "", styled).split())


def check_answer(answer: Answer) -> None:
    assert isinstance(answer.kind, Kind)
    assert answer.disclaimer.endswith(LIBRARY.disclaimer)  # draft topics add one line before it
    assert answer.title.strip()
    # The core never echoes the question into what adapters show as their own text.
    # (Titles and messages are content: compare against what the content itself says.)
    question = answer.question.strip()
    safety = LIBRARY._state.content.safety
    content_text = " ".join(
        [LIBRARY.topic_ref(answer.topic).title if answer.topic else "", safety.out_of_scope, safety.not_found]
    )
    if len(question) >= 12 and question not in content_text:
        assert question not in answer.title and question not in (answer.message or "")


# -- the property --------------------------------------------------------------------------------


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(text=messages, audience=st.sampled_from(["patient", "clinician"]), public=st.booleans())
@example(text="", audience="patient", public=False)
@example(text=" \t\n\u3000 ", audience="patient", public=False)
@example(text="@everyone @here <!channel> <!here> <!everyone> <@U123> <@&123> <#C1>", audience="patient", public=True)
@example(text="[link](javascript:alert(1)) fever", audience="clinician", public=True)
@example(text="I have a fever and a stiff neck after my epidural \u202egnirts\u202c", audience="patient", public=False)
@example(text="blood patch\u200b recovery \x00\x07\x1b[31m", audience="patient", public=False)
@example(text=("worst headache fever stiff neck <!channel> " * 300)[:LONG], audience="patient", public=True)
@example(text="x" * LONG, audience="clinician", public=False)
@example(text="recovery", audience="clinician", public=False)
@example(text="--clinician sources", audience="clinician", public=False)
def test_any_message_through_core_and_every_renderer(text: str, audience: str, public: bool) -> None:
    for answer in (LIBRARY.answer(text, audience), LIBRARY.topic(text, audience)):
        event(f"kind={answer.kind.value}")  # shown by --hypothesis-show-statistics
        check_answer(answer)
        check_discord(answer, ephemeral=not public)
        check_slack(slack_render.to_message(answer, shareable=True, show_question=True), "to_message")
        check_shell(answer)
    check_slack(reply_for(LIBRARY, text, surface="command", ephemeral=True), "command")
    check_slack(reply_for(LIBRARY, text, surface="mention", ephemeral=False), "mention")


# -- the paths the inputs must reach, and inputs only a JSON payload can carry -------------------

REACHES = [
    ("answer", "I have a fever and a stiff neck since my epidural <!channel> @everyone", Kind.RED_FLAG),
    ("answer", "\u200bfever\u200b and stiff\u202e neck since last night", Kind.RED_FLAG),
    ("answer", "does a blood patch hurt? [link](javascript:alert(1))", Kind.SEARCH),
    ("answer", "**how long** is recovery after a blood patch <@U123>", Kind.SEARCH),
    ("answer", "<@U123> what is the weather like @here", Kind.OUT_OF_SCOPE),
    ("answer", "x" * LONG, Kind.NOT_FOUND),
    ("answer", " \t\u3000", Kind.NOT_FOUND),
    ("topic", "recovery", Kind.TOPIC),
    ("topic", "\u202e<!here> zzqq", Kind.NOT_FOUND),
]


@pytest.mark.parametrize(("method", "text", "kind"), REACHES, ids=[f"{m}-{k.value}" for m, _, k in REACHES])
def test_hostile_text_still_reaches_every_answer_kind(method: str, text: str, kind: Kind) -> None:
    """Mentions, markup and invisible characters do not stop red-flag detection or search."""
    answer = getattr(LIBRARY, method)(text)
    assert answer.kind is kind
    check_discord(answer, ephemeral=True)
    check_slack(slack_render.to_message(answer, shareable=True, show_question=True), method)
    check_shell(answer)


@pytest.mark.parametrize("text", ["fever \ud800 stiff neck since last night", "\udfff", "a\ud83dxx blood patch"])
def test_lone_surrogates_from_a_json_payload_do_not_break_anything(text: str) -> None:
    """JSON can carry an unpaired surrogate (`"\\ud800"`), which no real keyboard produces.

    Discord drops it from the echoed question; Slack echoes it in "You asked", which
    slack_sdk sends as an ASCII `\\ud800` escape (json.dumps), so nothing raises.
    """
    for answer in (LIBRARY.answer(text), LIBRARY.topic(text)):
        check_discord(answer, ephemeral=True)
        message = slack_render.to_message(answer, shareable=True, show_question=True)
        check_slack(message, "to_message")
        json.dumps(message_kwargs(message))
        check_shell(answer)
    json.dumps(reply_for(LIBRARY, text, surface="mention", ephemeral=False).as_kwargs())


# -- a bug the inputs exposed --------------------------------------------------------------------

EMERGENCIES = [
    "I have a fever and a stiff neck",
    "I have a fever and a stiff neck since last night",
    "my legs are numb and I cannot pee",
    "worst headache of my life, fever, stiff neck",
]


@settings(max_examples=max(50, EXAMPLES // 6), deadline=None)
@given(
    text=st.tuples(st.sampled_from(EMERGENCIES), st.lists(st.sampled_from(MENTIONS + INVISIBLE), max_size=3)).map(
        lambda parts: " ".join([parts[0], *parts[1]])
    ),
)
@example(text="I have a fever and a stiff neck")
def test_an_emergency_typed_as_a_topic_name_still_gets_urgent_care(text: str) -> None:
    assume(LIBRARY.answer(text).kind is Kind.RED_FLAG)
    assert LIBRARY.topic(text).kind is Kind.RED_FLAG
