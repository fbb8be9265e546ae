"""`bloodpatch-bot run discord|slack|all`: one asyncio process serving every configured platform.

- Each platform starts only when its settings are present (`run all` logs a line for each
  one it skips; `run discord` / `run slack` insist on theirs).
- One aiohttp server (default port 3000) carries Slack's `/slack/events` in HTTP mode and
  `/healthz` + `/readyz` always, so a container platform can probe any deployment.
- SIGHUP, `bloodpatch-bot reload` or `--watch` reload content; bad content is refused and
  the last good content keeps serving. SIGTERM/SIGINT shut down gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.core import ContentInvalid, Library, load_library

log = logging.getLogger("bloodpatch.runner")

EXIT_OK = 0
EXIT_CONTENT = 1  # content invalid, or a platform could not be reached
EXIT_SETTINGS = 2
DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"
# Not HOST: many shells and platforms set HOST to the machine's name, which is no address to listen on.
HOST_ENV = "BLOODPATCH_HOST"
PID_FILE_ENV = "BLOODPATCH_PID_FILE"
SHUTDOWN_GRACE_SECONDS = 10.0


def default_pid_file() -> Path:
    return Path(os.environ.get(PID_FILE_ENV) or Path(tempfile.gettempdir()) / "bloodpatch-bot.pid")


def configure_logging() -> None:
    """One line per record; level from BLOODPATCH_LOG_LEVEL (default INFO)."""
    if logging.getLogger().handlers:
        return
    logging.basicConfig(
        level=os.environ.get("BLOODPATCH_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )


@dataclass
class Health:
    """What /readyz reports: content loaded and every started platform connected."""

    content_loaded: bool = False
    platforms: dict[str, bool] = field(default_factory=dict)
    stopping: bool = False

    @property
    def ready(self) -> bool:
        return self.content_loaded and all(self.platforms.values()) and not self.stopping


def add_health_routes(app: web.Application, health: Health) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        body = {"ready": health.ready, "content": health.content_loaded, "platforms": health.platforms}
        return web.json_response(body, status=200 if health.ready else 503)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


@dataclass
class Plan:
    """Which platforms to start, with their settings (decided before any network use)."""

    discord: Any = None  # DiscordSettings with a token
    slack: Any = None  # SlackSettings
    socket: bool = False


class SettingsProblem(Exception):
    pass


def make_plan(platform: str, socket: bool) -> Plan:
    """Read settings; a required platform with bad settings raises SettingsProblem."""
    plan = Plan(socket=socket)
    if platform in ("discord", "all"):
        from bot.adapters.discord import DiscordSettings, SettingsError

        try:
            settings = DiscordSettings.from_env()
            settings.require_token()
            plan.discord = settings
        except SettingsError as exc:
            if platform == "discord" or settings_present("DISCORD_TOKEN"):
                raise SettingsProblem(str(exc)) from None
            log.info("discord: skipped (DISCORD_TOKEN is not set)")
    if platform in ("slack", "all"):
        from bot.adapters.slack import SettingsError as SlackSettingsError
        from bot.adapters.slack import load_settings

        try:
            plan.slack = load_settings(socket=socket)
        except SlackSettingsError as exc:
            if platform == "slack" or settings_present("SLACK_BOT_TOKEN"):
                raise SettingsProblem(str(exc)) from None
            log.info("slack: skipped (SLACK_BOT_TOKEN is not set)")
    if plan.discord is None and plan.slack is None:
        raise SettingsProblem(
            "no platform is configured: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET "
            "(see .env.example), or try the bot locally with `bloodpatch-bot shell`"
        )
    return plan


def settings_present(name: str) -> bool:
    from dotenv import dotenv_values

    env_file = Path.cwd() / ".env"
    file_values = dotenv_values(env_file) if env_file.is_file() else {}
    return bool(os.environ.get(name) or file_values.get(name))


def service_setting(name: str, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> str:
    """One setting from the environment, else from `./.env` (the real environment wins); "" when unset."""
    env = os.environ if environ is None else environ
    value = env.get(name)
    if value:
        return value.strip()
    from dotenv import dotenv_values

    env_file = dotenv if dotenv is not None else Path.cwd() / ".env"
    return ((dotenv_values(env_file).get(name) if env_file.is_file() else None) or "").strip()


def listen_host(host: str | None, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> str:
    """Where `run` listens: --host, else $BLOODPATCH_HOST (environment or .env), else 0.0.0.0. $HOST is ignored."""
    return host or service_setting(HOST_ENV, environ, dotenv) or DEFAULT_HOST


class Service:
    """The running bot: platforms, health server, reloads and shutdown."""

    def __init__(self, library: Library, plan: Plan, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        self.library = library
        self.plan = plan
        self.host = host
        self.port = port
        self.health = Health(content_loaded=True)
        self.stop = asyncio.Event()
        self.exit_status = EXIT_OK
        self.discord_client: Any = None
        self.slack_app: Any = None
        self._socket_handler: Any = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.bound_port: int | None = None

    # -- content -------------------------------------------------------------------
    def reload(self, reason: str) -> bool:
        errors = self.library.reload()
        if errors:
            for error in errors:
                log.error("reload refused (%s): %s", reason, error)
            log.error("reload refused: still serving the previous content (%d error(s))", len(errors))
            return False
        log.info("content reloaded (%s)", reason)
        return True

    async def _watch(self) -> None:
        from watchfiles import awatch

        async for _changes in awatch(self.library.content_dir, stop_event=self.stop, debounce=500):
            self.reload("files changed")

    # -- lifecycle -----------------------------------------------------------------
    async def start(self) -> None:
        web_app = await self._start_slack()
        add_health_routes(web_app, self.health)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        log.info(
            "http: listening on %s:%s (/healthz, /readyz%s)",
            self.host,
            self.bound_port,
            ", /slack/events" if self.plan.slack and not self.plan.socket else "",
        )
        if self.plan.discord is not None:
            self._start_discord()

    async def _start_slack(self) -> web.Application:
        if self.plan.slack is None:
            return web.Application()
        from bot.adapters.slack import create_app, create_web_app

        self.slack_app = create_app(settings=self.plan.slack, library=self.library)
        if self.plan.slack.api_url is None:  # a stand-in API (tests, checks) is not asked at start-up
            from bot.adapters.slack import SettingsError as SlackSettingsError
            from bot.adapters.slack.runner import verify_token

            try:
                await verify_token(self.slack_app)
            except SlackSettingsError as exc:
                raise SettingsProblem(str(exc)) from None
        if not self.plan.socket:
            self.health.platforms["slack"] = True  # ready once the HTTP site is listening
            return create_web_app(self.slack_app)
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.health.platforms["slack"] = False
        self._socket_handler = AsyncSocketModeHandler(self.slack_app, self.plan.slack.app_token)
        await self._socket_handler.connect_async()
        self.health.platforms["slack"] = True
        log.info("slack: Socket Mode connected")
        return web.Application()

    def _start_discord(self) -> None:
        from bot.adapters.discord import create_client

        self.health.platforms["discord"] = False
        self.discord_client = create_client(library=self.library, settings=self.plan.discord)
        self._tasks.append(asyncio.create_task(self._run_discord(), name="discord"))

    async def _run_discord(self) -> None:
        import discord

        client = self.discord_client

        async def mark_ready() -> None:
            await client.wait_until_ready()
            self.health.platforms["discord"] = True
            log.info("discord: connected as %s", client.user)

        ready_task = asyncio.create_task(mark_ready())
        try:
            await client.start(self.plan.discord.token)
        except discord.LoginFailure:
            log.error("discord: DISCORD_TOKEN was rejected by Discord; reset it in the developer portal")
            self.exit_status = EXIT_SETTINGS
            self.stop.set()
        except (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
            log.error("discord: cannot connect to Discord (%s: %s)", type(exc).__name__, exc)
            self.exit_status = EXIT_CONTENT
            self.stop.set()
        except Exception:
            log.exception("discord: the client stopped with an error")
            self.exit_status = self.exit_status or EXIT_CONTENT
            self.stop.set()
        finally:
            ready_task.cancel()

    async def shutdown(self) -> None:
        """Stop accepting, let in-flight answers finish, then close every connection."""
        self.health.stopping = True
        log.info("shutting down")
        if self._runner is not None:
            await self._runner.cleanup()  # stops listening, waits for in-flight requests
        if self._socket_handler is not None:
            with contextlib.suppress(Exception):
                await self._socket_handler.close_async()
        if self.slack_app is not None:
            from bot.adapters.slack.transport import close_sessions

            await close_sessions()
        if self.discord_client is not None and not self.discord_client.is_closed():
            await self.discord_client.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)
        log.info("stopped")

    async def run(self, *, watch: bool = False, pid_file: Path | None = None) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.stop.set)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, self.reload, "SIGHUP")
        await self.start()
        if watch:
            self._tasks.append(asyncio.create_task(self._watch(), name="watch"))
        if pid_file is not None:
            pid_file.write_text(str(os.getpid()))
        try:
            await self.stop.wait()
        finally:
            await self.shutdown()
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                with contextlib.suppress(NotImplementedError, ValueError):
                    loop.remove_signal_handler(sig)
            if pid_file is not None:
                with contextlib.suppress(OSError):
                    pid_file.unlink()
        return self.exit_status


def run(
    platform: str,
    *,
    content_dir: Path | None,
    socket: bool,
    port: int | None,
    watch: bool,
    host: str | None = None,
) -> int:
    """CLI entry for `run`: validate everything up front, then serve until stopped."""
    configure_logging()
    try:
        library = load_library(content_dir)
    except ContentInvalid as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return EXIT_CONTENT
    try:
        plan = make_plan(platform, socket)
    except SettingsProblem as exc:
        print(f"bloodpatch-bot: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    if port is None:
        raw = service_setting("PORT")
        try:
            port = int(raw) if raw else DEFAULT_PORT
        except ValueError:
            print(f"bloodpatch-bot: PORT: must be a port number such as {DEFAULT_PORT}, got {raw!r}", file=sys.stderr)
            return EXIT_SETTINGS
    host = listen_host(host)
    service = Service(library, plan, host=host, port=port)
    try:
        return asyncio.run(service.run(watch=watch, pid_file=default_pid_file()))
    except SettingsProblem as exc:  # e.g. Slack rejected the token at start-up
        print(f"bloodpatch-bot: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    except OSError as exc:  # e.g. the port is taken
        print(f"bloodpatch-bot: cannot start: {exc}", file=sys.stderr)
        return EXIT_CONTENT


def send_reload(pid_file: Path | None) -> int:
    """`bloodpatch-bot reload`: SIGHUP the running bot named in the pid file."""
    path = pid_file or default_pid_file()
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        print(f"bloodpatch-bot: no running bot found via {path} ({exc})", file=sys.stderr)
        return EXIT_SETTINGS
    print(f"asked the bot (pid {pid}) to reload its content; its log says if the new content was accepted")
    return EXIT_OK
