"""Quiz, feedback, score, leaderboard, admin stats and the daily question, on loopback with a real SQLite store.

Every interaction goes through discord.py's real dispatch (command tree, dynamic items) and its
HTTP client against the stand-in API in conftest.py; state is in a SQLite file in tmp_path.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any

import pytest

from bot.adapters.discord import quiz_cog, views
from bot.adapters.discord.quiz_cog import ADMIN_ONLY, DAILY_NO_ACCESS, NOT_A_BUTTON, SERVER_ONLY, asked_question
from bot.engagement import FEEDBACK_THANKS, KEEP_TEXT_ON, STALE_BUTTON, UNAVAILABLE
from bot.store import open_store

pytestmark = pytest.mark.loopback

EPHEMERAL = 64
CHANNEL_MESSAGE = 4
DEFERRED = 5
MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
OTHER_USER = 1400000000000000077
CHANNEL = 1200000000000000001
DOWN = "postgresql://x@127.0.0.1:1/x"
ANSWER_ID = re.compile(r"bp:q:[a-z0-9-]+:[0-4]")


@pytest.fixture
async def store(tmp_path):
    opened = await open_store(data_dir=tmp_path)
    yield opened
    await opened.close()


@pytest.fixture
async def quiz(make_loopback, store):
    return await make_loopback(store=store)


def item_of(library, card) -> Any:
    """The quiz item a card message asks (its buttons name it)."""
    item_id = card.custom_ids()[0].split(":")[2]
    return next(i for i in library.quiz_items() if i.id == item_id)


def choice_id(card, item, *, right: bool) -> str:
    index = item.answer if right else next(i for i in range(len(item.options)) if i != item.answer)
    return f"bp:q:{item.id}:{index}"


def private(recorded) -> bool:
    return bool((recorded.data.get("flags") or 0) & EPHEMERAL)


def as_admin(payload: dict[str, Any]) -> dict[str, Any]:
    payload["member"]["permissions"] = str(int(payload["member"]["permissions"]) | MANAGE_GUILD)
    return payload


async def admin(loopback, subcommand: str, **options: Any):
    return await loopback.dispatch(as_admin(loopback.command_payload(subcommand, **options)))


def with_buttons(message: dict[str, Any], *custom_ids: str) -> dict[str, Any]:
    """A copy of `message` whose only buttons have these ids (an old or forged message)."""
    buttons = [{"type": 2, "style": 2, "label": "X", "custom_id": c} for c in custom_ids]
    return {**message, "components": [{"type": 1, "components": buttons}]}


async def eventually(check, timeout: float = 5.0) -> None:
    """Poll an async check until it passes (for work done after the reply, in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            assert await check()
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.02)


# -- the quiz ------------------------------------------------------------------------------------


async def test_quiz_round_trip_card_answer_explanation_score_and_next(quiz, library):
    card = await quiz.command("quiz", topic="risks", audience="clinician")

    assert card.callback_type == CHANNEL_MESSAGE and not private(card)  # the channel sees the question
    assert card.data["allowed_mentions"] == {"parse": []}
    item = item_of(library, card)
    assert (item.topic, item.audience) == ("risks", "clinician")
    embed = card.data["embeds"][0]
    assert item.stem in embed["description"]
    for letter, option in zip("ABCDE", item.options, strict=False):
        assert f"{letter}. {option}" in embed["description"]
    assert card.custom_ids() == [f"bp:q:{item.id}:{n}" for n in range(len(item.options))]
    assert [b["label"] for b in card.buttons()] == list("ABCDE"[: len(item.options)])

    reply = await quiz.click(card.message, choice_id(card, item, right=True))

    assert reply.callback_type == CHANNEL_MESSAGE and private(reply)
    result = reply.data["embeds"][0]
    source = library.source(item.source)
    assert result["title"] == "Right!"
    assert item.explanation.split(".")[0] in result["description"]
    (cited,) = result["fields"]
    assert cited["name"] == "Source"
    assert source.url in cited["value"] and source.year in cited["value"] and item.locator in cited["value"]
    assert result["footer"]["text"] == "Score: 1 of 1"
    assert reply.custom_ids() == ["bp:qn:risks:clinician"]

    following = await quiz.click(reply.message, "bp:qn:risks:clinician")

    assert following.callback_type == CHANNEL_MESSAGE and private(following)
    assert all(ANSWER_ID.fullmatch(i) for i in following.custom_ids())
    assert item_of(library, following).id != item.id  # the answered item is not due again at once
    assert item_of(library, following).topic == "risks"


async def test_a_wrong_answer_says_so_and_shows_the_right_one(quiz, library):
    card = await quiz.command("quiz", topic="recovery", audience="patient")
    item = item_of(library, card)

    reply = await quiz.click(card.message, choice_id(card, item, right=False))

    result = reply.data["embeds"][0]
    assert result["title"] == "Not quite."
    assert f"The answer is **{'ABCDE'[item.answer]}." in result["description"]
    assert result["footer"]["text"] == "Score: 0 of 1"


async def test_a_press_by_someone_else_scores_the_presser(quiz, library, store):
    card = await quiz.command("quiz", topic="risks")  # asked by the default user
    item = item_of(library, card)

    await quiz.click(card.message, choice_id(card, item, right=True), user_id=OTHER_USER)
    theirs = await quiz.command("score", user_id=OTHER_USER)
    mine = await quiz.command("score")

    assert private(theirs) and "got 1 right" in theirs.data["content"]
    assert "haven't answered" in mine.data["content"]
    assert (await store.score(f"discord:1100000000000000001:{OTHER_USER}")).score.answered == 1


async def test_a_double_click_or_a_second_option_counts_once(quiz, library, store):
    card = await quiz.command("quiz", topic="repeat", audience="patient")
    item = item_of(library, card)
    wrong, right = choice_id(card, item, right=False), choice_id(card, item, right=True)

    first = await quiz.click(card.message, wrong)
    again = await quiz.click(card.message, wrong)
    switched = await quiz.click(card.message, right)  # now that the answer is shown

    assert first.data["embeds"][0]["title"] == "Not quite."
    for reply in (again, switched):
        assert private(reply)
        assert reply.data["content"] == "Only your first answer to this question counts. Score: 0 of 1."
    assert (await store.score("discord:1100000000000000001:1400000000000000001")).score.answered == 1


async def test_buttons_work_after_a_restart_with_the_same_store(make_loopback, library, store):
    before = await make_loopback(store=store)
    card = await before.command("quiz", topic="causes", audience="clinician")
    await before.client.close()

    after = await make_loopback(store=store)  # a new process: only the templates are registered
    item = item_of(library, card)
    reply = await after.click(card.message, choice_id(card, item, right=True))

    assert reply.data["embeds"][0]["title"] == "Right!"
    assert reply.data["embeds"][0]["footer"]["text"] == "Score: 1 of 1"


@pytest.mark.parametrize(
    ("custom_id", "text"),
    [
        ("bp:q:no-such-item:0", STALE_BUTTON),
        ("bp:q:{short}:4", STALE_BUTTON),  # an option the item no longer has
        ("bp:qn:BAD:x", STALE_BUTTON),
        ("bp:fb:helpful:nope:patient", STALE_BUTTON.split(" Start")[0]),
        ("bp:zz:anything", STALE_BUTTON),
        ("bloodpatch:retired:patient:risks", NOT_A_BUTTON),
    ],
)
async def test_stale_or_unknown_buttons_get_a_polite_private_reply(quiz, library, custom_id, text):
    short = next(i for i in library.quiz_items() if len(i.options) < 5)
    custom_id = custom_id.format(short=short.id)
    card = await quiz.command("quiz")
    forged = with_buttons(card.message, custom_id)

    reply = await quiz.click(forged, custom_id)

    assert reply.callback_type == CHANNEL_MESSAGE and private(reply)
    assert reply.data["content"] == text


async def test_quiz_topic_autocomplete_and_an_unknown_topic(quiz):
    payload = quiz.autocomplete_payload("recov")
    payload["data"]["options"] = [
        {"name": "quiz", "type": 1, "options": [{"name": "topic", "type": 3, "value": "recov", "focused": True}]}
    ]
    choices = (await quiz.dispatch(payload)).data["choices"]
    unknown = await quiz.command("quiz", topic="teeth")

    assert choices[0]["value"] == "recovery"
    assert private(unknown) and "risks" in unknown.data["content"] and "recovery" in unknown.data["content"]


async def test_a_slow_store_gets_thinking_first_then_the_card(quiz, monkeypatch, library):
    monkeypatch.setattr(quiz_cog, "DEFER_AFTER", 0.0)

    deferred = await quiz.command("quiz", topic="risks")
    token = deferred.path.split("/")[3]
    filled = await quiz.fake.wait_for(lambda r: r.method == "PATCH" and token in r.path)

    assert deferred.callback_type == DEFERRED and private(deferred)
    assert filled.path.endswith("/messages/@original")
    assert all(ANSWER_ID.fullmatch(i) for i in filled.custom_ids())


# -- feedback and recorded asks ------------------------------------------------------------------------


async def test_feedback_is_counted_once_per_person_and_asks_are_recorded(quiz, library, store):
    asked = await quiz.command("ask", question="how much blood do they use")
    topic = library.answer("how much blood do they use").topic
    helpful = f"bp:fb:helpful:{topic}:patient"
    assert asked.custom_ids()[-3:] == [helpful, f"bp:fb:unhelpful:{topic}:patient", f"bp:fb:not_asked:{topic}:patient"]
    assert all(b["label"] for b in asked.buttons())

    thanks = await quiz.click(asked.message, helpful)
    repeat = await quiz.click(asked.message, helpful)
    changed = await quiz.click(asked.message, f"bp:fb:unhelpful:{topic}:patient")
    other = await quiz.click(asked.message, helpful, user_id=OTHER_USER)

    assert [r.data["content"] for r in (thanks, repeat, changed, other)] == [
        FEEDBACK_THANKS["helpful"],
        "Already counted, thank you.",
        "Already counted, thank you.",
        FEEDBACK_THANKS["helpful"],
    ]
    assert all(private(r) for r in (thanks, repeat, changed, other))
    stats = await store.stats()
    assert stats.feedback[topic] == {"helpful": 2}

    async def recorded() -> bool:
        return (await store.stats()).asks.get(topic, {}).get("search") == 1

    await eventually(recorded)


async def test_not_what_i_asked_keeps_the_question_only_where_an_admin_opted_in(quiz, library, store):
    question = "how much blood do they use"
    topic = library.answer(question).topic
    not_asked = f"bp:fb:not_asked:{topic}:patient"

    before = await quiz.command("ask", question=question)
    await quiz.click(before.message, not_asked)
    assert (await store.gaps()).entries == ()  # counted, text not kept

    opted = await admin(quiz, "stats", keep_text=True)
    assert opted.data["content"] == KEEP_TEXT_ON
    after = await quiz.command("ask", question=question, user_id=OTHER_USER)
    await quiz.click(after.message, not_asked, user_id=OTHER_USER)

    gaps = await store.gaps()
    assert gaps.counts["not_asked"] == 2
    assert [(e.text, e.category) for e in gaps.entries] == [(question, "not_asked")]


def test_the_question_is_read_back_from_the_answer_message_only():
    embed = {"author": {"name": "You asked: “ping @\u200beveryone about the patch”"}}
    message = type("M", (), {"embeds": [type("E", (), {"author": type("A", (), {"name": embed["author"]["name"]})})]})
    assert asked_question(message) == "ping @everyone about the patch"
    assert asked_question(None) is None


# -- score, leaderboard, admin ------------------------------------------------------------------------


async def test_leaderboard_is_opt_in_with_the_cleaned_display_name(quiz, library):
    card = await quiz.command("quiz", topic="risks")
    item = item_of(library, card)
    await quiz.click(card.message, choice_id(card, item, right=True))

    empty = await quiz.command("leaderboard")
    payload = quiz.command_payload("leaderboard", action="join")
    payload["member"]["user"]["global_name"] = "@everyone *Night* <Shift>"
    joined = await quiz.dispatch(payload)
    shown = await quiz.command("leaderboard", action="show")
    left = await quiz.command("leaderboard", action="leave")
    dm = await quiz.command("leaderboard", dm=True)

    assert "Nobody is on the leaderboard yet" in empty.data["content"]
    assert "leaderboard" in joined.data["content"] and private(joined)
    (embed,) = shown.data["embeds"]
    assert embed["description"] == "**1.** everyone Night Shift — 1 right of 1"
    assert shown.data["allowed_mentions"] == {"parse": []}
    assert left.data["content"] == "You've left the leaderboard."
    assert dm.data["content"] == SERVER_ONLY


async def test_stats_are_for_admins_only(quiz):
    refused = await quiz.command("stats")
    in_dm = await quiz.command("stats", dm=True)
    allowed = await admin(quiz, "stats")

    assert private(refused) and refused.data["content"] == ADMIN_ONLY
    assert in_dm.data["content"] == SERVER_ONLY
    assert private(allowed) and allowed.data["embeds"][0]["title"] == "bloodpatch stats"
    assert "Last 30 days." in allowed.data["embeds"][0]["description"]


# -- the daily question ---------------------------------------------------------------------------------


async def test_daily_question_posts_once_a_day_and_its_buttons_score(quiz, store, library):
    refused = await quiz.command("daily", switch="on")
    switched = await admin(quiz, "daily", switch="on", hour_utc=7, topic="recovery", audience="patient")
    assert refused.data["content"] == ADMIN_ONLY
    assert private(switched) and "every day at 07:00 UTC" in switched.data["content"]
    (entry,) = await store.daily_channels()
    assert (entry.channel, entry.topic, entry.audience) == (f"discord:{CHANNEL}", "recovery", "patient")

    cog = quiz.client.quiz_cog
    day = dt.date.today() + dt.timedelta(days=1)  # set_daily may have counted today as done already
    early = dt.datetime.combine(day, dt.time(6, 59), tzinfo=dt.UTC)
    at = dt.datetime.combine(day, dt.time(7, 0), tzinfo=dt.UTC)
    assert await cog.post_due_daily(early) == 0
    assert await cog.post_due_daily(at) == 1
    assert await cog.post_due_daily(at + dt.timedelta(hours=3)) == 0  # once a day
    posts = quiz.fake.calls("POST", rf"/channels/{CHANNEL}/messages")
    assert len(posts) == 1
    post = posts[0]
    assert post.json["allowed_mentions"] == {"parse": []}
    assert post.json["embeds"][0]["title"].startswith("Question of the day")
    card_ids = [c["custom_id"] for row in post.json["components"] for c in row["components"]]
    item = next(i for i in library.quiz_items() if i.id == card_ids[0].split(":")[2])
    assert (item.topic, item.audience) == ("recovery", "patient")

    reply = await quiz.click(post.response, f"bp:q:{item.id}:{item.answer}", user_id=OTHER_USER)
    assert reply.data["embeds"][0]["title"] == "Right!" and private(reply)

    assert await cog.post_due_daily(at + dt.timedelta(days=1)) == 1  # the next day, again once
    off = await admin(quiz, "daily", switch="off")
    assert off.data["content"] == "The daily question is off in this channel."
    assert await store.daily_channels() == []


async def test_daily_needs_permission_to_post_and_survives_a_restart(make_loopback, store):
    first = await make_loopback(store=store)
    payload = as_admin(first.command_payload("daily", switch="on", hour_utc=0))
    payload["app_permissions"] = str(int(payload["app_permissions"]) & ~SEND_MESSAGES)
    cannot = await first.dispatch(payload)
    assert cannot.data["content"] == DAILY_NO_ACCESS and await store.daily_channels() == []

    await admin(first, "daily", switch="on", hour_utc=0)
    await first.client.close()
    second = await make_loopback(store=store)  # the schedule is in the store, not in the process
    tomorrow = dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(0, 5), tzinfo=dt.UTC)

    assert await second.client.quiz_cog.post_due_daily(tomorrow) == 1


# -- faults ---------------------------------------------------------------------------------------------


async def test_database_down_answers_still_work_the_rest_is_politely_unavailable(make_loopback, library, caplog):
    down = await open_store(DOWN)
    try:
        loopback = await make_loopback(store=down)
        asked = await loopback.command("ask", question="how long does the headache last")
        quiz = await loopback.command("quiz")
        score = await loopback.command("score")
        stats = await admin(loopback, "stats")
        daily = await admin(loopback, "daily", switch="on")
        feedback_id = next(i for i in asked.custom_ids() if i.startswith("bp:fb:helpful:"))
        feedback = await loopback.click(asked.message, feedback_id)
        item = library.quiz_items()[0]
        forged = with_buttons(asked.message, f"bp:q:{item.id}:0")
        pressed = await loopback.click(forged, f"bp:q:{item.id}:0")
        posted = await loopback.client.quiz_cog.post_due_daily()
    finally:
        await down.close()

    assert asked.data["embeds"] and asked.data["embeds"][0]["description"]
    expected = {
        "quiz": (quiz, UNAVAILABLE.format(what="The quiz")),
        "score": (score, UNAVAILABLE.format(what="Scores")),
        "stats": (stats, UNAVAILABLE.format(what="Stats")),
        "daily": (daily, UNAVAILABLE.format(what="The daily question")),
        "feedback": (feedback, UNAVAILABLE.format(what="Feedback")),
        "answer": (pressed, UNAVAILABLE.format(what="The quiz")),
    }
    for name, (reply, text) in expected.items():
        assert private(reply) and reply.data["content"] == text, name
    assert posted == 0
    await asyncio.sleep(0.05)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]


async def test_without_a_store_the_quiz_is_unavailable_and_answers_work(loopback):
    quiz = await loopback.command("quiz")
    answer = await loopback.command("risks")

    assert private(quiz) and quiz.data["content"] == UNAVAILABLE.format(what="The quiz")
    assert answer.data["embeds"][0]["title"]
    assert views.QUIZ_COG_NAME in loopback.client.cogs


# -- the pure parts: views, templates, rendering -----------------------------------------------------


async def test_answer_views_get_a_feedback_row_within_discords_limits(library):
    answer = library.topic("risks")
    view = views.build_view(answer, ephemeral=True, feedback=True)
    rows: dict[int, int] = {}
    for item in view.children:
        rows[item.row] = rows.get(item.row, 0) + 1

    feedback = [item for item in view.children if isinstance(item, views.FeedbackChoice)]
    assert [f.item.label for f in feedback] == ["Helpful", "Not helpful", "Not what I asked"]
    assert {f.row for f in feedback} == {views.FEEDBACK_ROW}
    assert len(view.children) <= 25 and max(rows.values()) <= 5
    assert all(len(item.item.custom_id) <= 100 and item.is_persistent() for item in view.children)
    assert views.build_view(library.answer("i want to die"), ephemeral=True, feedback=True) is None
    longest = views.build_view(
        answer.__class__(**{**_fields(answer), "topic": "t" * 64}), ephemeral=True, feedback=True
    )
    assert max(len(item.item.custom_id) for item in longest.children) <= 100


def _fields(answer) -> dict:
    return {name: getattr(answer, name) for name in answer.__dataclass_fields__}


@pytest.mark.parametrize(
    ("custom_id", "handler"),
    [
        ("bp:q:risks-c-1:2", "AnswerChoice"),
        ("bp:q:", "StaleButton"),
        ("bp:qn:risks:-", "NextQuestion"),
        ("bp:fb:helpful:risks:patient", "FeedbackChoice"),
        ("bp:other", "StaleButton"),
        ("bloodpatch:aud:clinician:risks:today", "AudienceButton"),
        ("bloodpatch:share:patient:risks", "ShareButton"),
        ("bloodpatch:topic:patient:faq_pain", "TopicButton"),
        ("bloodpatch:aud:nobody:risks", "StaleButton"),
        ("somebody-else:button", None),
    ],
)
def test_exactly_one_template_claims_each_button(custom_id, handler):
    from bot.adapters.discord import quiz_views

    templates = (*views.DYNAMIC_ITEMS, *quiz_views.DYNAMIC_ITEMS)
    claimed = [t.__name__ for t in templates if t.__discord_ui_compiled_template__.fullmatch(custom_id)]
    assert claimed == ([handler] if handler else [])  # discord.py runs every template that matches


def test_quiz_replies_fit_discord_and_cite_their_source(library):
    from bot.adapters.discord import quiz_render, render
    from bot.core.quiz import ScoreCard
    from bot.engagement import Engagement, QuizButton, QuizOutcome

    item = max(library.quiz_items(), key=lambda i: len(i.explanation) + len(i.stem))
    card = Engagement(library, None).card(item)  # type: ignore[arg-type]  (no store needed for a card)
    rendered = quiz_render.render_card(card, daily=True)
    assert render.check_limits(rendered.embeds) == []
    assert rendered.embeds[0].title.startswith("Question of the day: ")

    source = library.source(item.source)
    long_source = source.__class__(**{**source.to_json(), "title": "T" * 2000})
    outcome = QuizOutcome(
        False,
        False,
        1,
        "A. x",
        "B. y",
        item.explanation,
        long_source,
        item.locator,
        ScoreCard(3, 2, 0, 2),
        QuizButton("Next question", "bp:qn:-:-"),
    )
    embed = quiz_render.render_outcome(outcome).embeds[0]
    assert render.check_limits([embed]) == []
    assert source.url in embed.fields[0].value  # the link survives a long title
    assert embed.footer.text == "Score: 2 of 3"
