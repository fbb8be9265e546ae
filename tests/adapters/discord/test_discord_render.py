"""The pure renderer: Discord's limits hold for any Answer, however long."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord import render
from bot.core import Answer, AnswerSnippet, Kind, SourceRef, TopicRef

# -- builders -------------------------------------------------------------------------------


def source(n: int, title: str = "", url: str = "") -> SourceRef:
    return SourceRef(
        id=f"src-{n}",
        title=title or f"Source number {n}",
        publisher="Journal of Synthetic Tests",
        year="2024",
        url=url or f"https://example.org/papers/{n}",
    )


def snippet(text: str, n: int = 1, audience: str = "patient") -> AnswerSnippet:
    return AnswerSnippet(text=text, audience=audience, source=source(n), locator="p. 1")


def topic(n: int, title: str = "") -> TopicRef:
    return TopicRef(id=f"topic_{n}", title=title or f"Topic {n}", command=f"topic{n}")


def answer(**overrides) -> Answer:
    fields = {
        "question": "what are the risks",
        "kind": Kind.TOPIC,
        "audience": "patient",
        "title": "Side effects and risks",
        "disclaimer": "General information only, not medical advice.",
        "topic": "risks",
        "snippets": (snippet("A sore back is common.", 1), snippet("Serious problems are rare.", 2)),
        "reviewed": dt.date(2026, 11, 25),
    }
    fields.update(overrides)
    return Answer(**fields)


def limits_ok(rendered: render.Rendered) -> None:
    assert render.check_limits(rendered.embeds, rendered.content) == []
    assert 1 <= len(rendered.embeds) <= render.EMBEDS_MAX


def all_text(rendered: render.Rendered) -> str:
    parts = [rendered.content or ""]
    for embed in rendered.embeds:
        data = embed.to_dict()
        parts += [data.get("title", ""), data.get("description", ""), data.get("footer", {}).get("text", "")]
        parts += [f["value"] for f in data.get("fields", [])]
    return "\n".join(parts)


# -- ordinary answers -----------------------------------------------------------------------


def test_every_kind_has_a_colour():
    assert set(render.COLOURS) == set(Kind)
    assert render.COLOURS[Kind.RED_FLAG] == discord.Colour.red()


def test_topic_answer_shape():
    rendered = render.render_answer(answer())

    limits_ok(rendered)
    assert rendered.content is None
    (embed,) = rendered.embeds
    assert embed.title == "Side effects and risks"
    assert embed.description == "A sore back is common.\u00a0[1]\n\nSerious problems are rare.\u00a0[2]"
    assert embed.author.name is None  # a topic's "question" is just its name
    (sources,) = embed.fields
    assert sources.name == "Sources"
    assert sources.value.splitlines() == [
        "**[1]** [Source number 1](https://example.org/papers/1) — Journal of Synthetic Tests, 2024",
        "**[2]** [Source number 2](https://example.org/papers/2) — Journal of Synthetic Tests, 2024",
    ]
    assert embed.footer.text == "General information only, not medical advice.\nReviewed 2026-11-25 · Patient view"


def test_same_source_twice_gets_one_number():
    rendered = render.render_answer(answer(snippets=(snippet("One.", 1), snippet("Two.", 1))))

    assert rendered.embeds[0].description.endswith("Two.\u00a0[1]")
    assert rendered.embeds[0].fields[0].value.count("**[") == 1


def test_red_flag_urgent_text_is_the_content_first_line_bold():
    urgent = "Get medical help now: call 999.\n• Fits\n• New weakness"
    rendered = render.render_answer(answer(kind=Kind.RED_FLAG, urgent=urgent, question="fever and stiff neck"))

    limits_ok(rendered)
    assert rendered.content == "**Get medical help now: call 999.**\n• Fits\n• New weakness"
    assert rendered.embeds[0].colour == discord.Colour.red()
    assert rendered.embeds[0].author.name == "You asked: “fever and stiff neck”"


def test_not_found_lists_suggestions_and_topics():
    topics = tuple(topic(n) for n in range(15))
    rendered = render.render_answer(
        answer(
            kind=Kind.NOT_FOUND,
            topic=None,
            snippets=(),
            title="Topic not found",
            message="I don't have a topic by that name.",
            suggestions=topics[:2],
            topics=topics,
            question="riskz",
        ),
        exposed={"topic0", "topic1"},
    )

    limits_ok(rendered)
    embed = rendered.embeds[0]
    assert embed.description == "I don't have a topic by that name."
    names = [f.name for f in embed.fields]
    assert names == ["Did you mean", "Topics"]
    assert "`/bloodpatch topic0` — Topic 0" in embed.fields[0].value
    assert "`/bloodpatch topic name:topic_5` — Topic 5" in embed.fields[1].value  # no subcommand of its own


def test_source_titles_and_urls_cannot_break_the_markdown():
    odd = source(1, title="A [bracketed] *title*", url="https://example.org/a_(b) c")
    rendered = render.render_answer(answer(snippets=(AnswerSnippet("x", "patient", odd, ""),)))

    value = rendered.embeds[0].fields[0].value
    assert "[A (bracketed) \\*title\\*](https://example.org/a_%28b%29%20c)" in value


# -- user text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("  what\n\nabout   pain ", "what about pain"),
        ("hi\u202eevil\u200b\u0000", "hievil"),
        ("@everyone look", "@everyone look"),  # neutralise() keeps text; mentions are defused on display
    ],
)
def test_neutralise(raw, shown):
    assert render.neutralise(raw) == shown


def test_shown_question_is_defused_and_bounded():
    question = "@everyone <@123456789012345678> " + "x" * 500
    rendered = render.render_answer(answer(kind=Kind.SEARCH, question=question))

    author = rendered.embeds[0].author.name
    assert "@everyone" not in author and "@\u200beveryone" in author
    assert "<@123456789012345678>" not in author
    assert render.dlen(author) <= render.QUESTION_SHOWN_MAX + 20


# -- truncation -----------------------------------------------------------------------------


def test_truncate_counts_utf16_and_never_splits_an_emoji():
    text = "🩸" * 10  # each is 2 UTF-16 units
    cut = render.truncate(text, 7)
    assert render.dlen(cut) <= 7
    assert cut == "🩸🩸🩸…"


def test_truncate_keeps_bold_balanced():
    cut = render.truncate("Plain words then **a very long bold phrase that goes on**", 30)
    assert cut.count("**") % 2 == 0
    assert render.dlen(cut) <= 30


def test_long_snippets_are_split_then_trimmed_with_a_link():
    long = " ".join(["Sentence about blood patches."] * 200)  # ~6000 characters each
    rendered = render.render_answer(answer(snippets=(snippet(long, 1), snippet(long, 2))))

    limits_ok(rendered)
    assert len(rendered.embeds) >= 2  # split over continuation embeds
    assert rendered.embeds[0].title and not rendered.embeds[1].title
    assert rendered.embeds[-1].footer.text  # footer and sources close the last embed
    text = "\n".join(e.description for e in rendered.embeds)
    assert "… [Read the full source](https://example.org/papers/" in text
    assert [f.name for f in rendered.embeds[-1].fields] == ["Sources"]


def test_very_many_sources_and_topics_still_fit():
    snippets = tuple(snippet(f"Point {n}. " * 30, n) for n in range(60))
    many = tuple(topic(n, "T" * 120) for n in range(80))
    rendered = render.render_answer(
        answer(kind=Kind.NOT_FOUND, snippets=snippets, suggestions=many, topics=many, title="x" * 400)
    )
    limits_ok(rendered)
    assert render.dlen(rendered.embeds[0].title) <= render.TITLE_MAX


def test_sources_list_is_paged_within_limits():
    sources = [source(n, title="A fairly long source title " * 3) for n in range(300)]
    pages = render.render_sources(sources, "disclaimer")

    assert 1 < len(pages) <= 5
    for page in pages:
        limits_ok(page)
    assert pages[0].embeds[0].title == f"Sources (1/{len(pages)})"
    assert "more sources" in pages[-1].embeds[0].description


def test_help_fits_with_25_long_topics():
    topics = [topic(n, "Very long title " * 10) for n in range(25)]
    rendered = render.render_help(topics, "d" * 3000)
    limits_ok(rendered)


def test_send_kwargs_always_disable_mentions():
    kwargs = render.to_send_kwargs(answer(), ephemeral=True)
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert kwargs["ephemeral"] is True
    assert "content" not in kwargs
    edit = render.edit_kwargs(render.render_answer(answer()))
    assert edit["content"] is None and edit["allowed_mentions"].to_dict() == {"parse": []}


def test_check_limits_reports_violations():
    too_long = discord.Embed(title="t" * 300, description="d" * 5000)
    too_long.add_field(name="n", value="v" * 2000)
    problems = render.check_limits([too_long] * 11, "c" * 2001)
    joined = " | ".join(problems)
    for expected in ("content", "11 embeds", "title", "description", "field 0 value", "total"):
        assert expected in joined


# -- property: any answer renders within every limit ------------------------------------------

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    min_size=0,
    max_size=3000,
)
long_text = st.one_of(text, st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=50), st.integers(1, 400)))
sources_st = st.builds(
    SourceRef,
    id=st.text(min_size=1, max_size=5),
    title=long_text,
    publisher=text,
    year=st.text(max_size=10),
    url=st.one_of(st.just("https://example.org/x"), st.text(max_size=300)),
)
snippets_st = st.lists(
    st.builds(AnswerSnippet, text=long_text, audience=st.just("patient"), source=sources_st, locator=st.just("")),
    max_size=12,
)
topics_st = st.lists(
    st.builds(TopicRef, id=st.from_regex(r"[a-z_]{1,20}", fullmatch=True), title=long_text, command=st.just("x")),
    max_size=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    kind=st.sampled_from(list(Kind)),
    title=long_text,
    question=long_text,
    disclaimer=long_text,
    snippets=snippets_st,
    topics=topics_st,
    urgent=st.one_of(st.none(), long_text),
    message=st.one_of(st.none(), long_text),
)
def test_any_answer_renders_within_discord_limits(kind, title, question, disclaimer, snippets, topics, urgent, message):
    rendered = render.render_answer(
        answer(
            kind=kind,
            title=title,
            question=question,
            disclaimer=disclaimer,
            snippets=tuple(snippets),
            suggestions=tuple(topics[:3]),
            topics=tuple(topics),
            urgent=urgent,
            message=message,
        )
    )
    limits_ok(rendered)
    if urgent and urgent.strip():
        assert rendered.content
