"""`bloodpatch-bot run discord|slack|all` and `reload`: the one way to run the bot, one process per worker.

- Each platform starts only when its settings are present (`run all` logs a line for each
  one it skips; `run discord` / `run slack` insist on theirs). Settings come from bot/settings.py.
- The port is bound, and the content loaded, before the Service (bot/service.py) starts.
- `reload`: with DATABASE_URL set, every worker sharing it (they poll the store's reload
  signal); otherwise SIGHUP to the process named in the pid file.
- Failures are one line on stderr and an ExitStatus: bad settings, a rejected token or a port
  that is taken or out of range -> USAGE; a platform out of reach -> UNAVAILABLE; bad content
  -> CONTENT_INVALID (printed by the CLI, like every command). SIGTERM/SIGINT shut down gracefully.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.exit_status import ExitStatus, Unavailable, fail
from bot.settings import (
    HOST_ENV,
    DiscordSettings,
    ServiceSettings,
    SettingsError,
    SlackSettings,
    listen_host,
    service_settings,
    setting_present,
    slack_settings,
)

if TYPE_CHECKING:
    from bot.service import Service

# Settings, the port and content are checked before the platforms' SDKs (and aiohttp) are imported:
# a mistake is reported in a fraction of a second, and only the Service (bot/service.py) is heavy.
log = logging.getLogger("bloodpatch.runner")

LISTEN_BACKLOG = 1024  # bursts of connections from a reverse proxy or Slack; aiohttp's default is 128

__all__ = ["Plan", "listen_host", "listen_socket", "make_plan", "run", "send_reload"]


def configure_logging(level: str = "INFO") -> None:
    """One line per record on stderr, at `level` (BLOODPATCH_LOG_LEVEL)."""
    if logging.getLogger().handlers:
        return
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr)


@dataclass
class Plan:
    """Which platforms to start, with their settings (decided before any network use)."""

    discord: DiscordSettings | None = None  # with a well-formed token
    slack: SlackSettings | None = None
    socket: bool = False


def make_plan(platform: str, socket_mode: bool) -> Plan:
    """Read the platforms' settings; a required platform with bad settings raises SettingsError."""
    plan = Plan(socket=socket_mode)
    skipped: list[str] = []
    if platform in ("discord", "all"):
        try:
            settings = DiscordSettings.from_env()
            settings.require_token()
            plan.discord = settings
        except SettingsError:
            if platform == "discord" or setting_present("DISCORD_TOKEN"):
                raise
            skipped.append("discord: skipped (DISCORD_TOKEN is not set)")
    if platform in ("slack", "all"):
        try:
            plan.slack = slack_settings(socket=socket_mode)
        except SettingsError:
            if platform == "slack" or setting_present("SLACK_BOT_TOKEN"):
                raise
            skipped.append("slack: skipped (SLACK_BOT_TOKEN is not set)")
    if plan.discord is None and plan.slack is None:
        raise SettingsError(
            "DISCORD_TOKEN",
            "DISCORD_TOKEN and SLACK_BOT_TOKEN are both unset, so no platform is configured: set DISCORD_TOKEN "
            "and/or SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (see .env.example), or try the bot locally with "
            "`bloodpatch-bot shell`",
        )
    for line in skipped:  # only beside a platform that starts: otherwise the error above says it all
        log.info("%s", line)
    return plan


def listen_socket(host: str, port: int, *, port_from: str = "PORT") -> socket.socket:
    """Bind and listen before anything else starts, so a taken port is one line, not a half-started bot.

    `port_from` names where the port came from (`--port` or `PORT`) for the message.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SettingsError(HOST_ENV, f"cannot listen on {host!r}: {reason} (use an address such as 0.0.0.0)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does: restart without waiting
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            problem = f"port {port} on {host} is already in use (another bloodpatch-bot?); choose another port"
        elif exc.errno == errno.EACCES:
            problem = f"not allowed to listen on port {port} (ports below 1024 need privileges); choose another port"
        elif exc.errno == errno.EADDRNOTAVAIL:
            raise SettingsError(HOST_ENV, f"{host} is not an address of this machine (try 0.0.0.0)") from None
        else:
            problem = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise SettingsError(port_from, problem) from None
    sock.setblocking(False)
    return sock


def store_config(settings: ServiceSettings) -> Any:
    """The store's settings: DATABASE_URL, else SQLite in BLOODPATCH_DATA_DIR; StoreConfigError is one line."""
    from bot.settings import read_env
    from bot.store import store_settings

    return store_settings(settings.database_url, settings.data_dir, environ=read_env())


async def _serve(service: Service, settings: ServiceSettings, watch: bool) -> int:
    """Own the store for the service's life: opened and checked before serving, closed after.

    The adapters keep quiz progress and feedback there; with DATABASE_URL it is also how workers
    share retry dedupe and the reload signal. A database that is down is logged, not fatal:
    answers need none.
    """
    from bot.store import StoreUnavailable, open_store

    store = await open_store(settings=store_config(settings))
    kind = f"shared {settings.database_kind}" if settings.database_url else "local SQLite"
    try:
        await store.check()  # connects and migrates now, rather than on the first request
        log.info("store: %s database ready", kind)
        service.health.store = True
    except StoreUnavailable as exc:
        log.warning("store: %s database unavailable (%s); answers go on, the quiz waits for it", kind, exc)
        service.health.store = False
    service.store = store
    service.shared_store = bool(settings.database_url)
    try:
        return await service.run(watch=watch, pid_file=settings.pid_file)
    finally:
        await store.close()


def run(
    platform: str,
    *,
    content_dir: Path | None,
    socket: bool,
    port: int | str | None,
    watch: bool,
    host: str | None = None,
) -> int:
    """CLI entry for `run`: check settings, content and the port up front, then serve until stopped.

    Bad content raises ContentInvalid, which the CLI prints like every other command does.
    """
    try:
        settings = service_settings(host=host, port=port, content_dir=content_dir)
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    configure_logging(settings.log_level)
    try:
        plan = make_plan(platform, socket)
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    try:
        sock = listen_socket(settings.host, settings.port, port_from="--port" if port is not None else "PORT")
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    from bot.store import StoreConfigError

    try:
        store_config(settings)
        from bot.core import load_library
        from bot.service import Service

        library = load_library(settings.content_dir)
    except StoreConfigError as exc:
        sock.close()
        return fail(ExitStatus.USAGE, str(exc))
    except BaseException:  # ContentInvalid: the CLI prints every error
        sock.close()
        raise
    poll = settings.reload_poll_seconds
    service = Service(library, plan, host=settings.host, port=settings.port, sock=sock, reload_poll_seconds=poll)
    try:
        status = asyncio.run(_serve(service, settings, watch))
    except SettingsError as exc:  # e.g. a token the platform rejected at start-up
        return fail(ExitStatus.USAGE, str(exc))
    except Unavailable as exc:
        return fail(ExitStatus.UNAVAILABLE, str(exc))
    if service.problem is not None:
        return fail(service.exit_status, str(service.problem))
    return status


def send_reload(pid_file: Path | None) -> int:
    """`bloodpatch-bot reload`: with DATABASE_URL, every worker through the store; else SIGHUP the pid file's bot."""
    try:
        settings = service_settings()
    except SettingsError as exc:
        return fail(ExitStatus.USAGE, str(exc))
    if settings.database_url and pid_file is None:
        return _publish_reload(settings)
    path = pid_file or settings.pid_file
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        return fail(ExitStatus.USAGE, f"no running bot found via {path} ({exc})")
    print(f"asked the bot (pid {pid}) to reload its content; its log says if the new content was accepted")
    return ExitStatus.OK


def _publish_reload(settings: ServiceSettings) -> int:
    from bot.store import StoreConfigError, StoreUnavailable, open_store

    try:
        config = store_config(settings)
    except StoreConfigError as exc:
        return fail(ExitStatus.USAGE, str(exc))

    logging.getLogger("bloodpatch.store").addHandler(logging.NullHandler())  # the one line below says it

    async def publish() -> int:
        store = await open_store(settings=config)
        try:
            return await store.publish_reload()
        finally:
            await store.close()

    try:
        version = asyncio.run(publish())
    except StoreUnavailable as exc:
        return fail(ExitStatus.UNAVAILABLE, f"cannot reach the database in DATABASE_URL ({exc})")
    print(
        f"asked every worker sharing DATABASE_URL to reload its content (signal {version}); they poll every "
        f"{settings.reload_poll_seconds:g} s and their logs say if the new content was accepted"
    )
    return ExitStatus.OK
