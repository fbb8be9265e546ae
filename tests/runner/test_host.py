"""Where `run` listens: --host, then BLOODPATCH_HOST (environment or .env), then 0.0.0.0.

HOST is not read: shells and platforms set it to the machine's name, which used to make
the bot try to listen on "some-hostname" (or on whatever interface that name resolves to).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot import runner
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


class Recorder:
    """Stands in for Service: records where `run` would listen, serves nothing."""

    created: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, library: Any, plan: Any, *, host: str, port: int) -> None:
        Recorder.created.append({"host": host, "port": port})

    async def run(self, **_: Any) -> int:
        return 0


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-hosttest")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "host-test-secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # never called: a stand-in is not verified
    monkeypatch.delenv("BLOODPATCH_HOST", raising=False)
    monkeypatch.setattr(runner, "Service", Recorder)
    Recorder.created.clear()
    return monkeypatch


def test_a_stray_host_variable_does_not_move_the_bot(slack_env: pytest.MonkeyPatch) -> None:
    slack_env.setenv("HOST", STRAY)
    assert runner.run("slack", content_dir=CONTENT, socket=False, port=0, watch=False) == 0
    assert Recorder.created == [{"host": "0.0.0.0", "port": 0}]


def test_bloodpatch_host_and_the_host_option(slack_env: pytest.MonkeyPatch) -> None:
    slack_env.setenv("HOST", STRAY)
    slack_env.setenv("BLOODPATCH_HOST", "127.0.0.1")
    runner.run("slack", content_dir=CONTENT, socket=False, port=0, watch=False)
    runner.run("slack", content_dir=CONTENT, socket=False, port=0, watch=False, host="::1")
    assert [c["host"] for c in Recorder.created] == ["127.0.0.1", "::1"]


def test_run_listens_on_bloodpatch_host_whatever_host_says(tmp_path: Path) -> None:
    """The real console script: HOST names a machine that does not exist, BLOODPATCH_HOST keeps it local."""
    env = {
        **os.environ,
        "HOST": STRAY,
        "BLOODPATCH_HOST": "127.0.0.1",
        "PORT": "0",
        "BLOODPATCH_PID_FILE": str(tmp_path / "bot.pid"),
        "SLACK_BOT_TOKEN": "xoxb-1-2-hosttest",
        "SLACK_SIGNING_SECRET": "host-test-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DISCORD_TOKEN": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "slack", "--content", str(CONTENT)],
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
        assert any("http: listening on 127.0.0.1:" in line for line in lines), "".join(lines)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        process.stderr.close()
    assert process.returncode == 0, "".join(lines)


def test_port_and_host_from_dotenv_and_a_bad_port(
    slack_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slack_env.delenv("PORT", raising=False)
    (tmp_path / ".env").write_text("PORT=8081\nBLOODPATCH_HOST=127.0.0.1\nHOST=elsewhere\n")
    assert runner.run("slack", content_dir=CONTENT, socket=False, port=None, watch=False) == 0
    assert Recorder.created == [{"host": "127.0.0.1", "port": 8081}]

    slack_env.setenv("PORT", "eighty")
    assert runner.run("slack", content_dir=CONTENT, socket=False, port=None, watch=False) == runner.EXIT_SETTINGS
    assert "PORT: must be a port number" in capsys.readouterr().err
