"""Quiz, feedback, score, leaderboard, stats and the daily question over signed HTTP on loopback.

The real Bolt app talks to the stand-in Slack (conftest.py) and keeps its state in a real
SQLite store under tmp_path; every assertion is on JSON that crossed the loopback or on
what the store holds afterwards.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.daily import post_due_daily
from bot.adapters.slack.quiz_service import QuizFeature, feature_of
from bot.core import Library
from bot.core.quiz import AnswerButton, decode_custom_id, utcnow
from bot.engagement import KEEP_TEXT_ON, LEADERBOARD_EMPTY, STALE_BUTTON
from bot.store import Store, open_store

pytestmark = pytest.mark.loopback

TEAM = "T0001"
ASKER = "U2147483697"  # the user in the fixtures
OTHER = "U0OTHER0001"
ADMIN = "U0ADMIN0001"
CHANNEL = "C2147483705"
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(data_dir=tmp_path / "store")
    yield opened
    await opened.close()


@pytest.fixture
async def quiz_bot(bolt_factory: Any, store: Store, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    monkeypatch.setenv("SLACK_ADMIN_USERS", f"{ADMIN}, UADMIN0002")
    async with bolt_factory(store=store) as running:
        yield running
        feature = feature_of(running.app)
        assert feature is not None
        await feature.aclose()


# -- helpers ------------------------------------------------------------------------------------


async def run(bot: Any, text: str, *, user: str = ASKER, name: str = "steve", channel: str = CHANNEL) -> dict:
    """`/bloodpatch text` as `user`; the reply carried by the ack."""
    body = bot.slack.command_body(text, user_id=user, user_name=name, channel_id=channel)
    reply = await bot.slack.post(body, "application/x-www-form-urlencoded")
    assert reply.status == 200, reply
    assert reply.text.startswith("{"), f"expected the reply in the ack, got {reply.text[:80]!r}"
    data: dict = json.loads(reply.text)
    assert data["response_type"] == "ephemeral"
    return data


async def press(
    bot: Any,
    kit: Any,
    button: dict[str, Any],
    name: str,
    *,
    user: str = ASKER,
    message_ts: str = "1700000000.000200",
    ephemeral: bool = True,
) -> dict[str, Any]:
    """Click `button` as `user` (a new trigger_id each time, as Slack sends); the private reply it got."""
    payload = copy.deepcopy(kit.load_fixture("block_actions_ephemeral.json"))
    payload["user"].update(id=user, username=user.lower(), name=user.lower())
    payload["container"].update(message_ts=message_ts, is_ephemeral=ephemeral)
    action = payload["actions"][0]
    action.update(action_id=button["action_id"], value=button["value"], text=button["text"])
    action.pop("style", None)
    payload["response_url"] = bot.standin.response_url(name)
    before = len(bot.standin.delivered(f"/response/{name}"))
    assert (await bot.slack.action(payload)).status == 200
    calls = await bot.standin.wait_for(f"/response/{name}", before + 1)
    body = calls[before].body
    kit.check_message(body)
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    return body


def answer_buttons(kit: Any, message: dict[str, Any]) -> list[dict[str, Any]]:
    found = [b for b in kit.buttons(message) if isinstance(decode_custom_id(b["action_id"]), AnswerButton)]
    assert found, "no answer buttons"
    return found


def right_and_wrong(library: Library, buttons: list[dict[str, Any]]) -> tuple[dict, dict]:
    item_id = decode_custom_id(buttons[0]["action_id"]).item_id  # type: ignore[union-attr]
    item = next(i for i in library.quiz_items() if i.id == item_id)
    return buttons[item.answer], buttons[(item.answer + 1) % len(buttons)]


def user(slack_id: str) -> str:
    return f"slack:{TEAM}:{slack_id}"


async def eventually(check: Any, timeout: float = 5.0) -> Any:
    """Poll an async check until it returns something truthy (writes happen after the reply)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.02)


# -- the quiz -------------------------------------------------------------------------------------


async def test_quiz_command_sends_a_card_with_one_button_per_option(quiz_bot: Any, kit: Any, library: Library) -> None:
    card = await run(quiz_bot, "quiz risks --clinician")
    kit.check_message(card)
    assert kit.header(card).startswith(f"Quiz: {library.topic_ref('risks').title} (clinician,")
    buttons = answer_buttons(kit, card)
    item = next(i for i in library.quiz_items() if i.id == decode_custom_id(buttons[0]["action_id"]).item_id)
    assert (item.topic, item.audience) == ("risks", "clinician")
    assert [b["text"]["text"] for b in buttons] == list("ABCDE"[: len(item.options)])
    assert [b["action_id"] for b in buttons] == [f"bp:q:{item.id}:{n}" for n in range(len(item.options))]
    assert all(b["value"] == b["action_id"] for b in buttons)  # the state rides in the button
    assert "A. " in kit.all_text(card)


async def test_a_press_answers_the_presser_privately_with_the_cited_explanation(
    quiz_bot: Any, kit: Any, library: Library, store: Store
) -> None:
    card = await run(quiz_bot, "quiz recovery patient")
    right, wrong = right_and_wrong(library, answer_buttons(kit, card))
    item = next(i for i in library.quiz_items() if i.id == decode_custom_id(right["action_id"]).item_id)

    result = await press(quiz_bot, kit, right, "right", message_ts="1.1")
    text = kit.all_text(result)
    assert "Right!" in text and "Score: 1 of 1" in text
    source = library.source(item.source)
    assert source is not None and source.url.replace("&", "&amp;") in text and source.year in text
    assert item.explanation.split(".")[0] in text.replace("&amp;", "&")
    next_button = kit.buttons(result)[-1]
    assert next_button["text"]["text"] == "Next question" and next_button["action_id"] == "bp:qn:recovery:patient"

    missed = await press(quiz_bot, kit, wrong, "wrong", message_ts="1.2")
    assert "Not quite." in kit.all_text(missed) and "The answer is" in kit.all_text(missed)
    assert (await store.score(user(ASKER))).score.answered == 2

    following = await press(quiz_bot, kit, next_button, "next")
    assert kit.header(following).startswith(f"Quiz: {library.topic_ref('recovery').title} (patient,")
    assert answer_buttons(kit, following)


async def test_someone_else_pressing_is_scored_not_the_asker(
    quiz_bot: Any, kit: Any, library: Library, store: Store
) -> None:
    card = await run(quiz_bot, "quiz risks")
    right, _ = right_and_wrong(library, answer_buttons(kit, card))
    result = await press(quiz_bot, kit, right, "other", user=OTHER, ephemeral=False)
    assert "Score: 1 of 1" in kit.all_text(result)
    assert (await store.score(user(OTHER))).score.correct == 1
    assert (await store.score(user(ASKER))).score.answered == 0


async def test_a_double_press_counts_once(quiz_bot: Any, kit: Any, library: Library, store: Store) -> None:
    card = await run(quiz_bot, "quiz causes")
    right, _ = right_and_wrong(library, answer_buttons(kit, card))
    first = await press(quiz_bot, kit, right, "double", message_ts="2.1")
    second = await press(quiz_bot, kit, right, "double", message_ts="2.1")
    assert "Right!" in kit.all_text(first)
    assert kit.all_text(second).count("Already counted") == 2  # fallback text and block
    assert (await store.score(user(ASKER))).score.answered == 1


async def test_an_old_button_works_after_a_restart(
    bolt_factory: Any, kit: Any, library: Library, tmp_path: Path
) -> None:
    first_store = await open_store(data_dir=tmp_path / "restart")
    async with bolt_factory(store=first_store) as before:
        card = await run(before, "quiz symptoms")
        await feature_of(before.app).aclose()
    await first_store.close()

    second_store = await open_store(data_dir=tmp_path / "restart")  # a new process over the same file
    try:
        async with bolt_factory(store=second_store) as after:
            right, _ = right_and_wrong(library, answer_buttons(kit, card))
            result = await press(after, kit, right, "restart")
            assert "Right!" in kit.all_text(result) and "Score: 1 of 1" in kit.all_text(result)
            await feature_of(after.app).aclose()
        assert (await second_store.score(user(ASKER))).score.correct == 1
    finally:
        await second_store.close()


@pytest.mark.parametrize("action_id", ["bp:q:retired-item-1:2", "bp:q:BAD", "bp:q:risks-p-1:4"])
async def test_a_stale_quiz_button_gets_a_polite_private_reply(
    quiz_bot: Any, kit: Any, store: Store, action_id: str
) -> None:
    button = {"action_id": action_id, "value": action_id, "text": {"type": "plain_text", "text": "A"}}
    reply = await press(quiz_bot, kit, button, "stale")
    assert STALE_BUTTON.split(" (")[0] in kit.all_text(reply)
    assert (await store.score(user(ASKER))).score.answered == 0


async def test_an_unknown_topic_lists_the_valid_ones(quiz_bot: Any, kit: Any, library: Library) -> None:
    reply = await run(quiz_bot, "quiz teeth <!everyone>")
    kit.check_message(reply)
    text = kit.all_text(reply)
    assert "I don't have a topic called that" in text
    assert all(t.command in text for t in library.topics)
    assert not any(p in text for p in PINGS)


# -- feedback -------------------------------------------------------------------------------------


def feedback(kit: Any, message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["text"]["text"]: b for b in kit.buttons(message) if b["action_id"].startswith("bp:fb:")}


async def test_feedback_on_an_answer_counts_once_per_person(quiz_bot: Any, kit: Any, store: Store) -> None:
    answer = await run(quiz_bot, "recovery")
    buttons = feedback(kit, answer)
    assert list(buttons) == ["Helpful", "Not helpful", "Not what I asked"]

    thanks = await press(quiz_bot, kit, buttons["Helpful"], "fb", message_ts="3.1")
    again = await press(quiz_bot, kit, buttons["Helpful"], "fb", message_ts="3.1")
    changed = await press(quiz_bot, kit, buttons["Not helpful"], "fb", message_ts="3.1")
    assert "Thanks, glad it helped." in kit.all_text(thanks)
    assert "Already counted" in kit.all_text(again) and "Already counted" in kit.all_text(changed)
    await press(quiz_bot, kit, buttons["Helpful"], "fb", user=OTHER, message_ts="3.1")  # another person
    assert (await store.stats()).feedback["recovery"] == {"helpful": 2}


async def test_not_what_i_asked_keeps_the_question_only_after_an_admin_opts_in(
    quiz_bot: Any, kit: Any, store: Store
) -> None:
    answer = await run(quiz_bot, "ask how long does the headache last after a blood patch")
    not_asked = feedback(kit, answer)["Not what I asked"]
    assert not_asked["value"].startswith("q:how long does the headache last")

    await press(quiz_bot, kit, not_asked, "na", message_ts="4.1")
    assert (await store.gaps()).entries == ()  # only counted

    refused = await run(quiz_bot, "privacy keep_text on")
    assert "only this bot's admins" in kit.all_text(refused)
    opted = await run(quiz_bot, "privacy keep_text on", user=ADMIN)
    assert KEEP_TEXT_ON.split(",")[0] in kit.all_text(opted).replace("&quot;", '"')

    await press(quiz_bot, kit, not_asked, "na", user=OTHER, message_ts="4.1")
    (entry,) = (await store.gaps()).entries
    assert entry.category == "not_asked" and "headache" in entry.text
    assert (await store.gaps()).counts["not_asked"] == 2


# -- score, leaderboard, stats ---------------------------------------------------------------------


async def test_score_and_an_opt_in_leaderboard(quiz_bot: Any, kit: Any, library: Library) -> None:
    assert "haven't answered" in kit.all_text(await run(quiz_bot, "score"))
    card = await run(quiz_bot, "quiz pain")
    right, _ = right_and_wrong(library, answer_buttons(kit, card))
    await press(quiz_bot, kit, right, "lb")
    assert "You've answered 1 and got 1 right." in kit.all_text(await run(quiz_bot, "score"))

    assert LEADERBOARD_EMPTY.split(".")[0] in kit.all_text(await run(quiz_bot, "leaderboard"))
    await run(quiz_bot, "leaderboard join", name="<!channel> steve_*")
    board = await run(quiz_bot, "leaderboard show")
    kit.check_message(board)
    text = kit.all_text(board)
    assert "1. !channel steve: 1 of 1 right" in text
    assert not any(p in text for p in PINGS)
    await run(quiz_bot, "leaderboard leave")
    assert LEADERBOARD_EMPTY.split(".")[0] in kit.all_text(await run(quiz_bot, "leaderboard show"))
    assert "Usage" in kit.all_text(await run(quiz_bot, "leaderboard dance"))


async def test_stats_are_for_admins_only_and_count_answered_questions(quiz_bot: Any, kit: Any, store: Store) -> None:
    refused = await run(quiz_bot, "stats")
    assert "only this bot's admins" in kit.all_text(refused) and "Questions per topic" not in kit.all_text(refused)

    await run(quiz_bot, "recovery")  # counted after the reply, in the background
    asks = await eventually(lambda: _asks(store, "recovery"))
    assert asks == {"topic": 1}
    stats = await run(quiz_bot, "stats 7", user=ADMIN)
    kit.check_message(stats)
    assert kit.header(stats) == "Bot stats"
    assert "Questions per topic: recovery: topic 1" in kit.all_text(stats)


async def _asks(store: Store, topic: str) -> dict[str, int] | None:
    return (await store.stats()).asks.get(topic)


async def test_a_question_that_starts_with_a_command_word_is_still_answered(quiz_bot: Any, kit: Any) -> None:
    reply = await run(quiz_bot, "daily life after a blood patch")
    assert kit.header(reply) and not kit.header(reply).startswith("Quiz")
    assert "only this bot's admins" not in kit.all_text(reply)


# -- the daily question ---------------------------------------------------------------------------


async def test_the_daily_question_is_posted_once_a_day(quiz_bot: Any, kit: Any, library: Library, store: Store) -> None:
    assert "only this bot's admins" in kit.all_text(await run(quiz_bot, "daily on 8"))
    switched = await run(quiz_bot, "daily on 8 risks clinician <!here>", user=ADMIN)
    assert "I don't have a topic called that" in kit.all_text(switched)  # "<!here>" is not a topic...
    assert not any(p in kit.all_text(switched) for p in PINGS)  # ...and is not echoed
    switched = await run(quiz_bot, "daily on 8 risks clinician", user=ADMIN)
    assert "08:00 UTC (risks, clinician)" in kit.all_text(switched)

    feature = feature_of(quiz_bot.app)
    assert feature is not None and feature.daily_running  # started with the app
    client = quiz_bot.app.client
    day = utcnow().date() + dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(8, 1), dt.UTC)
    assert await post_due_daily(feature, client, at - dt.timedelta(minutes=5)) == []  # before its hour
    assert await post_due_daily(feature, client, at) == [CHANNEL]
    assert await post_due_daily(feature, client, at + dt.timedelta(hours=3)) == []  # once a day
    assert await post_due_daily(feature, client, at + dt.timedelta(days=1, hours=2)) == [CHANNEL]

    first, second = (c.body for c in quiz_bot.standin.delivered("/api/chat.postMessage"))
    for posted in (first, second):
        kit.check_message(posted)
        assert posted["channel"] == CHANNEL
        assert kit.header(posted).startswith(f"Quiz: {library.topic_ref('risks').title} (clinician,")
    assert answer_buttons(kit, first) != answer_buttons(kit, second)  # a different question each day

    # The card is in the channel: whoever presses is scored.
    right, _ = right_and_wrong(library, answer_buttons(kit, first))
    result = await press(quiz_bot, kit, right, "daily", user=OTHER, message_ts="1700000500.000001", ephemeral=False)
    assert "Score: 1 of 1" in kit.all_text(result)

    assert "is off" in kit.all_text(await run(quiz_bot, "daily off", user=ADMIN))
    assert await post_due_daily(feature, client, at + dt.timedelta(days=2)) == []


async def test_the_daily_loop_posts_by_itself(standin: Any, slack_env: Any, library: Library, store: Store) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    now = utcnow()
    await store.set_daily(f"slack:{CHANNEL}", f"slack:{TEAM}", now.hour, audience="patient", now=now)
    feature = QuizFeature(library, store, admins=frozenset(), daily_interval=0.05)
    feature.start(AsyncWebClient(token="xoxb-test", base_url=standin.api_url))
    try:
        (call,) = await standin.wait_for("/api/chat.postMessage")
        assert call.body["channel"] == CHANNEL and "(patient," in call.body["text"]
        await asyncio.sleep(0.2)  # several more rounds: still one post today
        assert len(standin.delivered("/api/chat.postMessage")) == 1
    finally:
        await feature.aclose()
    assert not feature.daily_running


# -- faults -----------------------------------------------------------------------------------------


async def test_a_database_that_is_down_gets_polite_replies_while_answers_work(
    bolt_factory: Any, kit: Any, library: Library, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_ADMIN_USERS", ADMIN)
    down = await open_store("postgresql://nobody@127.0.0.1:1/none")
    caplog.set_level(logging.INFO)
    try:
        async with bolt_factory(store=down) as bot:
            answer = await run(bot, "recovery")
            assert kit.header(answer) == library.topic("recovery").title  # answers still work
            for text, who, what in (
                ("quiz", ASKER, "The quiz is unavailable right now"),
                ("score", ASKER, "Scores is unavailable right now"),
                ("stats", ADMIN, "Stats is unavailable right now"),
                ("daily on 9", ADMIN, "The daily question is unavailable right now"),
            ):
                reply = await run(bot, text, user=who)
                kit.check_message(reply)
                assert what in kit.all_text(reply), text
            helpful = feedback(kit, answer)["Helpful"]
            assert "Feedback is unavailable right now" in kit.all_text(await press(bot, kit, helpful, "down"))
            pressed = await press(bot, kit, {**helpful, "action_id": "bp:q:risks-p-1:0", "value": "x"}, "downq")
            assert "The quiz is unavailable right now" in kit.all_text(pressed)
            await feature_of(bot.app).aclose()
    finally:
        await down.close()
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


async def test_a_slow_store_sends_the_card_to_the_response_url(bolt_factory: Any, kit: Any, store: Store) -> None:
    async with bolt_factory(store=store, ack_budget=0) as bot:  # 0: nothing rides in the ack
        reply = await bot.slack.command("quiz recovery", response="late")
        assert reply.status == 200 and reply.text == ""
        (call,) = await bot.standin.wait_for("/response/late")
        kit.check_message(call.body)
        assert call.body["response_type"] == "ephemeral" and answer_buttons(kit, call.body)


async def test_mentions_and_dms_are_counted_for_stats_after_the_reply(quiz_bot: Any, kit: Any, store: Store) -> None:
    await quiz_bot.slack.event(kit.load_fixture("event_app_mention.json"))
    await quiz_bot.standin.wait_for("/api/chat.postMessage")

    async def counted() -> int:
        return sum(n for kinds in (await store.stats()).asks.values() for n in kinds.values())

    assert await eventually(counted) == 1
