"""Every setting of bloodpatch-bot, read one way: the environment over an optional `./.env` file.

Why one module: the service and each platform used to read `.env` on their own, with three
error types and three sets of exit codes. Here every problem is a `SettingsError` naming the
variable (secrets are never echoed); `run` prints that one line and exits with
`ExitStatus.USAGE`. Nothing here imports a platform SDK, so `--help` and `ask` stay fast.

Sections: the service (host, port, pid file, database, reload polling), Discord (token,
cooldown, timeouts, sharding) and Slack (tokens, signing secret, timeouts).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DOTENV_NAME = ".env"


class SettingsError(ValueError):
    """A missing or invalid setting; `variable` names it and `str()` is the one line to print.

    `problem` may name the variable itself ("DISCORD_TOKEN is not set. …"); otherwise the
    message is `"VARIABLE: problem"`.
    """

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(problem if problem.startswith(variable) else f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


def read_env(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = None, *, use_dotenv: bool = True
) -> dict[str, str]:
    """The process environment (or `environ`) over `dotenv` (default `./.env`): the real environment wins.

    The only `.env` reader of the project; the file never changes `os.environ`.
    """
    values: dict[str, str] = {}
    if use_dotenv:
        from dotenv import dotenv_values

        path = dotenv if dotenv is not None else Path.cwd() / DOTENV_NAME
        if path.is_file():
            values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def _text(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def _number(
    env: Mapping[str, str], name: str, kind: type[int] | type[float], default: float, *, high: float | None = None
) -> float:
    """A positive number (at most `high`), or `default` when unset."""
    raw = _text(env, name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(name, f"{raw!r} is not a number.") from None
    if value <= 0:
        raise SettingsError(name, f"{raw!r} must be greater than 0.")
    if high is not None and value > high:
        raise SettingsError(name, f"{raw!r} must be at most {high:g}.")
    return value


def _api_url(env: Mapping[str, str], name: str, example: str) -> str | None:
    value = _text(env, name)
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        raise SettingsError(name, f"must be a URL such as {example}, got {value!r}")
    return value


# -- the service ------------------------------------------------------------------------------

DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"
# Not HOST: many shells and platforms set HOST to the machine's name, which is no address to listen on.
HOST_ENV = "BLOODPATCH_HOST"
PID_FILE_ENV = "BLOODPATCH_PID_FILE"
DEFAULT_RELOAD_POLL_SECONDS = 3.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def port_number(raw: str | int, variable: str = "PORT") -> int:
    """A TCP port 0–65535 (0: any free port); `variable` is what the message names (`--port` or `PORT`)."""
    try:
        port = int(str(raw).strip())
    except ValueError:
        raise SettingsError(variable, f"must be a port number such as {DEFAULT_PORT}, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise SettingsError(variable, f"must be between 0 and 65535, got {port}")
    return port


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """How `run` serves: where it listens, its pid file, its shared database and content."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    pid_file: Path = Path("/tmp/bloodpatch-bot.pid")  # service_settings() uses the system's temp dir
    content_dir: Path | None = None  # None: the core's default (bundled content/)
    database_url: str | None = None  # set: workers share dedupe, reloads and quiz data through it
    data_dir: Path | None = None  # where the default SQLite store lives (BLOODPATCH_DATA_DIR)
    reload_poll_seconds: float = DEFAULT_RELOAD_POLL_SECONDS
    log_level: str = "INFO"

    def __repr__(self) -> str:  # DATABASE_URL may hold a password
        return f"ServiceSettings(host={self.host!r}, port={self.port}, database={self.database_kind!r})"

    @property
    def database_kind(self) -> str | None:
        """The database's scheme (`postgresql`, `sqlite`), never its credentials."""
        return urlsplit(self.database_url).scheme.split("+")[0] if self.database_url else None


def service_settings(
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
    *,
    host: str | None = None,
    port: int | str | None = None,
    content_dir: Path | None = None,
) -> ServiceSettings:
    """The service's settings; `host`/`port`/`content_dir` are the command line's and win over the environment."""
    env = read_env(environ, dotenv)
    if port is not None:
        listen_port = port_number(port, "--port")
    else:
        listen_port = port_number(_text(env, "PORT"), "PORT") if _text(env, "PORT") else DEFAULT_PORT
    database_url = _text(env, "DATABASE_URL") or None  # its kind is checked by bot.store when it is used
    level = _text(env, "BLOODPATCH_LOG_LEVEL").upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError("BLOODPATCH_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    content = content_dir or (Path(_text(env, "BLOODPATCH_CONTENT")) if _text(env, "BLOODPATCH_CONTENT") else None)
    return ServiceSettings(
        host=host or _text(env, HOST_ENV) or DEFAULT_HOST,
        port=listen_port,
        pid_file=Path(_text(env, PID_FILE_ENV) or Path(tempfile.gettempdir()) / "bloodpatch-bot.pid"),
        content_dir=content,
        database_url=database_url,
        data_dir=Path(_text(env, "BLOODPATCH_DATA_DIR")) if _text(env, "BLOODPATCH_DATA_DIR") else None,
        reload_poll_seconds=_number(
            env, "BLOODPATCH_RELOAD_POLL_SECONDS", float, DEFAULT_RELOAD_POLL_SECONDS, high=3600
        ),
        log_level=level,
    )


def listen_host(host: str | None, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> str:
    """Where `run` listens: --host, else $BLOODPATCH_HOST (environment or .env), else 0.0.0.0. $HOST is ignored."""
    return host or _text(read_env(environ, dotenv), HOST_ENV) or DEFAULT_HOST


def setting_present(name: str, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> bool:
    """Whether `name` has a non-empty value (decides which platforms `run all` starts)."""
    return bool(_text(read_env(environ, dotenv), name))


# -- Discord ----------------------------------------------------------------------------------

# Bot tokens are three dot-separated base64url parts (id.timestamp.hmac).
_DISCORD_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{10,}")
DISCORD_TOKEN_HELP = (
    "Copy the bot token from https://discord.com/developers/applications -> your application -> Bot -> "
    "Reset Token, and put it in the environment or a .env file as DISCORD_TOKEN=... (see docs/discord.md)."
)
DEFAULT_COOLDOWN_USES = 5
DEFAULT_COOLDOWN_SECONDS = 10.0
DEFAULT_DISCORD_HTTP_TIMEOUT = 15.0  # seconds a REST call may stall between reads (DISCORD_HTTP_TIMEOUT)
MAX_SHARDS = 100_000


@dataclass(frozen=True, slots=True)
class Sharding:
    """Which gateway shards this process runs (discord.py's `AutoShardedClient`).

    `count=None`: as many as Discord recommends (`DISCORD_SHARD_COUNT=auto`), all in this process.
    `ids=None`: every shard of `count` in this process; otherwise only these (one process per range).
    """

    count: int | None = None
    ids: tuple[int, ...] | None = None

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for `AutoShardedClient` / `commands.AutoShardedBot`."""
        options: dict[str, object] = {"shard_count": self.count}
        if self.ids is not None:
            options["shard_ids"] = list(self.ids)
        return options

    def describe(self) -> str:
        if self.count is None:
            return "shards: as many as Discord recommends"
        if self.ids is None:
            return f"shards: all {self.count}"
        return f"shards: {', '.join(map(str, self.ids))} of {self.count}"


def _sharding(env: Mapping[str, str]) -> Sharding | None:
    raw_count = _text(env, "DISCORD_SHARD_COUNT")
    raw_ids = _text(env, "DISCORD_SHARD_IDS")
    if not raw_count:
        if raw_ids:
            raise SettingsError("DISCORD_SHARD_IDS", "needs DISCORD_SHARD_COUNT (the total number of shards)")
        return None
    if raw_count.lower() == "auto":
        if raw_ids:
            raise SettingsError("DISCORD_SHARD_IDS", "needs a number in DISCORD_SHARD_COUNT, not 'auto'")
        return Sharding()
    try:
        count = int(raw_count)
    except ValueError:
        raise SettingsError("DISCORD_SHARD_COUNT", f"must be a number or 'auto', got {raw_count!r}") from None
    if not 1 <= count <= MAX_SHARDS:
        raise SettingsError("DISCORD_SHARD_COUNT", f"must be between 1 and {MAX_SHARDS}, got {count}")
    if not raw_ids:
        return Sharding(count)
    ids = _shard_ids(raw_ids)
    if bad := [i for i in ids if not 0 <= i < count]:
        raise SettingsError("DISCORD_SHARD_IDS", f"shard ids run from 0 to {count - 1}; got {bad[0]}")
    return Sharding(count, ids)


def _shard_ids(raw: str) -> tuple[int, ...]:
    """`0,1,2` or ranges like `0-3,8`, in order, without repeats."""
    ids: list[int] = []
    for part in (p.strip() for p in raw.split(",")):
        try:
            if "-" in part:
                low, high = (int(x) for x in part.split("-", 1))
                ids.extend(range(low, high + 1))
            else:
                ids.append(int(part))
        except ValueError:
            raise SettingsError("DISCORD_SHARD_IDS", f"must be ids like 0,1,2 or 0-3, got {raw!r}") from None
    if not ids or len(set(ids)) != len(ids):
        raise SettingsError("DISCORD_SHARD_IDS", f"must list each shard id once, got {raw!r}")
    return tuple(ids)


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    """Everything the Discord adapter reads from its environment.

    token: `DISCORD_TOKEN`, or None when only building a client (tests, checks).
    cooldown_uses, cooldown_seconds: per-user rate limit shared by every `/bloodpatch` command and
        button (`DISCORD_COOLDOWN_USES`, `DISCORD_COOLDOWN_SECONDS`; default 5 uses per 10 s).
    http_timeout: seconds a REST call may connect or stall between reads (`DISCORD_HTTP_TIMEOUT`,
        default 15); the gateway WebSocket is not affected.
    sharding: `DISCORD_SHARD_COUNT` (a number or `auto`) and `DISCORD_SHARD_IDS`; None: one
        unsharded connection.
    api_url, gateway_url: `DISCORD_API_URL` / `DISCORD_GATEWAY_URL`, only for local stand-ins of
        Discord (tests, checks); None means Discord itself.
    """

    token: str | None = None
    cooldown_uses: int = DEFAULT_COOLDOWN_USES
    cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS
    http_timeout: float = DEFAULT_DISCORD_HTTP_TIMEOUT
    sharding: Sharding | None = None
    api_url: str | None = None
    gateway_url: str | None = None

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"DiscordSettings(sharding={self.sharding!r}, api_url={self.api_url!r})"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv_path: Path | None = None,
        use_dotenv: bool = True,
    ) -> DiscordSettings:
        """Settings from `environ` (default `os.environ`) over `dotenv_path` (default `./.env`).

        Raises SettingsError when a value is malformed (a missing token is only an error for
        `require_token`, so clients can be built without one).
        """
        env = read_env(environ, dotenv_path, use_dotenv=use_dotenv)
        return cls(
            token=_text(env, "DISCORD_TOKEN") or None,
            cooldown_uses=int(_number(env, "DISCORD_COOLDOWN_USES", int, DEFAULT_COOLDOWN_USES)),
            cooldown_seconds=float(_number(env, "DISCORD_COOLDOWN_SECONDS", float, DEFAULT_COOLDOWN_SECONDS)),
            http_timeout=float(_number(env, "DISCORD_HTTP_TIMEOUT", float, DEFAULT_DISCORD_HTTP_TIMEOUT)),
            sharding=_sharding(env),
            api_url=_api_url(env, "DISCORD_API_URL", "http://127.0.0.1:8080/api/v10"),
            gateway_url=_api_url(env, "DISCORD_GATEWAY_URL", "ws://127.0.0.1:8080/gateway"),
        )

    def require_token(self) -> str:
        """The token, or SettingsError saying how to fix it (only its shape is checked; Discord decides)."""
        if self.token is None:
            raise SettingsError("DISCORD_TOKEN", f"DISCORD_TOKEN is not set. {DISCORD_TOKEN_HELP}")
        if self.token.lower().startswith("bot "):
            problem = f"DISCORD_TOKEN must be the bare token, without the 'Bot ' prefix. {DISCORD_TOKEN_HELP}"
            raise SettingsError("DISCORD_TOKEN", problem)
        if not _DISCORD_TOKEN_SHAPE.fullmatch(self.token):
            raise SettingsError(
                "DISCORD_TOKEN",
                "DISCORD_TOKEN does not look like a bot token (expected three dot-separated parts; "
                f"the client secret or public key will not work). {DISCORD_TOKEN_HELP}",
            )
        return self.token


# -- Slack ------------------------------------------------------------------------------------

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_SLACK_HTTP_TIMEOUT = 10.0
MAX_ACK_BUDGET_SECONDS = 2.0
SLACK_MANIFEST_HINT = "see docs/slack.md"
_SLACK_TOKEN_KINDS = {
    "xoxb-": "a bot token (it belongs in SLACK_BOT_TOKEN)",
    "xapp-": "an app-level token (it belongs in SLACK_APP_TOKEN)",
    "xoxp-": "a user token (use the Bot User OAuth Token instead)",
    "xoxe": "a refresh/rotating token (turn token rotation off or use the bot token)",
}


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """What the Slack adapter reads: tokens, signing secret, Web API URL and timeout."""

    bot_token: str
    signing_secret: str  # empty only in Socket Mode, where Slack does not sign requests
    app_token: str | None = None
    api_url: str | None = None  # None: Slack's own API
    http_timeout: float = DEFAULT_SLACK_HTTP_TIMEOUT  # seconds for each Web API / response_url request
    ack_budget: float | None = None  # seconds an answer may take to ride in the ack; None: the adapter's default

    @property
    def base_url(self) -> str:
        return self.api_url or DEFAULT_SLACK_API_URL

    @property
    def socket(self) -> bool:
        return self.app_token is not None

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"SlackSettings(api_url={self.api_url!r}, socket={self.app_token is not None})"


def _slack_token(env: Mapping[str, str], name: str, prefix: str, what: str, *, strict: bool) -> str:
    value = _text(env, name)
    if not value:
        problem = f"not set; put {what} ({prefix}…) in the environment or .env ({SLACK_MANIFEST_HINT})"
        raise SettingsError(name, problem)
    if any(ch.isspace() for ch in value):
        raise SettingsError(name, "contains whitespace; paste the token again without spaces or line breaks")
    if strict and not value.startswith(prefix):
        got = next((hint for p, hint in _SLACK_TOKEN_KINDS.items() if value.startswith(p)), "another kind of value")
        raise SettingsError(name, f"expected {what} starting with {prefix!r}, got {got}")
    return value


def _slack_api_url(env: Mapping[str, str]) -> str | None:
    value = _text(env, "SLACK_API_URL")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problem = f"must be an http(s) URL such as {DEFAULT_SLACK_API_URL}, got {value!r}"
        raise SettingsError("SLACK_API_URL", problem)
    return value if value.endswith("/") else value + "/"


def slack_settings(
    environ: Mapping[str, str] | None = None, *, socket: bool = False, dotenv: Path | None = None
) -> SlackSettings:
    """Settings for HTTP mode (default) or Socket Mode; SettingsError names the first problem.

    Variables: SLACK_BOT_TOKEN (xoxb-), SLACK_SIGNING_SECRET (HTTP mode), SLACK_APP_TOKEN (xapp-,
    Socket Mode), SLACK_API_URL (a stand-in Web API), SLACK_HTTP_TIMEOUT (seconds),
    SLACK_ACK_BUDGET_SECONDS (how long an answer may take to ride in the ack).
    """
    env = read_env(environ, dotenv)
    api_url = _slack_api_url(env)
    # Against a stand-in Web API (tests, local checks) any non-empty token will do;
    # against Slack itself, a token of the wrong kind is caught here with a clear message.
    strict = api_url is None
    bot_token = _slack_token(env, "SLACK_BOT_TOKEN", "xoxb-", "the Bot User OAuth Token", strict=strict)
    app_token = _slack_token(env, "SLACK_APP_TOKEN", "xapp-", "an app-level token", strict=strict) if socket else None
    signing_secret = _text(env, "SLACK_SIGNING_SECRET")
    if not socket and not signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET", "not set; copy it from Basic Information > App Credentials (or run with --socket)"
        )
    if any(ch.isspace() for ch in signing_secret):
        raise SettingsError("SLACK_SIGNING_SECRET", "contains whitespace; paste it again")
    timeout = _text(env, "SLACK_HTTP_TIMEOUT")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=api_url,
        http_timeout=_slack_seconds(timeout) if timeout else DEFAULT_SLACK_HTTP_TIMEOUT,
        ack_budget=_ack_budget(_text(env, "SLACK_ACK_BUDGET_SECONDS")),
    )


def _ack_budget(raw: str) -> float | None:
    """Slack waits 3 s for an ack; an answer riding in it must leave room for the network."""
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError("SLACK_ACK_BUDGET_SECONDS", f"must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= MAX_ACK_BUDGET_SECONDS:
        problem = f"must be between 0 (always answer at the response_url) and {MAX_ACK_BUDGET_SECONDS:g}, got {raw!r}"
        raise SettingsError("SLACK_ACK_BUDGET_SECONDS", problem)
    return value


def _slack_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError("SLACK_HTTP_TIMEOUT", f"must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 300:
        raise SettingsError("SLACK_HTTP_TIMEOUT", f"must be between 0 and 300 seconds, got {raw!r}")
    return value
