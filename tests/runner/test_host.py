"""Where `run` listens: --host, then BLOODPATCH_HOST (environment or .env), then 0.0.0.0.

HOST is not read: shells and platforms set it to the machine's name, which used to make
the bot try to listen on "some-hostname" (or on whatever interface that name resolves to).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import runner
from bot.exit_status import ExitStatus
from tests.conftest import CONTENT

STRAY = "some-hostname.invalid"


@pytest.mark.parametrize(
    ("cli", "environ", "dotenv", "expected"),
    [
        (None, {"HOST": STRAY}, "", "0.0.0.0"),
        (None, {"HOST": STRAY}, f"HOST={STRAY}\n", "0.0.0.0"),
        (None, {"HOST": STRAY, "BLOODPATCH_HOST": "127.0.0.1"}, "", "127.0.0.1"),
        (None, {"BLOODPATCH_HOST": " ::1 "}, "", "::1"),
        (None, {}, "BLOODPATCH_HOST=127.0.0.2\n", "127.0.0.2"),
        (None, {"BLOODPATCH_HOST": "127.0.0.1"}, "BLOODPATCH_HOST=127.0.0.2\n", "127.0.0.1"),  # environment wins
        (None, {"BLOODPATCH_HOST": ""}, "", "0.0.0.0"),
        ("127.0.0.3", {"BLOODPATCH_HOST": "127.0.0.1", "HOST": STRAY}, "", "127.0.0.3"),  # --host wins
    ],
)
def test_listen_host(tmp_path: Path, cli: str | None, environ: dict, dotenv: str, expected: str) -> None:
    env_file = tmp_path / ".env"
    if dotenv:
        env_file.write_text(dotenv)
    assert runner.listen_host(cli, environ, env_file) == expected


def _listening_on(tmp_path: Path, environ: dict[str, str], option: list[str]) -> str:
    """Start the real `run slack` on loopback stand-ins; return its "listening on" log line."""
    env = {
        **os.environ,
        "BLOODPATCH_PID_FILE": str(tmp_path / "bot.pid"),
        "BLOODPATCH_DATA_DIR": str(tmp_path / "data"),
        "SLACK_BOT_TOKEN": "xoxb-1-2-hosttest",
        "SLACK_SIGNING_SECRET": "host-test-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: a stand-in is not verified
        "DISCORD_TOKEN": "",
        **environ,
    }
    for name in ("BLOODPATCH_HOST", "PORT"):
        if name not in environ:
            env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "slack", "--content", str(CONTENT), *option],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "http: listening on" in line:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        process.stderr.close()
    assert process.returncode == 0, "".join(lines)
    return next((line for line in lines if "http: listening on" in line), "".join(lines))


@pytest.mark.parametrize(
    ("bloodpatch_host", "option", "expected"),
    [("127.0.0.1", [], "127.0.0.1"), ("127.0.0.2", ["--host", "127.0.0.1"], "127.0.0.1")],  # --host wins
)
def test_run_listens_on_bloodpatch_host_whatever_host_says(
    tmp_path: Path, bloodpatch_host: str, option: list[str], expected: str
) -> None:
    """The real service: HOST names a machine that does not exist; BLOODPATCH_HOST (or --host) decides."""
    line = _listening_on(tmp_path, {"HOST": STRAY, "BLOODPATCH_HOST": bloodpatch_host, "PORT": "0"}, option)
    assert f"http: listening on {expected}:" in line


def test_port_and_host_from_dotenv_and_a_bad_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a free loopback port for the .env to name
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / ".env").write_text(f"PORT={port}\nBLOODPATCH_HOST=127.0.0.1\nHOST=elsewhere\n")
    assert f"http: listening on 127.0.0.1:{port}" in _listening_on(tmp_path, {"HOST": STRAY}, [])

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BLOODPATCH_HOST", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-hosttest")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "host-test-secret")
    monkeypatch.setenv("PORT", "eighty")
    assert runner.run("slack", content_dir=CONTENT, socket=False, port=None, watch=False) == ExitStatus.USAGE
    assert "PORT: must be a port number" in capsys.readouterr().err
