"""Where the store lives and how long it keeps things, read from arguments or the environment.

Why here and not in `bot.settings`: the CLI, tests and bench open a store without the
service's settings; `open_store(url=..., data_dir=...)` takes what `ServiceSettings` holds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DATABASE_URL_ENV = "DATABASE_URL"
DATA_DIR_ENV = "BLOODPATCH_DATA_DIR"
SALT_ENV = "BLOODPATCH_USER_SALT"
RETENTION_ENV = "BLOODPATCH_TEXT_RETENTION_DAYS"
DB_FILE_NAME = "bloodpatch.sqlite3"
DEFAULT_TEXT_RETENTION_DAYS = 30
DEFAULT_EVENT_TTL_SECONDS = 7 * 24 * 3600  # how long an answer/feedback event id is remembered for dedupe


class StoreConfigError(ValueError):
    """DATABASE_URL, BLOODPATCH_DATA_DIR or a retention setting is not usable; `str()` is one line."""


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Everything `open_store` needs. `url` is an async SQLAlchemy URL (sqlite+aiosqlite / postgresql+asyncpg)."""

    url: str
    text_retention_days: int = DEFAULT_TEXT_RETENTION_DAYS  # opted-in question text is deleted after this
    event_ttl_seconds: int = DEFAULT_EVENT_TTL_SECONDS
    user_salt: str | None = None  # None: the per-installation salt kept in the database
    operation_timeout: float = 10.0  # seconds one operation may take before StoreUnavailable
    connect_timeout: float = 5.0  # PostgreSQL: seconds to connect
    sqlite_busy_timeout_ms: int = 5000  # SQLite: how long to wait for another writer's lock
    retry_seconds: float = 2.0  # while the database is down, how often opening is retried

    def __repr__(self) -> str:  # the URL may hold a password
        return f"StoreSettings(backend={self.backend!r}, retention_days={self.text_retention_days})"

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return urlsplit(self.url).scheme.split("+")[0]


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$BLOODPATCH_DATA_DIR, else $XDG_DATA_HOME/bloodpatch-bot, else ~/.local/share/bloodpatch-bot."""
    env = os.environ if environ is None else environ
    if env.get(DATA_DIR_ENV, "").strip():
        return Path(env[DATA_DIR_ENV].strip()).expanduser()
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "bloodpatch-bot"


def async_url(raw: str) -> str:
    """`raw` with the async driver named: postgres(ql):// -> postgresql+asyncpg://, sqlite:// -> sqlite+aiosqlite://.

    `sslmode=` (libpq's spelling, common in hosted DATABASE_URLs) becomes asyncpg's `ssl=`.
    """
    parts = urlsplit(raw.strip())
    scheme = parts.scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        query = urlencode([("ssl" if k == "sslmode" else k, v) for k, v in parse_qsl(parts.query)])
        return urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, query, parts.fragment))
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return "sqlite+aiosqlite" + raw.strip()[len(scheme) :]  # keep "///path" exactly (urlunsplit drops slashes)
    shown = scheme or "no scheme"
    raise StoreConfigError(
        f"{DATABASE_URL_ENV}: unsupported database {shown!r}; use postgresql://user:password@host:5432/db "
        "or sqlite:////absolute/path.sqlite3"
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _retention(env: Mapping[str, str]) -> int:
    raw = env.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_TEXT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise StoreConfigError(f"{RETENTION_ENV}: {raw!r} is not a whole number of days") from None
    if not 1 <= days <= 3650:
        raise StoreConfigError(f"{RETENTION_ENV}: must be between 1 and 3650 days, got {days}")
    return days


def store_settings(
    url: str | None = None,
    data_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> StoreSettings:
    """Settings from the arguments, else the environment: `url` > $DATABASE_URL > SQLite file in the data dir.

    `overrides` set any other `StoreSettings` field (tests use short timeouts). Raises
    StoreConfigError for a URL of an unsupported kind or a bad retention value.
    """
    env = os.environ if environ is None else environ
    raw = url or env.get(DATABASE_URL_ENV, "").strip()
    if raw:
        resolved = async_url(raw)
    else:
        folder = Path(data_dir).expanduser() if data_dir else default_data_dir(env)
        resolved = sqlite_url(folder.absolute() / DB_FILE_NAME)
    fields: dict[str, object] = {"text_retention_days": _retention(env), "user_salt": env.get(SALT_ENV) or None}
    fields.update(overrides)
    return StoreSettings(url=resolved, **fields)  # type: ignore[arg-type]
