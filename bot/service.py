"""The running bot: platforms, one HTTP server with health checks, content reloads and shutdown.

Started by `bloodpatch-bot run` (bot/runner.py), which checks settings, content and the port first.
- One aiohttp server carries Slack's `/slack/events` in HTTP mode and `/healthz` + `/readyz`
  always, so a container platform can probe any deployment.
- The store (bot.store, opened by the runner) goes to both adapters for the quiz and feedback.
- Content reloads: SIGHUP or `--watch` for this process; with a shared store (DATABASE_URL) the
  service also polls the store's reload signal, so `bloodpatch-bot reload` reaches every worker,
  and Slack's retry dedupe uses it, so a retry that reaches another worker is caught.
  Bad content is refused and the last good content keeps serving.
- A platform that fails while running stops the service with `problem` set (one line for the
  operator, and the exit status that goes with it). SIGTERM/SIGINT shut down gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.exit_status import ExitStatus, Unavailable
from bot.settings import DEFAULT_HOST, DEFAULT_PORT, SettingsError

if TYPE_CHECKING:
    from bot.core import Library
    from bot.runner import Plan

log = logging.getLogger("bloodpatch.runner")

SHUTDOWN_GRACE_SECONDS = 10.0
LISTEN_BACKLOG = 1024  # bursts of connections from a reverse proxy or Slack; aiohttp's default is 128


@dataclass
class Health:
    """What /readyz reports: content loaded and every started platform connected."""

    content_loaded: bool = False
    platforms: dict[str, bool] = field(default_factory=dict)
    serving: bool = False  # the HTTP site is listening (every platform has been started by then)
    stopping: bool = False
    store: bool | None = None  # the store's database answered at the last look; None: no store

    @property
    def ready(self) -> bool:
        return self.serving and self.content_loaded and all(self.platforms.values()) and not self.stopping


def add_health_routes(app: web.Application, health: Health) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        body: dict[str, Any] = {"ready": health.ready, "content": health.content_loaded, "platforms": health.platforms}
        if health.store is not None:  # reported, not required: answers need no database, only quiz and dedupe do
            body["store"] = health.store
        return web.json_response(body, status=200 if health.ready else 503)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


class Service:
    """The running bot: platforms, health server, reloads and shutdown."""

    def __init__(
        self,
        library: Library,
        plan: Plan,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        sock: socket.socket | None = None,
        store: Any = None,
        reload_poll_seconds: float = 3.0,
    ) -> None:
        self.library = library
        self.plan = plan
        self.host = host
        self.port = port
        self.store = store  # bot.store's Store: quiz and feedback; with shared_store also dedupe and reloads
        self.shared_store = False  # the store is DATABASE_URL's, shared with other workers
        self.reload_poll_seconds = reload_poll_seconds
        self.health = Health(content_loaded=True)
        self.stop = asyncio.Event()
        self.problem: SettingsError | Unavailable | None = None  # why a platform stopped the service
        self.discord_client: Any = None
        self.slack_app: Any = None
        self._sock = sock
        self._socket_handler: Any = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.bound_port: int | None = None

    @property
    def exit_status(self) -> ExitStatus:
        if isinstance(self.problem, SettingsError):
            return ExitStatus.USAGE
        if self.problem is not None:
            return ExitStatus.UNAVAILABLE
        return ExitStatus.OK

    def _fail(self, problem: SettingsError | Unavailable) -> None:
        log.error("%s", problem)
        self.problem = self.problem or problem
        self.stop.set()

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

    async def _follow_reloads(self) -> None:
        """Reload when any process publishes a reload in the shared store (`bloodpatch-bot reload`).

        A poll every few seconds, not LISTEN/NOTIFY: it works the same on every database and
        through connection poolers, and a worker that was away catches up at its next look.
        """
        seen: int | None = None
        while True:
            try:
                version = await self.store.reload_version()
            except Exception as exc:  # the database is away for a moment: keep serving, look again
                if self.health.store is not False:
                    log.warning("store: cannot read the reload signal (%s); answers go on", type(exc).__name__)
                self.health.store = False
            else:
                if self.health.store is False:
                    log.info("store: reachable again")
                self.health.store = True
                if seen is not None and version != seen:
                    self.reload(f"bloodpatch-bot reload, signal {version}")
                seen = version
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.reload_poll_seconds)
                return

    # -- lifecycle -----------------------------------------------------------------
    async def start(self) -> None:
        """Platforms' start-up checks first, then listen, then connect to Discord's gateway."""
        web_app = await self._start_slack()
        if self.plan.discord is not None:
            await self._login_discord()
        add_health_routes(web_app, self.health)
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await self._runner.setup()
        if self._sock is not None:
            site: web.BaseSite = web.SockSite(self._runner, self._sock)
        else:
            site = web.TCPSite(self._runner, self.host, self.port, backlog=LISTEN_BACKLOG)
        await site.start()
        self.health.serving = True
        sockets = getattr(site._server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        log.info(
            "http: listening on %s:%s (/healthz, /readyz%s)",
            self.host,
            self.bound_port,
            ", /slack/events" if self.plan.slack and not self.plan.socket else "",
        )
        if self.discord_client is not None:
            self._tasks.append(asyncio.create_task(self._run_discord(), name="discord"))
        if self.store is not None and self.shared_store:
            self._tasks.append(asyncio.create_task(self._follow_reloads(), name="reload-signal"))
        if self.store is not None:  # opted-in question text is deleted after its retention limit
            self._tasks.append(asyncio.create_task(self.store.maintenance_loop(), name="store-maintenance"))

    async def _start_slack(self) -> web.Application:
        if self.plan.slack is None:
            return web.Application()
        from bot.adapters.slack import create_app, create_web_app
        from bot.adapters.slack.runner import connect_socket_mode, verify_token

        extra: dict[str, Any] = {"store": self.store} if self.store is not None else {}
        if self.store is not None and self.shared_store:  # a retry that reaches another worker is still caught
            from bot.adapters.slack.dedupe import StoreDeduper

            extra["deduper"] = StoreDeduper(self.store)
        if self.plan.slack.ack_budget is not None:
            extra["ack_budget"] = self.plan.slack.ack_budget
        self.slack_app = create_app(settings=self.plan.slack, library=self.library, **extra)
        if self.plan.slack.api_url is None:  # a stand-in API (tests, checks) is not asked at start-up
            await verify_token(self.slack_app)
        if not self.plan.socket:
            self.health.platforms["slack"] = True  # ready once the HTTP site is listening
            return create_web_app(self.slack_app)
        self.health.platforms["slack"] = False
        self._socket_handler = await connect_socket_mode(self.slack_app, self.plan.slack)
        self.health.platforms["slack"] = True
        log.info("slack: Socket Mode connected")
        return web.Application()

    async def _login_discord(self) -> None:
        from bot.adapters.discord import create_client
        from bot.adapters.discord.runner import login, point_at

        settings = self.plan.discord
        assert settings is not None and settings.token is not None
        point_at(settings)
        self.health.platforms["discord"] = False
        self.discord_client = create_client(library=self.library, settings=settings, store=self.store)
        await login(self.discord_client, settings.token)
        sharding = f" ({settings.sharding.describe()})" if settings.sharding else ""
        log.info("discord: logged in as %s%s", self.discord_client.user, sharding)

    async def _run_discord(self) -> None:
        from bot.adapters.discord.runner import failure

        client = self.discord_client

        async def mark_ready() -> None:
            await client.wait_until_ready()
            self.health.platforms["discord"] = True
            log.info("discord: connected to the gateway")

        ready_task = asyncio.create_task(mark_ready())
        try:
            await client.connect(reconnect=True)
        except Exception as exc:
            if self.health.stopping or client.is_closed():  # a shard noticing our own shutdown, not a failure
                log.debug("discord: %s while shutting down", type(exc).__name__)
                return
            problem = failure(exc)
            if problem is None:
                log.exception("discord: the client stopped with an error")
                problem = Unavailable(f"the Discord client stopped with an error ({type(exc).__name__})")
            self._fail(problem)
        finally:
            ready_task.cancel()

    async def shutdown(self) -> None:
        """Stop accepting, let in-flight answers finish, then close every connection."""
        self.health.stopping = True
        log.info("shutting down")
        if self._runner is not None:
            await self._runner.cleanup()  # stops listening, waits for in-flight requests
        elif self._sock is not None:
            self._sock.close()
        if self._socket_handler is not None:
            with contextlib.suppress(Exception):
                await self._socket_handler.close_async()
        if self.slack_app is not None:
            from bot.adapters.slack.quiz_service import feature_of
            from bot.adapters.slack.transport import close_sessions

            feature = feature_of(self.slack_app)
            if feature is not None:
                with contextlib.suppress(Exception):  # writes queued counts, stops the daily loop
                    await feature.aclose()
            await close_sessions()
        if self.discord_client is not None and not self.discord_client.is_closed():
            await self.discord_client.close()
        for task in self._tasks:
            if task.get_name() in ("reload-signal", "store-maintenance"):
                task.cancel()  # it only waits; nothing in flight to finish
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)
        log.info("stopped")

    async def run(self, *, watch: bool = False, pid_file: Path | None = None) -> int:
        """Serve until SIGTERM/SIGINT or a platform fails; start-up failures raise SettingsError/Unavailable."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, self.stop.set)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, self.reload, "SIGHUP")
        try:
            await self.start()
            if watch:
                self._tasks.append(asyncio.create_task(self._watch(), name="watch"))
            if pid_file is not None:
                pid_file.write_text(str(os.getpid()))
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
