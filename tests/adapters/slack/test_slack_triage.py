"""Clarify, crisis and same-day answers in Block Kit, and a clarify suggestion clicked end to end.

The answers are built here (the router decides when they happen; this is about how they
look); the click goes signed to the real Bolt app with the button exactly as rendered.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bot.adapters.slack.render import ACTION_AUDIENCE, ACTION_SHARE, ButtonState, mrkdwn, to_message
from bot.core import Answer, Kind, Library, TopicRef, Triage
from tests.answers import CRISIS_TEXT, SAME_DAY_TEXT, crisis, ref, same_day
from tests.answers import clarify as _clarify


def clarify(*suggestions: TopicRef, audience: str = "patient") -> Answer:
    return _clarify(*suggestions, audience=audience, question="patch <!channel>")


MASS_MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>")


def assert_safe(payload: dict[str, Any], kit: Any) -> None:
    kit.check_message(payload)
    for raw in MASS_MENTIONS:
        assert raw not in kit.all_text(payload)


def sections(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


# -- clarify ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_clarify_offers_each_suggestion_as_a_button_in_the_same_audience(kit: Any, audience: str) -> None:
    answer = clarify(ref("risks", "Side effects and risks"), ref("recovery", "Recovery"), audience=audience)
    payload = to_message(answer, shareable=True, show_question=True).as_kwargs()

    assert_safe(payload, kit)
    assert kit.header(payload) == "Did you mean…"
    assert "Did you mean one of these?" in sections(payload)
    assert "You asked: patch &lt;!channel&gt;" in kit.all_text(payload)
    found = kit.buttons(payload)
    assert [b["action_id"] for b in found] == ["bloodpatch:topic:risks", "bloodpatch:topic:recovery"]
    assert [b["text"]["text"] for b in found] == ["Side effects and risks", "Recovery"]
    assert [ButtonState.decode(b["value"]) for b in found] == [
        ButtonState("risks", audience),
        ButtonState("recovery", audience),
    ]
    # a clarify answer has no topic yet: nothing to share or switch
    assert not {ACTION_SHARE, ACTION_AUDIENCE} & {b["action_id"] for b in found}


def test_clarify_with_a_repeated_suggestion_still_renders_a_valid_message(kit: Any) -> None:
    payload = to_message(clarify(ref("risks"), ref("risks"), ref("repeat"))).as_kwargs()
    kit.check_message(payload)  # a repeated action_id would make Slack reject the whole message
    assert [b["action_id"] for b in kit.buttons(payload)] == ["bloodpatch:topic:risks", "bloodpatch:topic:repeat"]


# -- crisis -----------------------------------------------------------------------------------------


def test_crisis_puts_the_title_then_the_support_text_first_with_no_buttons(kit: Any) -> None:
    payload = to_message(crisis("i want to die <!here>"), shareable=True, show_question=True).as_kwargs()

    assert_safe(payload, kit)
    title, support = payload["blocks"][:2]
    assert title == {"type": "header", "text": {"type": "plain_text", "text": "You are not alone"}}
    assert support["type"] == "section"
    assert support["text"]["text"] == mrkdwn(CRISIS_TEXT)  # calm: no siren, nothing cheerful
    assert "\n• UK: call Samaritans free on 116 123, any time\n" in support["text"]["text"]
    assert kit.buttons(payload) == []  # no "Share in channel", nothing to browse away to
    assert "want to die" not in kit.all_text(payload)  # never repeated back
    assert payload["text"].startswith("You are not alone\nYou deserve support right now.")


# -- same day ---------------------------------------------------------------------------------------


def test_same_day_notice_comes_before_the_snippets_marked_as_advice(kit: Any) -> None:
    payload = to_message(same_day(), shareable=True, show_question=True).as_kwargs()

    assert_safe(payload, kit)
    texts = sections(payload)
    assert texts[0] == (
        ":warning: *Contact your maternity or anaesthetic team today.*\n"
        "This is not an emergency, but it should not wait."
    )
    assert texts[1].startswith("Most people need only one patch.")
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds.index("header") < kinds.index("section")
    assert payload["text"].index("Contact your") < payload["text"].index("Most people")
    assert {ACTION_SHARE, ACTION_AUDIENCE} <= {b["action_id"] for b in kit.buttons(payload)}


def test_an_ordinary_message_is_shown_plain_before_the_snippets(kit: Any) -> None:
    payload = to_message(same_day(Triage.INFO)).as_kwargs()  # e.g. the reply in the asker's language
    kit.check_message(payload)
    texts = sections(payload)
    assert texts[0] == mrkdwn(SAME_DAY_TEXT)
    assert texts[1].startswith("Most people need only one patch.")


# -- end to end: click a suggestion of a rendered clarify answer --------------------------------------


def _click(fixture: dict[str, Any], button: dict[str, Any], response_url: str) -> dict[str, Any]:
    payload = copy.deepcopy(fixture)
    payload["actions"][0].update(action_id=button["action_id"], value=button["value"], text=button["text"])
    payload["response_url"] = response_url
    return payload


@pytest.mark.loopback
@pytest.mark.parametrize("audience", ["patient", "clinician"])
async def test_clicking_a_clarify_suggestion_shows_that_topic_in_the_same_audience(
    bolt: Any, kit: Any, library: Library, audience: str
) -> None:
    suggestions = tuple(library.topic_ref(t) for t in ("risks", "recovery", "repeat"))
    rendered = to_message(clarify(*suggestions, audience=audience), shareable=True, show_question=True)
    button = kit.buttons(rendered.as_kwargs())[1]  # the second suggestion, exactly as rendered
    fixture = kit.load_fixture("block_actions_ephemeral.json")

    reply = await bolt.slack.action(_click(fixture, button, bolt.standin.response_url("pick")))
    assert reply.status == 200

    (call,) = await bolt.standin.wait_for("/response/pick")
    body = call.body
    kit.check_message(body)
    expected = library.topic("recovery", audience=audience)
    assert kit.header(body) == expected.title
    assert body["response_type"] == "ephemeral" and body["replace_original"] is True  # replaces the question
    assert mrkdwn(expected.snippets[0].text) in kit.all_text(body)
    values = {b["action_id"]: json.loads(b["value"]) for b in kit.buttons(body) if not b["action_id"].startswith("bp:")}
    assert values[ACTION_SHARE] == {"t": "recovery", "a": audience}
    other = "clinician" if audience == "patient" else "patient"
    assert values[ACTION_AUDIENCE] == {"t": "recovery", "a": other}


# -- end to end with what the core answers today ----------------------------------------------------

CRISIS_QUESTION = "i want to die"
SAME_DAY_QUESTION = "my headache came back a week after the patch"


async def _command(bolt: Any, kit: Any, text: str) -> dict[str, Any]:
    body = await bolt.slack.answer(text)
    kit.check_message(body)
    return body


@pytest.mark.loopback
async def test_crisis_command_is_support_first_with_no_buttons(bolt: Any, kit: Any, library: Library) -> None:
    expected = library.answer(CRISIS_QUESTION)
    assert expected.kind is Kind.CRISIS  # which messages are a crisis is the core's business

    body = await _command(bolt, kit, f"ask {CRISIS_QUESTION}")

    assert body["response_type"] == "ephemeral"
    title, support = body["blocks"][:2]
    assert title["type"] == "header" and title["text"]["text"] == expected.title
    assert support["type"] == "section" and support["text"]["text"] == mrkdwn(expected.urgent)
    assert kit.buttons(body) == []
    assert "want to die" not in kit.all_text(body["blocks"])


@pytest.mark.loopback
async def test_same_day_command_shows_the_notice_before_the_snippets(bolt: Any, kit: Any, library: Library) -> None:
    expected = library.answer(SAME_DAY_QUESTION)
    assert expected.triage is Triage.SAME_DAY and expected.snippets

    body = await _command(bolt, kit, f"ask {SAME_DAY_QUESTION}")

    texts = sections(body)
    assert texts[0].startswith(":warning: *")
    assert mrkdwn(expected.message.strip().splitlines()[0])[:40] in texts[0]
    assert texts[1].startswith(mrkdwn(expected.snippets[0].text))
