"""User keys, settings and redaction: the parts of the store that need no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import InvalidKey, StoreConfigError, check_channel, check_scope, parse_user, scope_of, user_key
from bot.store.config import async_url, default_data_dir, store_settings
from bot.store.quizops import clean_display_name
from bot.store.redact import MAX_STORED_CHARS, redact
from bot.store.users import user_hash


@pytest.mark.parametrize(
    ("key", "scope"),
    [
        ("discord:81384788765712384:80351110224678912", "discord:81384788765712384"),
        ("discord:dm:80351110224678912", "discord:dm"),
        ("slack:T0123ABCD:U0456EFGH", "slack:T0123ABCD"),
        ("shell:alice", "shell"),
        ("shell:a.b-c@host", "shell"),
    ],
)
def test_user_keys_and_their_scopes(key: str, scope: str) -> None:
    assert parse_user(key).key == key
    assert scope_of(key) == scope
    assert check_scope(scope) == scope


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "bob",
        "discord:1",
        "discord:abc:1",
        "slack:t01:u02",
        "shell:",
        "shell:-x",
        "shell:a b",
        "x:1:2",
        "discord:1:2 ",
    ],
)
def test_malformed_user_keys_say_the_accepted_shapes(bad: str) -> None:
    with pytest.raises(InvalidKey, match="discord:<guild_id>:<user_id>"):
        parse_user(bad)


def test_building_keys_and_checking_channels() -> None:
    assert user_key("discord", "12", "34") == "discord:12:34"
    assert user_key("discord", None, "34") == "discord:dm:34"
    assert user_key("slack", "T1", "U2") == "slack:T1:U2"
    assert user_key("shell", None, "ann") == "shell:ann"
    assert check_channel("discord:123") == "discord:123" and check_channel("slack:C0AB") == "slack:C0AB"
    for bad in ("discord:abc", "shell:x", "slack:", "#general"):
        with pytest.raises(InvalidKey):
            check_channel(bad)


def test_the_hash_depends_on_the_salt_and_hides_the_id() -> None:
    one = user_hash("salt-a", "discord:1:2")
    assert len(one) == 32 and "discord" not in one
    assert one == user_hash("salt-a", "discord:1:2")
    assert one != user_hash("salt-b", "discord:1:2") != user_hash("salt-a", "discord:1:3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm Sarah Jones and I'm 34", "I'm [name] and I'm [number]"),
        ("my name is john smith, patch on 3/11", "my name is [name], patch on [number]"),
        ("call me Al. Is 20 ml enough?", "call me [name]. Is [number] ml enough?"),
        ("I'm worried about the 2nd one", "I'm worried about the [number] one"),
        ("ring 07700 900123 or +44 (20) 7946 0958", "ring [phone] or [phone]"),
        ("mail sam.lee+x@nhs.uk now", "mail [email] now"),
        (
            "<@U123ABC> <!channel> <@!8123> <#C1|general> @bob @everyone",
            "[mention] [mention] [mention] [mention] [mention] [mention]",
        ),
        ("see https://example.com/a?b=1 ok", "see [link] ok"),
        ("this is Dr Jones from Leeds", "this is [name] from Leeds"),
        ("can I fly after a blood patch", "can I fly after a blood patch"),
    ],
)
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_bounds_the_length() -> None:
    assert len(redact("word " * 1000)) <= MAX_STORED_CHARS


def test_display_names_lose_markup_and_pings() -> None:
    assert clean_display_name("  **Ann**  <@123>\n") == "Ann 123"
    assert clean_display_name("x" * 50) == "x" * 32
    with pytest.raises(ValueError):
        clean_display_name("@<>")


def test_database_urls_and_the_data_dir(tmp_path: Path) -> None:
    assert async_url("postgres://u:p@h:5432/db?sslmode=require") == "postgresql+asyncpg://u:p@h:5432/db?ssl=require"
    assert async_url("postgresql://h/db") == "postgresql+asyncpg://h/db"
    assert async_url("sqlite:////abs/x.sqlite3") == "sqlite+aiosqlite:////abs/x.sqlite3"
    with pytest.raises(StoreConfigError, match="unsupported database 'mysql'"):
        async_url("mysql://h/db")
    assert default_data_dir({"BLOODPATCH_DATA_DIR": str(tmp_path)}) == tmp_path
    assert default_data_dir({"XDG_DATA_HOME": "/xdg"}) == Path("/xdg/bloodpatch-bot")
    settings = store_settings(environ={"BLOODPATCH_DATA_DIR": str(tmp_path), "BLOODPATCH_TEXT_RETENTION_DAYS": "7"})
    assert settings.url == f"sqlite+aiosqlite:///{tmp_path}/bloodpatch.sqlite3"
    assert settings.text_retention_days == 7 and settings.backend == "sqlite"
    assert "p@" not in repr(store_settings("postgresql://u:secret@h/db", environ={}))
    with pytest.raises(StoreConfigError, match="BLOODPATCH_TEXT_RETENTION_DAYS"):
        store_settings(environ={"BLOODPATCH_TEXT_RETENTION_DAYS": "0"})
