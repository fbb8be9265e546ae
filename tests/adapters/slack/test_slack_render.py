"""The Block Kit renderer on its own: real answers, over-long synthetic ones, and generated text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack import render
from bot.adapters.slack.render import ButtonState, clip, escape, to_help, to_home_view, to_message, to_sources
from bot.core import AUDIENCES, Answer, AnswerSnippet, Kind, Library, SourceRef, TopicRef

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "slack" / "golden"
MASS_MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam^S1|@team>")


def source(n: int, *, long: bool = False) -> SourceRef:
    title = f"Source {n} <!channel> & co " + ("x" * 5000 if long else "")
    url = f"https://example.org/{n}?a=1&b=<2>|" + ("y" * 4000 if long else "")
    return SourceRef(id=f"s{n}", title=title, publisher="Pub & Co", year="2020", url=url)


def topic_ref(n: int, *, long: bool = False) -> TopicRef:
    return TopicRef(id=f"topic_{n}", title=f"Topic {n} " + ("t" * 300 if long else ""), command=f"t{n}")


def synthetic(kind: Kind = Kind.SEARCH, *, snippets: int = 3, long: bool = False, **overrides: Any) -> Answer:
    """An Answer of `kind` with `snippets` paragraphs; `long` makes every field exceed Slack's limits."""
    filler = ("**bold** <!channel> <@U123> & " * 400) if long else "Plain **text** & more."
    fields: dict[str, Any] = {
        "question": ("<!here> why " * 2000) if long else "why <!here>?",
        "kind": kind,
        "audience": "patient",
        "title": ("Title " * 100) if long else "A title",
        "disclaimer": "Not medical advice <!channel>. " + ("d" * 4000 if long else ""),
        "topic": "topic_0",
        "snippets": tuple(
            AnswerSnippet(text=f"{n}: {filler}", audience="patient", source=source(n % 40, long=long), locator="p1")
            for n in range(snippets)
        ),
        "related": tuple(topic_ref(n, long=long) for n in range(1, 11)),
        "suggestions": tuple(topic_ref(n, long=long) for n in range(1, 31))
        if kind in (Kind.NOT_FOUND, Kind.CLARIFY, Kind.OUT_OF_SCOPE)
        else (),
        "urgent": ("Get help now <!channel>. " * (300 if long else 1))
        if kind in (Kind.RED_FLAG, Kind.CRISIS)
        else None,
        "message": ("Not found & such. " * (300 if long else 1))
        if kind in (Kind.NOT_FOUND, Kind.OUT_OF_SCOPE, Kind.CLARIFY, Kind.SMALL_TALK)
        else None,
        "reviewed": dt.date(2026, 1, 2),
        "topics": tuple(topic_ref(n, long=long) for n in range(60 if long else 15)),
    }
    fields.update(overrides)
    return Answer(**fields)


def assert_safe(payload: dict[str, Any], kit: Any) -> None:
    kit.check_message(payload)
    for raw in MASS_MENTIONS:
        assert raw not in kit.all_text(payload)


# -- real content ----------------------------------------------------------------------------


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_topic_renders_within_limits(library: Library, kit: Any, audience: str) -> None:
    for topic in library.topics:
        answer = library.topic(topic.id, audience=audience)
        for shareable in (True, False):
            message = to_message(answer, shareable=shareable, show_question=True)
            payload = message.as_kwargs()
            assert_safe(payload, kit)
            assert kit.header(payload) == answer.title
            share = [b for b in kit.buttons(payload) if b["action_id"] == render.ACTION_SHARE]
            assert len(share) == int(shareable)


def test_help_sources_and_home_render_within_limits(library: Library, kit: Any) -> None:
    kit.check_message(to_help(library.topics, library.disclaimer).as_kwargs())
    kit.check_message(to_sources(library.sources, library.disclaimer).as_kwargs())
    kit.check_view(to_home_view(library.topics, library.disclaimer))


# -- over-long and hostile synthetic answers -------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("snippets", [0, 1, 60, 200])
def test_over_long_answers_respect_every_limit(kit: Any, kind: Kind, snippets: int) -> None:
    answer = synthetic(kind, snippets=snippets, long=True)
    payload = to_message(answer, shareable=True, show_question=True).as_kwargs()
    assert_safe(payload, kit)
    assert len(payload["blocks"]) <= render.MAX_MESSAGE_BLOCKS
    assert len(payload["text"]) <= render.MAX_FALLBACK_TEXT
    contexts = [b for b in payload["blocks"] if b["type"] == "context"]
    assert any("Not medical advice" in e["text"] for b in contexts for e in b["elements"]), "disclaimer kept"
    if snippets > render.MAX_MESSAGE_BLOCKS and kind in (Kind.TOPIC, Kind.SEARCH):
        assert any("more blocks not shown" in e["text"] for b in contexts for e in b["elements"])


def test_long_lists_end_with_a_count_instead_of_a_cut_line(kit: Any) -> None:
    payload = to_message(synthetic(Kind.NOT_FOUND, long=True)).as_kwargs()
    topic_list = next(b["text"]["text"] for b in payload["blocks"] if "Topics I can answer" in str(b))
    assert topic_list.splitlines()[-1].startswith("…and ") and topic_list.endswith(" more")
    sources = to_message(synthetic(Kind.TOPIC, snippets=40)).as_kwargs()
    context = next(b for b in sources["blocks"] if b["type"] == "context" and "[1] " in str(b))
    assert len(context["elements"]) == render.MAX_CONTEXT_ELEMENTS
    kit.check_message(sources)


def test_red_flag_puts_title_then_urgent_first_and_has_no_buttons(kit: Any) -> None:
    payload = to_message(synthetic(Kind.RED_FLAG), shareable=True).as_kwargs()
    assert payload["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "A title"}}
    assert payload["blocks"][1]["type"] == "section"
    assert payload["blocks"][1]["text"]["text"].startswith(":rotating_light: Get help now &lt;!channel&gt;.")
    assert kit.buttons(payload) == []
    assert payload["text"].startswith("A title\nGet help now")


def test_related_buttons_are_capped_at_three_and_skip_the_topic_itself(kit: Any) -> None:
    related = (TopicRef("topic_0", "Self", "self"), *(topic_ref(n) for n in range(1, 6)))
    payload = to_message(synthetic(Kind.TOPIC, related=related), shareable=True).as_kwargs()
    ids = [b["action_id"] for b in kit.buttons(payload)]
    related_ids = (f"bloodpatch:topic:topic_{n}" for n in (1, 2, 3))
    feedback_ids = (f"bp:fb:{kind}:topic_0:patient" for kind in ("helpful", "unhelpful", "not_asked"))
    assert ids == [render.ACTION_SHARE, render.ACTION_AUDIENCE, *related_ids, *feedback_ids]


def test_not_found_offers_suggestions_as_buttons(kit: Any) -> None:
    payload = to_message(synthetic(Kind.NOT_FOUND), show_question=True).as_kwargs()
    kit.check_message(payload)
    ids = [b["action_id"] for b in kit.buttons(payload)]
    assert ids == [f"bloodpatch:topic:topic_{n}" for n in range(1, 6)]


def test_the_question_is_shown_only_when_asked_for() -> None:
    answer = synthetic(Kind.SEARCH)
    shown = json.dumps(to_message(answer, show_question=True).blocks)
    hidden = json.dumps(to_message(answer, show_question=False).blocks)
    assert "You asked: why &lt;!here&gt;?" in shown
    assert "You asked" not in hidden


def test_a_kind_without_a_rendering_fails_loudly() -> None:
    with pytest.raises(ValueError, match="no rendering"):
        to_message(synthetic(kind="brand_new_kind"))  # type: ignore[arg-type]


def test_help_and_sources_with_huge_inputs_stay_within_limits(kit: Any) -> None:
    topics = [topic_ref(n, long=True) for n in range(300)]
    sources = [source(n, long=True) for n in range(500)]
    kit.check_message(to_help(topics, "d" * 5000).as_kwargs())
    kit.check_message(to_sources(sources, "d" * 5000).as_kwargs())
    kit.check_view(to_home_view(topics, "d" * 5000))


# -- text helpers -------------------------------------------------------------------------------


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape("a\u202eb\x00c\nd") == "abc\nd"  # bidi override and NUL dropped, newline kept


@pytest.mark.parametrize("limit", range(1, 12))
def test_clip_never_cuts_an_entity(limit: int) -> None:
    clipped = clip(escape("<<<<&&&&>>>>"), limit)
    assert len(clipped) <= limit
    assert clipped.endswith("…")
    assert all(part.startswith(("amp;", "lt;", "gt;")) for part in clipped.split("&")[1:])


@settings(max_examples=300, deadline=None)
@given(text=st.text(), limit=st.integers(min_value=1, max_value=200))
def test_clip_of_escaped_text_is_bounded_and_entity_safe(text: str, limit: int) -> None:
    clipped = clip(escape(text), limit)
    assert len(clipped) <= limit
    assert "<" not in clipped and ">" not in clipped
    assert all(part.startswith(("amp;", "lt;", "gt;")) for part in clipped.split("&")[1:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.text(max_size=3000),
    snippet=st.text(min_size=1, max_size=1200),
    title=st.text(max_size=300),
    kind=st.sampled_from(list(Kind)),
)
def test_any_text_renders_valid_and_harmless_blocks(
    kit: Any, question: str, snippet: str, title: str, kind: Kind
) -> None:
    snippets = tuple(
        AnswerSnippet(text=snippet + " <@U123>", audience="patient", source=source(n), locator="x") for n in (1, 2)
    )
    answer = dataclasses.replace(synthetic(kind, question=question + " <!channel>", title=title), snippets=snippets)
    payload = to_message(answer, shareable=True, show_question=True).as_kwargs()
    assert_safe(payload, kit)


# -- button state -------------------------------------------------------------------------------


def test_button_state_round_trips() -> None:
    state = ButtonState("faq_antibiotics", "clinician")
    assert ButtonState.decode(state.encode()) == state
    assert len(state.encode()) <= render.MAX_BUTTON_VALUE


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.none(), st.builds(json.dumps, st.dictionaries(st.text(), st.text()))))
def test_button_state_decode_never_raises(value: str | None) -> None:
    state = ButtonState.decode(value)
    assert state is None or state.audience in AUDIENCES


# -- golden rendering ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.TOPIC, Kind.RED_FLAG, Kind.NOT_FOUND])
def test_golden_rendering(kind: Kind) -> None:
    """The exact Block Kit for fixed synthetic answers; UPDATE_GOLDEN=1 rewrites the files."""
    payload = to_message(synthetic(kind), shareable=True, show_question=True).as_kwargs()
    path = GOLDEN / f"{kind.value}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 and review the diff"
    assert rendered == path.read_text(encoding="utf-8")
