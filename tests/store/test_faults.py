"""The database down or unusable: opening never raises, every operation raises StoreUnavailable,
nothing already written is lost, and the store recovers by itself when the database is back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import StoreUnavailable, open_store
from bot.store.devserver import DevPostgres, free_port

from .conftest import ITEMS, settings_for

USER = "discord:1:2"


async def _all_fail(store) -> None:
    item = ITEMS[0]
    for call in (
        lambda: store.record_quiz_answer(USER, item, item.answer, event_id="x"),
        lambda: store.score(USER),
        lambda: store.record_feedback("discord:1", "helpful", "risks", "patient"),
        lambda: store.stats(),
        lambda: store.gaps(),
        lambda: store.first_time("ev", 10),
        lambda: store.due_daily(),
        lambda: store.forget(USER),
    ):
        with pytest.raises(StoreUnavailable):
            await call()


async def test_an_unusable_setting_gives_a_store_that_says_why(tmp_path: Path) -> None:
    bad_scheme = await open_store(settings=None, url="mysql://db/x")
    with pytest.raises(StoreUnavailable, match="unsupported database 'mysql'"):
        await bad_scheme.check()
    await _all_fail(bad_scheme)
    await bad_scheme.close()

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    no_dir = await open_store(data_dir=blocker / "inside")
    with pytest.raises(StoreUnavailable, match="sqlite"):
        await no_dir.check()
    assert not no_dir.available and no_dir.last_error


async def test_postgresql_that_is_not_running_fails_fast_and_politely() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    store = await open_store(settings=settings_for(url, connect_timeout=2.0))
    await _all_fail(store)
    assert not store.available and "postgresql" in (store.last_error or "")
    await store.close()


async def test_postgresql_stopped_mid_test_then_back_loses_nothing() -> None:
    with DevPostgres() as server:
        url = server.create_database("faults")
        store = await open_store(settings=settings_for(url))
        item = ITEMS[0]
        await store.record_quiz_answer(USER, item, item.answer, event_id="before-1")
        await store.record_feedback("discord:1", "helpful", "risks", "patient")
        server.stop()
        await _all_fail(store)
        assert not store.available
        server.restart()
        report = await store.score(USER)  # the pool replaces the dead connections by itself
        assert report.score.answered == 1 and store.available
        again = await store.record_quiz_answer(USER, item, item.answer, event_id="before-1")
        assert again.duplicate  # the dedupe record survived too
        after = await store.record_quiz_answer(USER, item, item.answer, event_id="after-1")
        assert after.score.answered == 2
        assert (await store.stats()).feedback == {"risks": {"helpful": 1}}
        await store.close()


async def test_sqlite_locked_by_another_writer_then_released(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = await open_store(settings=settings_for(f"sqlite:///{path}", sqlite_busy_timeout_ms=200))
    item = ITEMS[0]
    await store.record_quiz_answer(USER, item, item.answer)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(StoreUnavailable, match="locked"):
            await store.record_quiz_answer(USER, item, item.answer)
        assert (await store.score(USER)).score.answered == 1  # reads still work in WAL mode
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (await store.record_quiz_answer(USER, item, item.answer)).score.answered == 2
    assert store.available
    await store.close()


async def test_a_database_migrated_by_a_newer_bot_is_reported_not_changed(db_url: str) -> None:
    from sqlalchemy import text

    from bot.store.schema import VERSION_TABLE

    store = await open_store(settings=settings_for(db_url))
    async with store._tx() as conn:
        await conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'f00d'"))
    await store.close()
    newer = await open_store(settings=settings_for(db_url))
    with pytest.raises(StoreUnavailable, match="f00d"):
        await newer.score(USER)
    await newer.close()
