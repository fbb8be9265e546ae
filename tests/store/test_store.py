"""The store's behaviour, the same tests on SQLite and on PostgreSQL (see conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlalchemy import text

from bot.core.quiz import utcnow
from bot.store import InvalidKey, Store, open_store
from bot.store.schema import metadata, question_texts

from .conftest import ITEMS, settings_for

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ALICE = "discord:111:201"
BOB = "discord:111:202"
CAROL = "slack:T01:U03"


async def dump(store: Store) -> str:
    """Every row of every table as text, to check what is (not) stored."""
    parts = []
    async with store._tx(read_only=True) as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(table.select())).all()
            parts.append(f"{table.name}: {[tuple(r) for r in rows]}")
    return "\n".join(parts)


async def test_migrations_build_exactly_the_declared_schema(empty_db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.store.migrate import HEAD, alembic_config
    from bot.store.schema import VERSION_TABLE

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD

    def diff(conn):
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE, "compare_type": True})
        return compare_metadata(context, metadata)

    store = await open_store(settings=settings_for(empty_db_url))
    try:
        async with store._tx(read_only=True) as conn:
            assert await conn.run_sync(diff) == []
            versions = (await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).scalars().all()
    finally:
        await store.close()
    assert versions == [HEAD]


async def test_answers_score_streaks_and_boxes(store: Store) -> None:
    right, wrong = ITEMS[0].answer, (ITEMS[0].answer + 1) % 4
    first = await store.record_quiz_answer(ALICE, ITEMS[0], right, now=NOW)
    assert (first.duplicate, first.correct, first.box) == (False, True, 2)
    assert first.due_at == NOW + dt.timedelta(days=1)
    await store.record_quiz_answer(ALICE, ITEMS[1], ITEMS[1].answer, now=NOW)
    missed = await store.record_quiz_answer(ALICE, ITEMS[0], wrong, now=NOW + dt.timedelta(days=1))
    assert (missed.correct, missed.box, missed.due_at) == (False, 1, NOW + dt.timedelta(days=1))
    assert (missed.score.answered, missed.score.correct, missed.score.streak, missed.score.best_streak) == (3, 2, 0, 2)
    again = await store.record_quiz_answer(ALICE, ITEMS[0], right, now=NOW + dt.timedelta(days=1))
    assert (again.box, again.score.streak) == (2, 1)

    report = await store.score(ALICE, now=NOW + dt.timedelta(days=1, hours=1))
    assert (report.score.answered, report.score.correct, report.items_seen) == (4, 3, 2)
    assert report.due_now == 1  # ITEMS[1] (box 2) came due after a day
    states = await store.item_states(ALICE)
    assert (states["risks-p-1"].box, states["risks-p-1"].seen, states["risks-p-1"].correct) == (2, 3, 2)


async def test_a_missed_item_comes_back_first(store: Store) -> None:
    await store.record_quiz_answer(ALICE, ITEMS[0], ITEMS[0].answer, now=NOW)
    await store.record_quiz_answer(ALICE, ITEMS[1], (ITEMS[1].answer + 1) % 4, now=NOW)  # missed
    later = NOW + dt.timedelta(minutes=5)
    nxt = await store.next_quiz_item(ALICE, ITEMS, audience="patient", now=later)
    assert nxt is not None and nxt.id == "risks-p-2"
    # In the same session, excluding it, the unseen patient item is next.
    nxt = await store.next_quiz_item(ALICE, ITEMS, audience="patient", exclude={"risks-p-2"}, now=later)
    assert nxt is not None and nxt.id == "procedure-p-1"
    assert await store.next_quiz_item(ALICE, ITEMS, topic="procedure", audience="clinician") is None


async def test_a_double_click_answers_once(store: Store) -> None:
    item = ITEMS[0]
    results = await asyncio.gather(
        *(store.record_quiz_answer(ALICE, item, item.answer, event_id="interaction-1") for _ in range(6))
    )
    assert sorted(r.duplicate for r in results) == [False] + [True] * 5
    assert all(r.score.answered == 1 and r.correct for r in results)
    assert (await store.score(ALICE)).score.answered == 1
    assert (await store.stats()).items[0].answered == 1


async def test_a_button_pressed_by_someone_else_scores_the_presser(store: Store) -> None:
    # Alice got the question; Bob pressed the answer button in the same channel.
    item = ITEMS[2]
    result = await store.record_quiz_answer(BOB, item, item.answer, event_id="press-by-bob")
    assert result.correct and result.score.answered == 1
    assert (await store.score(BOB)).score.correct == 1
    assert (await store.score(ALICE)).score.answered == 0


async def test_a_stale_choice_is_refused_before_anything_is_written(store: Store) -> None:
    with pytest.raises(ValueError, match="not an option"):
        await store.record_quiz_answer(ALICE, ITEMS[0], 4)
    with pytest.raises(InvalidKey):
        await store.record_quiz_answer("discord:guild:bob", ITEMS[0], 0)
    assert (await store.score(ALICE)).score.answered == 0


async def test_leaderboard_is_opt_in_per_scope_with_the_consented_name(store: Store) -> None:
    other_guild = "discord:999:201"
    for user, rights in ((ALICE, 3), (BOB, 1), (other_guild, 5), ("discord:111:203", 4)):
        for n in range(rights):
            await store.record_quiz_answer(user, ITEMS[n % 4], ITEMS[n % 4].answer)
    assert await store.leaderboard("discord:111") == []  # nobody opted in yet
    await store.set_leaderboard(ALICE, "Alice <@&1> @everyone")
    await store.set_leaderboard(BOB, "Bob")
    await store.set_leaderboard(other_guild, "Elsewhere")
    board = await store.leaderboard("discord:111")
    assert [(r.rank, r.display_name, r.correct) for r in board] == [(1, "Alice &1 everyone", 3), (2, "Bob", 1)]
    await store.set_leaderboard(ALICE, None)
    assert [r.display_name for r in await store.leaderboard("discord:111")] == ["Bob"]
    assert [r.display_name for r in await store.leaderboard("discord:999")] == ["Elsewhere"]
    with pytest.raises(ValueError):
        await store.set_leaderboard(BOB, "<@>")
    with pytest.raises(InvalidKey):
        await store.leaderboard("discord:")


async def test_feedback_counts_per_topic_once_per_event(store: Store) -> None:
    scope = "slack:T01"
    assert not (await store.record_feedback(scope, "helpful", "risks", "patient", event_id="a1")).duplicate
    assert (await store.record_feedback(scope, "helpful", "risks", "patient", event_id="a1")).duplicate
    await store.record_feedback(scope, "unhelpful", "risks", "patient", event_id="a2")
    await store.record_feedback(scope, "not_asked", "procedure", "clinician")
    await store.record_ask(scope, "search", "risks", "patient")
    await store.record_ask(scope, "search", "risks", "clinician")
    await store.record_ask(scope, "out_of_scope", None, "patient")
    stats = await store.stats()
    assert stats.feedback == {"procedure": {"not_asked": 1}, "risks": {"helpful": 1, "unhelpful": 1}}
    assert stats.asks == {"": {"out_of_scope": 1}, "risks": {"search": 2}}
    with pytest.raises(ValueError):
        await store.record_feedback(scope, "love", "risks", "patient")


async def test_no_text_is_kept_without_the_scope_opting_in(store: Store) -> None:
    scope = "discord:111"
    question = "can I fly to Lisbon after my patch"
    assert not await store.record_ask(scope, "not_found", None, "patient", text=question, user=ALICE)
    result = await store.record_feedback(scope, "not_asked", "risks", "patient", text=question, user=ALICE)
    assert not result.text_kept
    gaps = await store.gaps()
    assert gaps.counts == {"not_found": 1, "out_of_scope": 0, "clarify": 0, "not_asked": 1}
    assert gaps.entries == ()
    everything = await dump(store)
    assert "Lisbon" not in everything and "201" not in everything  # neither the text nor the user id


async def test_opted_in_text_is_redacted_grouped_and_deleted_when_switched_off(store: Store) -> None:
    scope = "slack:T01"
    await store.set_keep_text(scope, True)
    assert await store.keeps_text(scope) and not await store.keeps_text("slack:T02")
    for text_ in ("My name is Ann Lee, can I fly 2 days after?", "my name is Bo,  can I fly 9 days after?"):
        assert await store.record_ask(scope, "not_found", None, "patient", text=text_, user=CAROL)
    await store.record_ask(scope, "red_flag", "red_flags", "patient", text="worst headache of my life")
    fb = await store.record_feedback(
        scope, "not_asked", "risks", "patient", text="<@U123> I'm Sam, mail sam@x.org or 07700 900123"
    )
    assert fb.text_kept
    gaps = await store.gaps()
    texts = {(e.text, e.category, e.count) for e in gaps.entries}
    assert texts == {
        ("My name is [name], can I fly [number] days after?", "not_found", 2),
        ("[mention] I'm [name], mail [email] or [phone]", "not_asked", 1),
    }
    everything = await dump(store)
    for secret in ("Ann", "sam@x.org", "07700", "worst headache", "U123"):
        assert secret not in everything
    await store.set_keep_text(scope, False)
    assert (await store.gaps()).entries == ()


async def test_kept_text_is_purged_after_the_retention_limit(db_url: str) -> None:
    store = await open_store(settings=settings_for(db_url, text_retention_days=30))
    try:
        await store.set_keep_text("shell", True)
        await store.record_ask("shell", "clarify", "risks", "patient", text="old one", now=NOW - dt.timedelta(days=31))
        await store.record_ask("shell", "clarify", "risks", "patient", text="new one", now=NOW - dt.timedelta(days=29))
        assert await store.purge(now=NOW) == 1
        report = await store.gaps(since_days=60, now=NOW)
        assert [e.text for e in report.entries] == ["new one"]
        two_days_ago = utcnow() - dt.timedelta(days=2)
        await store.record_ask("shell", "clarify", "risks", "patient", text="recent one", now=two_days_ago)
    finally:
        await store.close()
    # Opening purges too: with a 1-day limit, text from two days ago is gone before any call.
    reopened = await open_store(settings=settings_for(db_url, text_retention_days=1))
    try:
        await reopened.check()
        async with reopened._tx(read_only=True) as conn:
            left = (await conn.execute(question_texts.select())).all()
        assert left == []
    finally:
        await reopened.close()


async def test_first_time_dedupes_until_the_ttl_runs_out(store: Store) -> None:
    assert await store.first_time("Ev123", 60, now=NOW)
    assert not await store.first_time("Ev123", 60, now=NOW + dt.timedelta(seconds=59))
    assert await store.first_time("Ev123", 60, now=NOW + dt.timedelta(seconds=61))
    assert await store.first_time("x" * 500, 60, now=NOW)  # long ids are hashed, not truncated
    assert not await store.first_time("x" * 500, 60, now=NOW)
    outcomes = await asyncio.gather(*(store.first_time("race", 30) for _ in range(8)))
    assert outcomes.count(True) == 1
    with pytest.raises(ValueError):
        await store.first_time("Ev1", 0)


async def test_reload_signal_reaches_another_store_on_the_same_database(store: Store, db_url: str) -> None:
    other = await open_store(settings=settings_for(db_url))
    try:
        before = await other.reload_version()
        assert await store.publish_reload() == before + 1
        assert await other.reload_version() == before + 1
        assert await other.pseudonym(ALICE) == await store.pseudonym(ALICE)  # one salt per installation
    finally:
        await other.close()


async def test_daily_question_schedule_survives_a_restart(store: Store, db_url: str) -> None:
    eight = NOW.replace(hour=8)
    await store.set_daily("discord:555", "discord:111", 9, topic="risks", audience="patient", now=eight)
    await store.set_daily("slack:C01", "slack:T01", 7, now=eight)  # 07:00 has passed: first post tomorrow
    assert await store.due_daily(eight) == []
    due = await store.due_daily(NOW.replace(hour=9, minute=30))
    assert [(d.channel, d.topic, d.audience) for d in due] == [("discord:555", "risks", "patient")]
    today = NOW.date()
    assert await store.mark_daily_posted("discord:555", today)
    assert not await store.mark_daily_posted("discord:555", today)  # idempotent, first caller wins
    await store.close()

    restarted = await open_store(settings=settings_for(db_url))
    try:
        assert await restarted.due_daily(NOW.replace(hour=23)) == []
        tomorrow = NOW.replace(hour=9) + dt.timedelta(days=1)
        assert [d.channel for d in await restarted.due_daily(tomorrow)] == ["slack:C01", "discord:555"]
        assert [d.channel for d in await restarted.daily_channels("slack:T01")] == ["slack:C01"]
        assert await restarted.remove_daily("slack:C01")
        assert not await restarted.remove_daily("slack:C01")
        with pytest.raises(ValueError):
            await restarted.set_daily("discord:555", "discord:111", 24)
    finally:
        await restarted.close()


async def test_stats_flag_items_most_people_get_wrong_and_serialise(store: Store) -> None:
    hard, easy = ITEMS[0], ITEMS[1]
    for n in range(6):
        user = f"shell:user{n}"
        await store.record_quiz_answer(user, hard, hard.answer if n == 0 else (hard.answer + 1) % 4)
        await store.record_quiz_answer(user, hard, hard.answer)  # second tries do not change "first time"
        await store.record_quiz_answer(user, easy, easy.answer)
    stats = await store.stats(min_people=5)
    by_id = {i.item_id: i for i in stats.items}
    assert stats.items[0].item_id == hard.id
    assert by_id[hard.id].hard and not by_id[easy.id].hard
    assert (by_id[hard.id].people, by_id[hard.id].first_correct, by_id[hard.id].answered) == (6, 1, 12)
    assert not (await store.stats(min_people=7)).items[0].hard
    json.dumps(stats.to_json())
    json.dumps((await store.gaps()).to_json())


async def test_forget_erases_one_user_and_nothing_else(store: Store) -> None:
    await store.set_keep_text("discord:111", True)
    for user, name in ((ALICE, "alice"), (BOB, "bob")):
        await store.record_quiz_answer(user, ITEMS[0], ITEMS[0].answer)
        await store.set_leaderboard(user, name)
        await store.record_feedback("discord:111", "not_asked", "risks", "patient", text=f"asked by {name}", user=user)
    assert await store.forget(ALICE) == 4  # progress, score, leaderboard, kept text
    assert (await store.score(ALICE)).score.answered == 0
    assert await store.item_states(ALICE) == {}
    assert [r.display_name for r in await store.leaderboard("discord:111")] == ["bob"]
    assert [e.text for e in (await store.gaps()).entries] == ["asked by bob"]
    assert await store.forget(ALICE) == 0
    assert (await store.score(BOB)).score.answered == 1


async def test_users_are_salted_hashes(db_url: str) -> None:
    first = await open_store(settings=settings_for(db_url))
    salted = await open_store(settings=settings_for(db_url, user_salt="from-the-environment"))
    try:
        one, two = await first.pseudonym(ALICE), await salted.pseudonym(ALICE)
        assert len(one) == 32 and one != two and ALICE not in one
        assert await first.pseudonym(BOB) != one
    finally:
        await first.close()
        await salted.close()
